#!/usr/bin/env bash
# The local trial (docs/trial.md): ecsctl's whole main job on this machine,
# without an AWS account. It starts ecsctl's AWS simulator with the world of
# examples/trial (an ECS cluster with the service web behind a target group,
# ECR repositories, Terraform state in S3, SSM parameters), then
#   1. checks the config against it (ecsctl validate --remote),
#   2. builds the example application (examples/web, examples/app) and pushes
#      it to the simulator's registry (ecsctl build),
#   3. deploys it, watching the rollout (ecsctl deploy),
#   4. schedules the nightly batch at 03:00 Asia/Tokyo (ecsctl batch schedule),
#   5. runs that batch once and shows its logs (ecsctl batch run),
#   6. builds a deliberately broken change of web, deploys it and shows the
#      failure detected and rolled back (exit code 3),
# and cleans up after itself. On a fresh Debian machine, as root, it installs
# and starts what it needs (a Docker engine, as scripts/test.sh does; it uses
# one that already runs). Go 1.26 must be installed (or installable).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

log() { printf '%s trial.sh: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  step() { printf '\n\033[1m━━ %s\033[0m\n' "$*"; }
else
  step() { printf '\n== %s\n' "$*"; }
fi
say() { printf '   %s\n' "$*"; }

. scripts/lib/engine.sh
install_missing dockerd:docker.io docker:docker.io git:git
if ! command -v go >/dev/null 2>&1; then
  install_missing go:golang-go
fi
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"   # an older Go fetches the one go.mod asks for
ensure_docker

work=$(mktemp -d "${TMPDIR:-/tmp}/ecsctl-trial.XXXXXX")
awssim_pid=""
port=""
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  if [ -n "$awssim_pid" ] && kill -0 "$awssim_pid" 2>/dev/null; then
    kill "$awssim_pid" 2>/dev/null || true
    wait "$awssim_pid" 2>/dev/null || true
  fi
  if [ -n "$port" ]; then
    # The images built and tagged for the simulator's registry; untagged
    # ones (a tag moved) by ID.
    docker images --filter "reference=127.0.0.1:$port/*" --format '{{.Repository}}:{{.Tag}} {{.ID}}' 2>/dev/null |
      while read -r ref id; do
        case $ref in
          *:"<none>") docker rmi "$id" ;;
          *) docker rmi "$ref" ;;
        esac
      done >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  if [ "$code" -ne 0 ]; then
    log "the trial failed (exit $code)"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Building ecsctl, the AWS simulator and the example application"
go build -o "$work/bin/ecsctl" ./cmd/ecsctl
go build -o "$work/bin/awssim" ./cmd/awssim
# The example application, as a repository of its own in $work/example.
example="$work/example"
run="$work/run"
mkdir -p "$example" "$run"
cp -R examples/web examples/app examples/trial examples/.gitignore "$example/"
rm -rf "$example/web/bin" "$example/app/bin" "$example/trial/imagedefinitions.json" "$example/trial/imagedetail"
# The Dockerfiles copy static binaries onto an empty base: nothing is pulled.
CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags='-s -w' -o "$example/web/bin/web" ./examples/web
CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags='-s -w' -o "$example/app/bin/app" ./examples/app
say "$("$work/bin/ecsctl" version 2>/dev/null | head -1)"

# The simulator's registry is on the port it listens on, which the world's
# image names carry: take 4599 unless something listens there.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=4599
while port_busy "$port"; do port=$((port + 1)); done
sed -i "s/127\.0\.0\.1:4599/127.0.0.1:$port/g" "$example/trial/world.yml"
registry="127.0.0.1:$port"

# Images are tagged with the example's commit.
git -C "$example" init -q
git -C "$example" add -A
git -C "$example" -c user.name=trial -c user.email=trial@example.invalid commit -q -m "the example application"

step "Starting the AWS simulator on $registry (examples/trial/world.yml)"
"$work/bin/awssim" --addr "$registry" --config "$example/trial/world.yml" >"$run/awssim.env" 2>"$run/awssim.log" &
awssim_pid=$!
for _ in $(seq 1 300); do
  grep -q '^export AWS_REGION=' "$run/awssim.env" 2>/dev/null && break
  if ! kill -0 "$awssim_pid" 2>/dev/null; then
    log "the simulator stopped:"; cat "$run/awssim.log" >&2; exit 1
  fi
  sleep 0.1
done
grep -q '^export AWS_REGION=' "$run/awssim.env" || { log "the simulator did not start in 30s:"; cat "$run/awssim.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$run/awssim.env"
export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE
export PATH="$work/bin:$PATH"
say "ECS cluster example, service web (2 tasks) behind target group example-web,"
say "ECR repositories web and app, Terraform states in s3://example-tfstate, SSM parameters"
say "waiting for the service's first tasks (ecsctl deploy wait --service web)"
if ! (cd "$example/trial" && ecsctl deploy wait --service web >"$run/first-deployment.log" 2>&1); then
  cat "$run/first-deployment.log" >&2; exit 1
fi

cd "$example/trial"
step "ecsctl validate --remote  (subnets, cluster and role come from Terraform state and SSM)"
ecsctl validate --remote

step "ecsctl build  (both images at once, pushed by digest, imagedefinitions.json written)"
ecsctl build

step "ecsctl deploy --service web  (a new revision, the rollout watched until it truly succeeded)"
ecsctl deploy --service web

step "ecsctl batch schedule  (nightly-report at 03:00 Asia/Tokyo on EventBridge Scheduler)"
ecsctl batch schedule
ecsctl batch list

step "ecsctl batch run nightly-report  (once, now, with its logs)"
ecsctl batch run nightly-report

step "A broken change  (web's Dockerfile loses the line that copies the file web reads at start)"
sed -i '/^COPY message.txt/d' "$example/web/Dockerfile"
git -C "$example" --no-pager diff --stat
ecsctl build --image web --tag broken --imagedefs "$run/broken-imagedefinitions.json"
say "deploying it: ecsctl deploy --service web --image web=$registry/web:broken"
set +e
ecsctl deploy --service web --image "web=$registry/web:broken"
code=$?
set -e
if [ "$code" -ne 3 ]; then
  log "the broken deploy exited $code; expected 3 (failed, and the service back on its last good revision)"
  exit 1
fi
say "exit code 3: the deploy failed and the service runs its last good revision again"
git -C "$example" checkout -q -- web/Dockerfile

step "Done"
say "Built, pushed, deployed, scheduled, ran a batch, and rolled back a broken deploy,"
say "all against the simulator. Next: docs/trial.md, then README.md for your own account."
