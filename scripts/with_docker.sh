#!/usr/bin/env bash
# Runs a command (e.g. the test suite) with a docker engine and the sandbox image ready,
# so that the docker sandbox backend is tested for real:
#
#   scripts/with_docker.sh .venv/bin/python -m pytest tests/sandbox
#
# - As root with apt-get, installs what it needs when missing: docker.io to start an
#   engine, debootstrap (and Debian's keyring) to build the image.
# - Uses the engine that answers `docker info` (DOCKER_HOST, the default socket, or the
#   private one below); when none does and we are root, starts a private dockerd that
#   makes no network at all and cannot clash with another engine (its own socket,
#   data-root and exec-root), and stops exactly that dockerd (by its pid) afterwards,
#   whatever the command's outcome.
# - Builds the image (python -m cogym.sandbox.docker_image) when it is missing; it is
#   kept in the data-root for the next run.
# - Then sets COGYM_REQUIRE_BACKENDS=docker: docker tests fail instead of skipping.
# Otherwise (not root, no apt-get, the build failed) it says what to run, and runs the
# command anyway: the docker tests then skip, saying why.
#
# Exits with the command's status. Environment: COGYM_PYTHON (the Python that has cogym,
# default .venv/bin/python, else python3), COGYM_DOCKER_ROOT (the private engine's
# data-root, default /var/lib/cogym-docker).
set -uo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi

say() { echo "with_docker: $*" >&2; }
COMMAND="$*"
if [ -z "${COGYM_PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then COGYM_PYTHON=.venv/bin/python; else COGYM_PYTHON=python3; fi
fi
DATA_ROOT=${COGYM_DOCKER_ROOT:-/var/lib/cogym-docker}
EXEC_ROOT=/run/cogym-docker
SOCKET=unix://$EXEC_ROOT/docker.sock
is_root() { [ "$(id -u)" = 0 ]; }
answers() { timeout 20 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

# install PACKAGE... : apt-get install as root, else say what to run; false if not installed
install() {
  if is_root && command -v apt-get >/dev/null; then
    say "installing $*"
    apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2 \
      && return 0
    say "could not install $*"
    return 1
  fi
  say "the docker tests need $*; to test docker, run as root: apt-get install -y $*" \
    "&& $0 $COMMAND"
  return 1
}

engine_packages() {
  { command -v docker && command -v dockerd && command -v containerd; } >/dev/null \
    || echo docker.io
}

build_packages() {
  command -v debootstrap >/dev/null || echo debootstrap
  # debootstrap checks Debian's signatures with it (Ubuntu lacks it)
  [ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || echo debian-archive-keyring
}

STARTED_PID=""
stop_engine() {
  [ -n "$STARTED_PID" ] || return 0
  say "stopping the dockerd it started (pid $STARTED_PID)"
  kill -TERM "$STARTED_PID" 2>/dev/null
  for _ in $(seq 1 150); do
    kill -0 "$STARTED_PID" 2>/dev/null || { STARTED_PID=""; return 0; }
    sleep 0.2
  done
  say "dockerd (pid $STARTED_PID) did not stop within 30 s; killing it"
  kill -KILL "$STARTED_PID" 2>/dev/null
  STARTED_PID=""
}
trap stop_engine EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_engine() {
  if ! is_root; then
    say "no docker engine answers and only root starts one here; to test docker, run" \
      "as root: $0 $COMMAND"
    return 1
  fi
  mkdir -p "$DATA_ROOT" "$EXEC_ROOT"
  say "starting a private dockerd (socket $SOCKET, data in $DATA_ROOT, no networks)"
  # its own session: a Ctrl-C meant for the command does not take the engine down under it
  setsid dockerd --bridge=none --iptables=false --ip6tables=false --ip-forward=false \
    --ip-masq=false --userland-proxy=false \
    --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" \
    --pidfile "$EXEC_ROOT/dockerd.pid" -H "$SOCKET" \
    >"$DATA_ROOT/dockerd.log" 2>&1 &
  STARTED_PID=$!
  export DOCKER_HOST=$SOCKET
  for _ in $(seq 1 120); do
    answers && return 0
    kill -0 "$STARTED_PID" 2>/dev/null || break
    sleep 0.5
  done
  say "dockerd did not come up; the end of $DATA_ROOT/dockerd.log:"
  tail -n 20 "$DATA_ROOT/dockerd.log" >&2
  stop_engine
  unset DOCKER_HOST
  return 1
}

prepare() {
  if ! answers; then
    if [ -z "${DOCKER_HOST:-}" ] && DOCKER_HOST=$SOCKET answers; then
      export DOCKER_HOST=$SOCKET  # a private engine that an earlier run left running
    else
      local missing
      missing=$(engine_packages)
      if [ -n "$missing" ]; then install $missing || return 1; fi
      start_engine || return 1
    fi
  fi
  if ! "$COGYM_PYTHON" -m cogym.sandbox.docker_image --check >&2; then
    local missing
    missing=$(build_packages)
    if [ -n "$missing" ]; then install $missing || return 1; fi
    "$COGYM_PYTHON" -m cogym.sandbox.docker_image >&2 || {
      say "the image could not be built"
      return 1
    }
  fi
}

if prepare; then
  export COGYM_REQUIRE_BACKENDS=docker
else
  say "running without docker: its tests skip, saying why"
fi
"$@"
