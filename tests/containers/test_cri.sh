#!/bin/bash
# Pods made through containerd's CRI plugin as kubelet makes them (cri_pod: a pod sandbox with
# the pod's labels, then a container with kubelet's io.kubernetes.* labels), traced by a
# tracepoint gadget on the host kernel: k8s.namespace, k8s.podName, k8s.containerName and
# k8s.podLabels (read from the sandbox through the CRI, as upstream's ig does), --k8s-selector
# with inclusion and exclusion, the sandboxes left out of the container list, and a bad
# selector refused in one line. No kubelet or kube-apiserver runs here: cri_pod sends the
# calls kubelet would send.
# Usage: IG=path/to/ig CRI_POD=path/to/cri_pod test_cri.sh GADGET_DIR
source "$(dirname "$(realpath "$0")")/lib.sh"
gadget_dir=$(realpath "${1:?usage: test_cri.sh GADGET_DIR}")
CRI_POD=$(realpath "${CRI_POD:?CRI_POD must point at the cri_pod tool}")
for tool in containerd ctr; do command -v "$tool" > /dev/null || die "$tool not found"; done
ref=test/trace_chmod:cri
build_gadget "$gadget_dir" "$ref"

# A private containerd with its CRI plugin; the image (also the sandbox's) is imported into
# the CRI's k8s.io namespace, so nothing is downloaded.
dir=$work/containerd
mkdir -p "$dir/cni"
cat > "$dir/config.toml" <<CONF
version = 2
root = "$dir/root"
state = "$dir/state"
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/igtest-pod:1"
  # This host gives no CAP_SYS_RESOURCE: a sandbox's oom_score_adj can only go up.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni"
CONF
containerd --config "$dir/config.toml" > "$work/containerd.log" 2>&1 &
containerd_pid=$!
sock=$dir/containerd.sock
sandboxes=()
stop_containerd() {
  for s in "${sandboxes[@]}"; do "$CRI_POD" "$sock" remove "$s" > /dev/null 2>&1 || true; done
  kill "$containerd_pid" 2> /dev/null || true
  wait "$containerd_pid" 2> /dev/null || true
  awk -v prefix="$dir/" 'index($5, prefix) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r mount; do umount -l "$mount" 2> /dev/null || true; done
  # The shims' runc root and the pods' cgroup parent, once empty (a host's own k8s.io stays).
  rmdir /run/containerd/runc/k8s.io /sys/fs/cgroup/*/k8s.io 2> /dev/null || true
}
trap 'stop_containerd; cleanup' EXIT
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || die "containerd did not start: $(tail -n 3 "$work/containerd.log")"
ctr --address "$sock" plugins ls | grep -qE "io.containerd.grpc.v1 +cri .* ok" ||
  die "containerd's CRI plugin is not loaded: $(ctr --address "$sock" plugins ls | grep cri)"

rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,tmp,proc,sys,dev,etc}
cp /bin/busybox "$rootfs/bin/busybox"
for applet in sh sleep chmod; do ln -sf busybox "$rootfs/bin/$applet"; done
tar -C "$rootfs" -cf "$work/pod.tar" .
podman_ import --change 'CMD=["/bin/sleep","2147483647"]' "$work/pod.tar" localhost/igtest-pod:1 > /dev/null 2>&1 ||
  die "podman import failed"
podman_ save --format oci-archive -o "$work/pod-oci.tar" localhost/igtest-pod:1 > /dev/null 2>&1 ||
  die "podman save failed"
ctr --address "$sock" -n k8s.io images import --base-name localhost/igtest-pod "$work/pod-oci.tar" > /dev/null ||
  die "ctr images import failed"

# run_pod NAMESPACE POD LABELS CONTAINER: a pod whose container chmods in a loop; sets
# pod_container to its container id.
run_pod() {
  local ids
  ids=$("$CRI_POD" "$sock" run "$1" "$2" "uid-$2" "$3" "$4" localhost/igtest-pod:1 \
    /bin/sh -c 'while true; do chmod 600 /tmp; sleep 0.2; done') || die "cri_pod run $2 failed"
  sandboxes+=("${ids% *}")
  pod_container=${ids#* }
}
run_pod shop web-7d9 "app=web,tier=front" nginx
web=$pod_container
run_pod shop db-0 "app=db,tier=back" postgres
db=$pod_container
socket=(--containerd-socketpath "$sock" --verify-image=false)

# 1. k8s.* from the CRI-made containers; pod labels from their sandboxes; --k8s-selector.
out=$work/web.json
run_ig "$out" "$ref" -o json --timeout 3 "${socket[@]}" --k8s-selector app=web
wait_ig "$out"
json_check "$out" "
assert rows, 'no event with --k8s-selector app=web'
for r in rows:
    k = r['k8s']
    assert (k['namespace'], k['podName'], k['containerName']) == ('shop', 'web-7d9', 'nginx'), k
    assert k['podLabels'] == 'app=web,tier=front', k
    assert r['runtime']['containerName'] == 'nginx' and r['runtime']['containerId'] == '$web', r['runtime']
" && pass "CRI pods: k8s.namespace/podName/containerName, k8s.podLabels from the sandbox, --k8s-selector selects" ||
  fail "CRI pod fields with --k8s-selector app=web (output in $out)"

out=$work/not-front.json
run_ig "$out" "$ref" -o json --timeout 3 "${socket[@]}" --k8s-namespace shop --k8s-selector '!tier=front'
wait_ig "$out"
json_check "$out" "
pods = {r['k8s']['podName'] for r in rows}
assert pods == {'db-0'}, f'!tier=front: pods seen {pods}'
assert all(r['k8s']['podLabels'] == 'app=db,tier=back' for r in rows), rows[0]['k8s']
" && pass "--k8s-selector '!key=value' excludes the pods carrying it" ||
  fail "--k8s-selector exclusion (output in $out)"

# 2. The sandboxes are no workload: ig list-containers shows the two containers only.
"$IG" list-containers -o json "${socket[@]:0:2}" --containerd-namespace k8s.io > "$work/list.json" 2> "$work/list.err" ||
  fail "list-containers: $(cat "$work/list.err")"
jq -c . "$work/list.json" > "$work/list.line"  # one line: json_check reads JSON lines
json_check "$work/list.line" "
rows = rows[0]
ids = sorted(c['runtime']['containerId'] for c in rows)
assert ids == sorted(['$web', '$db']), f'containers listed: {ids}'
web = next(c for c in rows if c['runtime']['containerId'] == '$web')
assert web['k8s'] == {'namespace': 'shop', 'podName': 'web-7d9', 'containerName': 'nginx', 'podUID': 'uid-web-7d9',
                      'podLabels': {'app': 'web', 'tier': 'front'}}, web['k8s']
" && pass "list-containers: the pods' containers with their k8s metadata, no sandbox" ||
  fail "list-containers of CRI pods (output in $work/list.json)"

# 3. A selector entry that is not key=value fails in one line.
if "$IG" run "$ref" --timeout 1 "${socket[@]}" --k8s-selector app > /dev/null 2> "$work/bad.err"; then
  fail "--k8s-selector app was accepted"
elif [ "$(wc -l < "$work/bad.err")" = 1 ] && grep -q -- "--k8s-selector app: expected key=value" "$work/bad.err"; then
  pass "--k8s-selector without '=' fails in one line"
else
  fail "--k8s-selector app: $(cat "$work/bad.err")"
fi

[ "$failures" = 0 ] || exit 1
echo "PASS"
