#!/usr/bin/env bash
# The test command (README.md, "Tests"). On a fresh Debian machine, as root,
# it installs and starts what the tests need — a Docker engine and the
# busybox rootfs test images are built on — then runs vet, gofmt and the whole
# suite with the race detector. It reuses a Docker engine that already runs.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '%s test.sh: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

. scripts/lib/engine.sh
install_missing dockerd:docker.io docker:docker.io /bin/busybox:busybox-static git:git
ensure_docker

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
