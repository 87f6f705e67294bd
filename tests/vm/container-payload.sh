#!/bin/sh
# container-payload.sh RESULTS_DIR — runs inside the VM (busybox sh). The seed's ig guide with a
# real OCI runtime: crun runs busybox containers with seccomp profiles while `ig run
# audit_seccomp` runs three ways: -o json (all containers), columns (default columns) and
# -c with another name (must show nothing); and the seed's kubectl-gadget table: two `ig daemon`s
# as nodes, one fleet client run selecting the pod whose CRI annotations one container carries.
# Outputs go to RESULTS_DIR for the host's checker.
set -u
results=${1:?usage: container-payload.sh RESULTS_DIR}
export IG_OCI_STORE=/var/lib/ig-test/oci-store
ref=
# shellcheck disable=SC2013
for word in $(cat /proc/cmdline); do
  case "$word" in igtest_ref=*) ref=${word#igtest_ref=} ;; esac
done
[ -n "$ref" ] || { echo "no igtest_ref= on the kernel command line" > "$results/error"; exit 1; }
uname -r > "$results/uname"

# crun needs cgroups (pure cgroup2 here) and a rootfs it can pivot away from: the initramfs
# root cannot be pivoted, so bundles live on a tmpfs and crun runs with --no-pivot.
mkdir -p /sys/fs/cgroup /ctr
mount -t cgroup2 none /sys/fs/cgroup
mount -t tmpfs tmpfs /ctr
# Existing state dir: ig watches it and sees each container as soon as crun creates it.
mkdir -p /run/crun

# make_bundle NAME FLAGS_JSON EXTRA_RULES_JSON [ANNOTATIONS_JSON]: busybox rootfs and an OCI
# config with the seed's profile (KILL unshare, LOG mkdir) plus extra rules.
make_bundle() {
  b=/ctr/$1
  annotations=${4:-}
  [ -n "$annotations" ] || annotations='{}'
  mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/tmp" "$b/rootfs/dev"
  cp /bin/busybox "$b/rootfs/bin/busybox"
  for applet in sh sleep mkdir chmod unshare true; do ln -s busybox "$b/rootfs/bin/$applet"; done
  cat > "$b/config.json" <<CFG
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["/bin/sh", "-c", "sleep 2; for i in 1 2 3; do unshare -i true; mkdir /tmp/d\$i; chmod 600 /tmp; sleep 0.5; done; sleep 60"],
    "env": ["PATH=/bin"],
    "cwd": "/",
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": false},
  "hostname": "$1",
  "annotations": $annotations,
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
    "seccomp": {
      "defaultAction": "SCMP_ACT_ALLOW",
      "architectures": ["SCMP_ARCH_X86_64"],
      "flags": $2,
      "syscalls": [
        {"names": ["unshare"], "action": "SCMP_ACT_KILL"},
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_LOG"}$3
      ]
    }
  }
}
CFG
}
# test-audit-seccomp is the container of pod default/mypod, annotated as containerd's CRI
# plugin annotates it (the seed's kubectl-gadget example).
make_bundle test-audit-seccomp '[]' '' '{"io.kubernetes.cri.container-type": "container",
    "io.kubernetes.cri.container-name": "test-audit-seccomp", "io.kubernetes.cri.sandbox-name": "mypod",
    "io.kubernetes.cri.sandbox-namespace": "default", "io.kubernetes.cri.sandbox-uid": "uid-mypod"}'
make_bundle test-flaglog '["SECCOMP_FILTER_FLAG_LOG"]' ',
        {"names": ["chmod", "fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}'

has_bpf_link() {
  for fdinfo in /proc/"$1"/fdinfo/*; do
    grep -qE '^(link_type|link_id):' "$fdinfo" 2>/dev/null && return 0
  done
  return 1
}

# Two daemons stand for two nodes; one client run covers both (kubectl-gadget's view).
daemons=
for node in node-a node-b; do
  ig daemon -H "unix:///run/ig-$node.sock" --node-name "$node" --instances-dir "/tmp/instances-$node" \
    --verify-image=false > "$results/daemon-$node.log" 2>&1 &
  daemons="$daemons $!"
done
for node in node-a node-b; do
  ticks=0
  while ! grep -q "serving on" "$results/daemon-$node.log" && [ "$ticks" -lt 300 ]; do usleep 100000; ticks=$((ticks + 1)); done
done

pids=
for run in json columns other; do
  case $run in
    json) set -- -o json ;;
    columns) set -- ;;
    other) set -- -o json -c no-such-container ;;
  esac
  ig run "$ref" --timeout 40 --verify-image=false "$@" > "$results/ig-$run.out" 2> "$results/ig-$run.err" &
  pids="$pids $!"
done
ig run "$ref" --remote-address unix:///run/ig-node-a.sock,unix:///run/ig-node-b.sock --timeout 40 \
  --verify-image=false --k8s-podname mypod > "$results/ig-fleet.out" 2> "$results/ig-fleet.err" &
fleet=$!
# Under TCG loading takes seconds; containers start once every instance is attached.
ticks=0
for pid in $pids $daemons; do
  while ! has_bpf_link "$pid" && [ "$ticks" -lt 900 ] && kill -0 "$pid" 2>/dev/null; do
    usleep 100000
    ticks=$((ticks + 1))
  done
  has_bpf_link "$pid" || echo "ig $pid did not attach" >> "$results/attach-errors"
done

for name in test-audit-seccomp test-flaglog; do
  crun run -d --no-pivot --bundle /ctr/$name $name > "$results/crun-$name.log" 2>&1 < /dev/null
  echo $? > "$results/crun-$name.rc"
done
crun list > "$results/crun-list" 2>&1
# The containers' loop takes about 4 s; give ig time to read the ring buffer.
sleep 6
for pid in $pids $fleet; do kill -INT "$pid" 2>/dev/null; done
for pid in $pids $fleet; do wait "$pid"; done
for pid in $daemons; do kill -TERM "$pid" 2>/dev/null; done
for pid in $daemons; do wait "$pid"; done
for name in test-audit-seccomp test-flaglog; do
  crun kill "$name" KILL > /dev/null 2>&1
  sleep 0.2
  crun delete -f "$name" > /dev/null 2>&1
done
