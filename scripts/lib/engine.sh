# Shared by scripts/test.sh and scripts/trial.sh (source it; they define log).
# On a fresh Debian machine, as root, these install what is missing and start
# a Docker engine, reusing one that already answers.

# install_missing installs Debian packages for what is missing. Each
# argument is WHAT:PACKAGE, WHAT a command name or an absolute path that
# must be executable: install_missing dockerd:docker.io /bin/busybox:busybox-static
install_missing() {
  local need_pkgs=() what pkg
  for arg in "$@"; do
    what=${arg%%:*} pkg=${arg#*:}
    case $what in
      /*) [ -x "$what" ] || need_pkgs+=("$pkg") ;;
      *) command -v "$what" >/dev/null 2>&1 || need_pkgs+=("$pkg") ;;
    esac
  done
  if [ ${#need_pkgs[@]} -gt 0 ]; then
    log "installing ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  fi
}

# ensure_docker starts dockerd unless an engine answers: vfs storage, no
# bridge and no iptables, so it needs nothing from the host but loopback.
ensure_docker() {
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
}
