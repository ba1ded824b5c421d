#!/usr/bin/env bash
# Start-up of `ecsctl --help`, next to the floor of this machine (a Go
# hello world) and the cost of linking the aws-sdk-go-v2 packages ecsctl
# uses. Interleaved rounds; reports the median wall time of each.
# Usage: bench/startup/run.sh [runs per round, default 20] [rounds, default 5]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-20}
rounds=${2:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/ecsctl" ./cmd/ecsctl
go build -o "$out/sdkonly" ./bench/startup/sdkonly
go build -o "$out/hello" ./bench/startup/hello

# time_ms CMD...: wall milliseconds of one round of $runs runs, per run.
time_ms() {
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1; done
  end=$(date +%s%N)
  echo $(( (end - start) / runs / 1000 ))
}

declare -A samples
for _ in $(seq "$rounds"); do
  samples[hello]+="$(time_ms "$out/hello") "
  samples[sdkonly]+="$(time_ms "$out/sdkonly") "
  samples[ecsctl]+="$(time_ms "$out/ecsctl" --help) "
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for k in hello sdkonly ecsctl; do
  us=$(echo "${samples[$k]}" | median)
  label=$k; [ "$k" = ecsctl ] && label='ecsctl --help'
  awk -v l="$label" -v us="$us" -v r="${samples[$k]}" 'BEGIN { printf "%-16s %6.1f ms  (per-round µs: %s)\n", l, us/1000, r }' 
done
echo "init breakdown of ecsctl --help (GODEBUG=inittrace=1, top 8 by clock):"
GODEBUG=inittrace=1 "$out/ecsctl" --help 2>&1 >/dev/null | sort -k5 -n -r | head -8 | awk '{printf "  %-70s %s ms\n", $2, $5}'
