#!/usr/bin/env bash
# The test command (README.md, "Tests"). On a fresh Debian machine, as root,
# it installs and starts what the tests need — a Docker engine and the
# busybox rootfs test images are built on — then runs vet, gofmt and the whole
# suite with the race detector. It reuses a Docker engine that already runs.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '%s test.sh: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v docker >/dev/null 2>&1 || need_pkgs+=(docker.io)
[ -x /bin/busybox ] || need_pkgs+=(busybox-static)
command -v git >/dev/null 2>&1 || need_pkgs+=(git)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

if ! docker version >/dev/null 2>&1; then
  log "starting dockerd (vfs storage, no bridge: only loopback traffic)"
  mkdir -p /var/log
  nohup dockerd --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none \
    >/var/log/ecsctl-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker version >/dev/null 2>&1 && break
    sleep 1
  done
  if ! docker version >/dev/null 2>&1; then
    log "dockerd did not answer within 60s; its log:"
    tail -50 /var/log/ecsctl-dockerd.log >&2 || true
    exit 1
  fi
fi
log "docker engine $(docker version --format '{{.Server.Version}}') is up"

export CI="${CI:-true}"   # tests that need Docker fail instead of skipping

log "go vet"
go vet ./...
log "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  log "gofmt would change:"; echo "$unformatted" >&2; exit 1
fi
log "go test -race ./..."
go test -race -count=1 -timeout 25m ./...
log "all tests passed"
