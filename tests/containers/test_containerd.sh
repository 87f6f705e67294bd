#!/bin/bash
# containerd containers (a private containerd started here, containers run with ctr) with a
# tracepoint gadget on the host kernel: RUNTIME.* enrichment from containerd's task state,
# containers started mid-run, -c selection in the kernel, --containerd-namespace, and k8s.*
# fields from the OCI annotations containerd's CRI plugin writes.
# Usage: IG=path/to/ig test_containerd.sh GADGET_DIR
source "$(dirname "$(realpath "$0")")/lib.sh"
gadget_dir=$(realpath "${1:?usage: test_containerd.sh GADGET_DIR}")
for tool in containerd ctr; do command -v "$tool" > /dev/null || die "$tool not found"; done
ref=test/trace_chmod:containerd
build_gadget "$gadget_dir" "$ref"

# containerd's shims keep their runc state under /run/containerd/runc/<namespace> and cgroups
# under /<namespace>/: a namespace of our own keeps both apart from anything else on the host.
ns=igtest-$$
dir=$work/containerd
mkdir -p "$dir" "$work/rootfs"/{bin,tmp,proc,sys,dev,etc}
cp /bin/busybox "$work/rootfs/bin/"
for applet in sh sleep chmod; do ln -sf busybox "$work/rootfs/bin/$applet"; done
cat > "$dir/config.toml" <<CONF
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[debug]
  address = "$dir/debug.sock"
CONF
containerd --config "$dir/config.toml" > "$work/containerd.log" 2>&1 &
containerd_pid=$!
ctr_() { ctr --address "$dir/containerd.sock" -n "$ns" "$@"; }
ctr_containers=()
stop_containerd() {
  for c in "${ctr_containers[@]}"; do
    ctr_ task kill -s KILL "$c" > /dev/null 2>&1 || true
  done
  sleep 0.3
  for c in "${ctr_containers[@]}"; do
    ctr_ task rm -f "$c" > /dev/null 2>&1 || true
    ctr_ container rm "$c" > /dev/null 2>&1 || true
  done
  kill "$containerd_pid" 2> /dev/null || true
  wait "$containerd_pid" 2> /dev/null || true
  rmdir "/run/containerd/runc/$ns" /sys/fs/cgroup/*/"$ns" 2> /dev/null || true
}
trap 'stop_containerd; cleanup' EXIT
for _ in $(seq 50); do [ -S "$dir/containerd.sock" ] && break; sleep 0.1; done
[ -S "$dir/containerd.sock" ] || die "containerd did not start: $(tail -n 3 "$work/containerd.log")"

run_ctr() {  # run_ctr NAME COMMAND: detached container from the busybox rootfs
  ctr_containers+=("$1")
  ctr_ run -d --rootfs "$work/rootfs" "$1" /bin/sh -c "$2" > /dev/null || die "ctr run $1 failed"
}

a=igt-ctr-a-$$
late=igt-ctr-late-$$
run_ctr "$a" 'while true; do chmod 600 /tmp; sleep 0.2; done'
socket=(--containerd-socketpath "$dir/containerd.sock")

# 1. Enrichment from containerd's task state, also for a container started mid-run.
out=$work/all.json
run_ig "$out" "$ref" -o json --timeout 4 --verify-image=false "${socket[@]}"
sleep 1
run_ctr "$late" 'chmod 640 /tmp; chmod 600 /tmp; sleep 100'
wait_ig "$out"
json_check "$out" "
for name in ('$a', '$late'):
    mine = [r for r in rows if r['runtime']['containerName'] == name]
    assert mine, f'no event enriched with container {name}'
    for r in mine:
        rt = r['runtime']
        assert rt['containerId'] == name and rt['runtimeName'] == 'containerd', rt
        assert rt['containerPid'] > 0 and r['proc']['comm'] == 'chmod', r
late = [r['mode'] for r in rows if r['runtime']['containerName'] == '$late']
assert late[:2] == [0o640, 0o600], f'late container: modes {late}, want its first two calls'
" && pass "containerd: enrichment of running and mid-run containers" ||
  fail "containerd enrichment (output in $out)"

# 2. -c selects among containerd's containers.
out=$work/select.json
run_ig "$out" "$ref" -o json --timeout 3 --verify-image=false "${socket[@]}" -c "$a"
wait_ig "$out"
json_check "$out" "
names = {r['runtime']['containerName'] for r in rows}
assert names == {'$a'}, f'-c $a: containers seen {names}'
" && pass "containerd: -c shows only the selected container" || fail "-c with containerd (output in $out)"

# 3. --containerd-namespace: containers of other namespaces are not containerd's to report.
out=$work/other-ns.json
run_ig "$out" "$ref" -o json --timeout 2 --verify-image=false "${socket[@]}" \
  --containerd-namespace "other-$ns" --host
wait_ig "$out"
json_check "$out" "
mine = [r for r in rows if r['proc']['parent']['pid'] == $(ctr_ task ls | awk -v c="$a" '$1 == c {print $2}')]
assert mine, 'no event from the container with --host'
assert all(r['runtime']['containerName'] == '' for r in mine), [r['runtime'] for r in mine][:2]
" && pass "--containerd-namespace leaves other namespaces' containers unenriched" ||
  fail "--containerd-namespace (output in $out)"

# 4. The OCI annotations containerd's CRI plugin writes for a pod's container (written here by
# ctr: this containerd runs without the CRI plugin, as no kubelet or CRI client is installed).
pod=igt-ctr-pod-$$
ctr_containers+=("$pod")
ctr_ run -d --annotation io.kubernetes.cri.container-type=container \
  --annotation io.kubernetes.cri.container-name=worker --annotation io.kubernetes.cri.sandbox-name=jobs-6f4 \
  --annotation io.kubernetes.cri.sandbox-namespace=batch --annotation io.kubernetes.cri.sandbox-uid=uid-jobs \
  --rootfs "$work/rootfs" "$pod" /bin/sh -c 'while true; do chmod 600 /tmp; sleep 0.2; done' > /dev/null || die "ctr run $pod failed"
out=$work/cri.json
run_ig "$out" "$ref" -o json --timeout 2 --verify-image=false "${socket[@]}" --k8s-namespace batch
wait_ig "$out"
json_check "$out" "
assert rows, 'no event of the pod with --k8s-namespace batch'
for r in rows:
    k = r['k8s']
    assert (k['namespace'], k['podName'], k['containerName']) == ('batch', 'jobs-6f4', 'worker'), k
    assert r['runtime']['containerName'] == 'worker', r['runtime']
" && pass "containerd: k8s.* from the CRI plugin's annotations, --k8s-namespace selects the pod" ||
  fail "k8s fields from CRI annotations (output in $out)"

[ "$failures" = 0 ] || exit 1
echo "PASS"
