#!/bin/bash
# ig's Kubernetes packaging up to the kube-apiserver, which cannot run here: the image that
# packaging/kubernetes/build-image.sh makes with buildah from scratch runs, under podman, the
# DaemonSet's pod of packaging/kubernetes/ig.yaml as kubelet would run it (its command, args
# with $(NODE_NAME) expanded, env, privileged, host PID and network, hostPath and Secret
# mounts: translated from the manifest, not restated here). A client on the host then runs a
# gadget in that daemon over mutual TLS: host events carry the node's name, and a podman
# container of the host is enriched and selected by name (host PIDs, HOST_ROOT paths).
# Usage: IG=path/to/ig test_daemonset.sh GADGET_DIR
source "$(dirname "$(realpath "$0")")/lib.sh"
gadget_dir=$(realpath "${1:?usage: test_daemonset.sh GADGET_DIR}")
packaging=$(realpath "$here/../../packaging/kubernetes")
for tool in buildah openssl; do command -v "$tool" > /dev/null || die "$tool not found (scripts/install-deps.sh installs it)"; done
/usr/bin/python3 -c 'import yaml' 2> /dev/null || die "python3-yaml not found (scripts/install-deps.sh installs it)"
ss -ltn | grep -q ':8443 ' && die "port 8443, the DaemonSet's, is taken on this host"

image=localhost/ig:test-$$
"$packaging/build-image.sh" "$IG" "$image" --root "$work/storage" --runroot "$work/run" > "$work/image.log" 2>&1 ||
  die "build-image.sh: $(tail -n 3 "$work/image.log")"
podman_ image inspect "$image" --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' | grep -qx '\["/usr/bin/ig"\] \["daemon"\]' ||
  die "image config: $(podman_ image inspect "$image" --format '{{json .Config}}')"
podman_ run --rm --network none "$image" version > "$work/version" 2>&1 || die "ig in the image: $(cat "$work/version")"
[ "$(cat "$work/version")" = "$("$IG" version)" ] || die "ig version in the image: $(cat "$work/version")"
pass "build-image.sh: an image from scratch whose ig runs and is the one built"

# The node's state (store, instances) and the ig-tls Secret, in place of the hostPath and
# Secret the manifest names.
node_state=$work/node-state
tls=$work/tls
mkdir -p "$node_state" "$tls"
IG_OCI_STORE=$node_state/oci-store build_gadget "$gadget_dir" test/trace_chmod:ds
source "$here/../make-cert.sh"
make_cert "$tls" ca -
make_cert "$tls" tls ca "IP:127.0.0.1"
make_cert "$tls" client ca
mkdir -p "$work/secret"
cp "$tls/tls.key" "$tls/tls.crt" "$tls/ca.crt" "$work/secret/"

# The DaemonSet's pod as podman arguments (NUL separated): what kubelet would give it.
/usr/bin/python3 - "$packaging/ig.yaml" "$node_state" "$work/secret" test-node "$image" > "$work/pod.args" <<'PY'
import re, sys, yaml
manifest, state, secret, node, image = sys.argv[1:]
docs = [d for d in yaml.safe_load_all(open(manifest)) if d]
ds = next(d for d in docs if d['kind'] == 'DaemonSet')
pod = ds['spec']['template']['spec']
assert len(pod['containers']) == 1, 'one container expected'
c = pod['containers'][0]
env, args = {}, []
for e in c.get('env', []):
    if 'value' in e:
        env[e['name']] = e['value']
    else:
        assert e['valueFrom']['fieldRef']['fieldPath'] == 'spec.nodeName', e
        env[e['name']] = node
for k, v in env.items():
    args += ['-e', f'{k}={v}']
if c.get('securityContext', {}).get('privileged'):
    args.append('--privileged')
if pod.get('hostPID'):
    args += ['--pid', 'host']
args += ['--network', 'host' if pod.get('hostNetwork') else 'none']
volumes = {v['name']: v for v in pod['volumes']}
for m in c['volumeMounts']:
    v = volumes[m['name']]
    if 'secret' in v:
        source = secret
    elif v['hostPath']['path'] == '/var/lib/ig':
        source = state  # the test's node state, not this host's /var/lib/ig
    else:
        source = v['hostPath']['path']
    args += ['-v', f"{source}:{m['mountPath']}" + (':ro' if m.get('readOnly') else '')]
expand = lambda s: re.sub(r'\$\((\w+)\)', lambda g: env.get(g.group(1), g.group(0)), s)
args += ['--entrypoint', c['command'][0], image] + c['command'][1:] + [expand(a) for a in c.get('args', [])]
sys.stdout.write('\0'.join(args))
PY
mapfile -d '' pod_args < "$work/pod.args"
started_containers+=("igds-$$")
podman_ run -d --name "igds-$$" "${pod_args[@]}" > /dev/null || die "podman run of the DaemonSet's pod failed"
for _ in $(seq 100); do podman_ logs "igds-$$" 2>&1 | grep -q "serving on" && break; sleep 0.1; done
podman_ logs "igds-$$" 2>&1 | grep -q "serving on tcp://0.0.0.0:8443" ||
  die "the daemon in the pod does not serve: $(podman_ logs "igds-$$" 2>&1 | tail -n 3)"
pass "the DaemonSet's pod runs ig daemon with the manifest's args, env and mounts"

client=(--remote-address tcp://127.0.0.1:8443 --tls-key-file "$tls/client.key" --tls-cert-file "$tls/client.crt"
  --tls-server-ca-file "$tls/ca.crt" --verify-image=false)
cp /bin/chmod "$work/igdschmod"
touch "$work/file"
(for _ in $(seq 30); do "$work/igdschmod" 600 "$work/file"; sleep 0.2; done) &
background_pids+=($!)
out=$work/host.json
timeout 30 "$IG" run test/trace_chmod:ds "${client[@]}" --host -o json --timeout 3 > "$out" 2> "$out.err" ||
  fail "ig run through the pod's daemon: $(cat "$out.err")"
json_check "$out" "
mine = [r for r in rows if r['proc']['comm'] == 'igdschmod']
assert mine, 'no host event through the daemon'
assert all(r['k8s']['node'] == 'test-node' for r in mine), mine[0]['k8s']
" && pass "a gadget in the pod's daemon sees the host's processes; events name the node from spec.nodeName" ||
  fail "host events through the DaemonSet's daemon (output in $out)"

make_busybox_image
start_container "igds-workload-$$" 'while true; do chmod 600 /tmp; sleep 0.2; done'
out=$work/container.json
timeout 30 "$IG" run test/trace_chmod:ds "${client[@]}" -c "igds-workload-$$" -o json --timeout 3 > "$out" 2> "$out.err" ||
  fail "ig run -c through the pod's daemon: $(cat "$out.err")"
json_check "$out" "
assert rows, 'no event of the selected container'
names = {r['runtime']['containerName'] for r in rows}
assert names == {'igds-workload-$$'}, names
assert all(r['runtime']['containerPid'] > 1 for r in rows), rows[0]['runtime']
" && pass "the pod's daemon finds the host's containers (host PIDs, state under HOST_ROOT) and -c selects one" ||
  fail "container enrichment in the DaemonSet's daemon (output in $out)"

[ "$failures" = 0 ] || exit 1
echo "PASS"
