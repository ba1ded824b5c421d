#!/usr/bin/env bash
# How long `go run ./cmd/awssim` takes to print its export lines (the go
# command's build cache warm: run once first), over N runs.
# Usage: bench/startup/awssim.sh [runs, default 5]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
port=$(( 20000 + RANDOM % 20000 ))
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go build -o /dev/null ./cmd/awssim   # warm the cache
for _ in $(seq "$runs"); do
  : >"$out"
  start=$(date +%s%N)
  go run ./cmd/awssim --addr "127.0.0.1:$port" >"$out" 2>/dev/null &
  pid=$!
  until grep -q AWS_ENDPOINT_URL "$out"; do sleep 0.005; done
  end=$(date +%s%N)
  echo "exports after $(( (end - start) / 1000000 )) ms"
  pkill -P "$pid" 2>/dev/null || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
