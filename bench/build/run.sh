#!/usr/bin/env bash
# Benchmark: `ecsctl build` against the seed's buildspec (docker build +
# docker push of each image, one after the other), on this machine's engine
# and a local ECR (the AWS simulator). Not a test: it prints timings and
# ratios. Usage: bench/build/run.sh   (env: ASSETS_MB=100 HUGE_MB=1024
# CPU_SECONDS=5 ROUNDS=3 WORK=dir KEEP=1 to keep WORK).
#
#   a  docker CLI: build + push assets, then build + push cpu
#      (DOCKER_BUILDKIT=0 when the CLI has no buildx)
#   b  ecsctl build, cold cache (both images at once)
#   c  ecsctl build --concurrency 1, cold cache
#   d  ecsctl build again, nothing changed
#   m  peak RSS of ecsctl build --no-push on a HUGE_MB context
#
# Each of a, b, c gets a fresh simulator (so no layer is already in the
# registry), the BuildKit cache pruned and the images it built removed.
# The machine is shared and noisy: a, b, c, d run ROUNDS times, interleaved,
# and the report gives each round and the ratios of the medians.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ASSETS_MB=${ASSETS_MB:-100}
HUGE_MB=${HUGE_MB:-1024}
CPU_SECONDS=${CPU_SECONDS:-5}
ROUNDS=${ROUNDS:-3}
WORK=${WORK:-$(mktemp -d /tmp/ecsctl-bench-build.XXXXXX)}
bin=$WORK/bin
ctx=$WORK/ctx
mkdir -p "$bin" "$ctx"
export CI=true CODEBUILD_RESOLVED_SOURCE_VERSION=0123456789abcdef0123456789abcdef01234567

sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  remove_images
  if [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

log() { echo "== $*" >&2; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# Images this benchmark built: everything tagged for one of its simulators,
# and the huge image.
registries=()
remove_images() {
  local refs=""
  for r in "${registries[@]:-}"; do
    [ -n "$r" ] && refs+=$(docker images --format '{{.Repository}}:{{.Tag}}' | grep "^$r/" || true)$'\n'
  done
  refs+=$(docker images --format '{{.Repository}}:{{.Tag}}' | grep '^huge:' || true)
  refs=$(echo "$refs" | grep -v '^$' || true)
  [ -n "$refs" ] && docker rmi -f $refs >/dev/null 2>&1 || true
  docker image prune -f >/dev/null 2>&1 || true
}
clear_caches() {
  remove_images
  docker builder prune -af >/dev/null 2>&1
}

start_sim() { # name repos
  [ -n "$sim_pid" ] && kill "$sim_pid" && wait "$sim_pid" 2>/dev/null || true
  rm -f "$WORK/$1.env"
  "$bin/tool" serve -env "$WORK/$1.env" -repos "$2" &
  sim_pid=$!
  for _ in $(seq 100); do [ -f "$WORK/$1.env" ] && break; sleep 0.1; done
  set -a; . "$WORK/$1.env"; set +a
  registries+=("$REGISTRY")
}

log "building ecsctl and the tools"
(cd "$root" && go build -o "$bin/ecsctl" ./cmd/ecsctl && go build -o "$bin/tool" ./bench/build/tool &&
  CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$bin/cpuwork" ./bench/build/cpuwork)
n=$("$bin/tool" calibrate -seconds "$CPU_SECONDS")
log "generating contexts in $ctx (assets ${ASSETS_MB} MB, cpu step $n hashes, huge ${HUGE_MB} MB)"
"$bin/tool" gen -out "$ctx" -assets-mb "$ASSETS_MB" -huge-mb "$HUGE_MB" -cpu-n "$n"
cp "$bin/cpuwork" "$ctx/cpu/cpuwork"
cp "$here/ecsctl.yml" "$here/huge.yml" "$ctx/"
BASE=$("$bin/tool" busybox)
export BASE

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
builder="DOCKER_BUILDKIT=0"
if docker buildx version >/dev/null 2>&1; then builder="DOCKER_BUILDKIT=1"; fi
log "baseline builder: $builder"

ecsctl_build() { # log-name args...
  local name=$1; shift
  (cd "$ctx" && "$bin/ecsctl" --output json build "$@" >"$WORK/$name.json" 2>"$WORK/$name.log") ||
    { cat "$WORK/$name.log" >&2; exit 1; }
}

per_image() { # result name: "image status seconds" per image from the JSON result
  "$bin/tool" seconds "$WORK/$1.json"
}

A=() B=() C=() D=() details=""
for round in $(seq "$ROUNDS"); do
  # a: the seed's way.
  clear_caches
  start_sim "a$round" "bench-a$round/assets,bench-a$round/cpu"
  export DOCKER_CONFIG=$WORK/docker-config
  steps=""
  t0=$(now)
  echo "$PASSWORD" | docker login -u AWS --password-stdin "$REGISTRY" >/dev/null 2>&1
  for img in assets cpu; do
    s0=$(now)
    env $builder docker build -q --network none --build-arg "BASE=$BASE" -t "$REGISTRY/bench-a$round/$img:latest" "$ctx/$img" >/dev/null
    s1=$(now)
    docker push -q "$REGISTRY/bench-a$round/$img:latest" >/dev/null
    s2=$(now)
    steps+="$img build $(secs "$s0" "$s1")s push $(secs "$s1" "$s2")s; "
  done
  t1=$(now)
  A+=("$(secs "$t0" "$t1")")
  unset DOCKER_CONFIG
  log "round $round a (docker CLI, sequential): ${A[-1]}s ($steps)"

  # b: ecsctl, cold.
  clear_caches
  start_sim "b$round" ""
  export PREFIX=bench-b$round/
  t0=$(now); ecsctl_build "b$round" --create-repositories; t1=$(now)
  B+=("$(secs "$t0" "$t1")")
  log "round $round b (ecsctl build, cold): ${B[-1]}s ($(per_image "b$round"))"

  # c: ecsctl one image at a time, cold; d: again, nothing changed.
  clear_caches
  start_sim "c$round" ""
  export PREFIX=bench-c$round/
  t0=$(now); ecsctl_build "c$round" --create-repositories --concurrency 1; t1=$(now)
  C+=("$(secs "$t0" "$t1")")
  log "round $round c (ecsctl build --concurrency 1, cold): ${C[-1]}s ($(per_image "c$round"))"
  t0=$(now); ecsctl_build "d$round"; t1=$(now)
  D+=("$(secs "$t0" "$t1")")
  grep -q '"status": "skipped"' "$WORK/d$round.json" || { log "d did not skip"; cat "$WORK/d$round.json" >&2; exit 1; }
  log "round $round d (ecsctl build, nothing changed): ${D[-1]}s"
  details+="round $round: a ${A[-1]}s ($steps) b ${B[-1]}s c ${C[-1]}s d ${D[-1]}s"$'\n'
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v x="$1" -v y="$2" -v f="$3" 'BEGIN { printf f, x / y }'; }
a=$(median "${A[@]}"); b=$(median "${B[@]}"); c=$(median "${C[@]}"); d=$(median "${D[@]}")

# m: peak memory while a HUGE_MB context streams to the engine.
peak="n/a"
if [ "$HUGE_MB" -gt 0 ]; then
  clear_caches
  (cd "$ctx" && /usr/bin/time -v "$bin/ecsctl" --config huge.yml build --no-push >"$WORK/m.out" 2>"$WORK/m.log") ||
    { cat "$WORK/m.log" >&2; exit 1; }
  peak=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f MB", $2 / 1024 }' "$WORK/m.log")
  mtime=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$WORK/m.log")
  log "m (ecsctl build --no-push, ${HUGE_MB} MB context): peak RSS $peak, wall $mtime"
fi
clear_caches

cat <<REPORT
ecsctl build benchmark ($(nproc) cores, Docker $(docker version -f '{{.Server.Version}}'), storage driver $(docker info -f '{{.Driver}}'))
load average at start: $load_start, at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every ratio)
contexts: assets ${ASSETS_MB} MB of static files; cpu RUN step of ${CPU_SECONDS} CPU seconds (cpuwork -n $n)
a  docker CLI build+push, sequential ($builder)
b  ecsctl build, cold (both images at once)
c  ecsctl build --concurrency 1, cold
d  ecsctl build again, nothing changed
${details}medians: a ${a}s  b ${b}s  c ${c}s  d ${d}s
b/a = $(ratio "$b" "$a" %.2f)   c/a = $(ratio "$c" "$a" %.2f)   d/a = $(ratio "$d" "$a" %.3f)   (targets: b/a <= 0.55, d/a <= 0.05)
m  peak RSS, ecsctl build --no-push, ${HUGE_MB} MB context: $peak
REPORT
