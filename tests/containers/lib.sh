#!/bin/bash
# Shared helpers of the container tests: a private podman (own storage, runroot and config,
# with this host's workarounds), a busybox image, the test gadget image, and `ig run` in the
# background. Sourced by the test scripts; needs root. Missing tools fail, never skip.
set -euo pipefail

here=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
IG=$(realpath "${IG:?IG must point at the ig binary}")
work=$(mktemp -d /tmp/ig-containers-test.XXXXXX)
export IG_OCI_STORE=$work/oci-store
export CONTAINERS_CONF=$work/containers.conf
failures=0
started_containers=()
background_pids=()

cleanup() {
  local pid c mount
  for pid in "${background_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # A podman service still shutting down keeps its storage mounted: let it finish.
  for pid in "${background_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for c in "${started_containers[@]}"; do podman_ rm -f -t 0 "$c" > /dev/null 2>&1 || true; done
  # containers/storage bind-mounts its overlay directory onto itself; undo what is left.
  awk -v prefix="$work/" 'index($5, prefix) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
  if [ "$failures" != 0 ] || [ -n "${IG_TEST_KEEP:-}" ]; then
    echo "(work files in $work)"
    return
  fi
  # conmon may still be writing a stopped container's exit files for a moment.
  local _
  for _ in 1 2 3 4 5 6; do
    rm -rf "$work" 2> /dev/null && return
    sleep 0.5
  done
  echo "warning: could not remove $work"
}
trap cleanup EXIT

die() { echo "FAIL: $*" >&2; failures=$((failures + 1)); exit 1; }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

[ "$(id -u)" = 0 ] || die "the container tests need root"
for tool in podman runc python3 bpftool; do
  command -v "$tool" > /dev/null || die "$tool not found (scripts/install-deps.sh installs it)"
done

# This host: no CAP_SYS_RESOURCE (ulimits at or below the soft limits), hybrid cgroups (runc,
# not crun), and no container networking so nothing persists after the test.
cat > "$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF

podman_() { podman --root "$work/storage" --runroot "$work/run" "$@"; }

# A busybox image with the applets the tests use.
make_busybox_image() {
  local rootfs=$work/rootfs
  mkdir -p "$rootfs"/{bin,tmp,proc,sys,dev,etc}
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in sh sleep chmod mkdir unshare true nc nslookup ip awk; do ln -sf busybox "$rootfs/bin/$applet"; done
  tar -C "$rootfs" -cf "$work/busybox.tar" .
  podman_ import "$work/busybox.tar" igtest-busybox > /dev/null || die "podman import failed"
}

build_gadget() {  # build_gadget DIR REF
  "$IG" image build -t "$2" "$1" > "$work/build.log" 2>&1 || die "ig image build $1: $(tail -n 3 "$work/build.log")"
}

# start_container NAME COMMAND: detached busybox container, removed at exit.
start_container() {
  started_containers+=("$1")
  podman_ run -d --name "$1" igtest-busybox sh -c "$2" > /dev/null || die "podman run $1 failed"
}

container_id() { podman_ inspect --format '{{.Id}}' "$1"; }
container_mntns() { stat -L -c %i "/proc/$(podman_ inspect --format '{{.State.Pid}}' "$1")/ns/mnt"; }

# The packet sockets (inodes) of the network namespaces of process $1 and of the containers
# started so far.
packet_sockets() {
  local c pid
  awk 'NR > 1 { print $NF }' /proc/"$1"/net/packet 2> /dev/null || true
  for c in "${started_containers[@]}"; do
    pid=$(podman_ inspect --format '{{.State.Pid}}' "$c" 2> /dev/null) || continue
    awk 'NR > 1 { print $NF }' /proc/"$pid"/net/packet 2> /dev/null || true
  done
}

# True once process $1 holds a BPF link, or a packet socket of its own or of a container's
# network namespace (socket filters): its gadget is attached.
has_bpf_link() {
  local f target sockets=
  for f in /proc/"$1"/fdinfo/*; do
    grep -qE '^(link_type|link_id):' "$f" 2>/dev/null && return 0
    target=$(readlink "/proc/$1/fd/${f##*/}" 2> /dev/null) || continue
    case $target in
      socket:\[*\]) target=${target#socket:\[}; target=${target%\]}
        [ -n "$sockets" ] || sockets=" $(packet_sockets "$1" | tr '\n' ' ')"
        case $sockets in *" $target "*) return 0 ;; esac ;;
    esac
  done
  return 1
}

# run_ig OUT ARGS...: starts `ig run ARGS` with stdout in OUT and stderr in OUT.err, waits until
# it is attached; sets ig_pid.
run_ig() {
  local out=$1
  shift
  "$IG" run "$@" > "$out" 2> "$out.err" &
  ig_pid=$!
  background_pids+=("$ig_pid")
  local i
  for i in $(seq 100); do
    has_bpf_link "$ig_pid" && return 0
    kill -0 "$ig_pid" 2>/dev/null || die "ig exited before attaching: $(cat "$out.err")"
    sleep 0.1
  done
  die "ig did not attach within 10 s"
}

wait_ig() {  # wait_ig: waits for ig_pid (run with --timeout) and checks its exit code
  local rc=0
  wait "$ig_pid" || rc=$?
  [ "$rc" = 0 ] || fail "ig exited with $rc: $(cat "$1.err")"
}

# json_check OUT PYTHON: runs PYTHON with `rows` = the JSON lines of OUT; it raises on failure.
json_check() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
exec(sys.argv[2])
PY
}
