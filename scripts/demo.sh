#!/bin/bash
# demo.sh BUILD_DIR — the main job, end to end:
#   build the audit_seccomp gadget, sign it, push it to a local registry that needs a login,
#   pull it into a fresh store, verify it, and run it against a seccomp-restricted workload:
#   natively when this kernel can attach audit_seccomp, otherwise in a QEMU VM booting Debian's
#   stock kernel (this is the case on hosts without kprobes and BPF trampolines).
set -euo pipefail

build=$(realpath "${1:?usage: demo.sh BUILD_DIR}")
repo=$(cd "$(dirname "$0")/.." && pwd)
ig=$build/cli/ig
workload=$build/tests/vm/workload
work=$(mktemp -d /tmp/ig-demo.XXXXXX)
registry_pid=

cleanup() {
  [ -n "$registry_pid" ] && kill "$registry_pid" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

step "Build the gadget image (clang, CO-RE, amd64 + arm64) into a build store"
export IG_OCI_STORE=$work/build-store
run "$ig" image build "$repo" -t audit_seccomp:demo

step "Sign it (cosign format) with a fresh P-256 key"
run "$ig" image sign --generate-key "$work/key.pem" audit_seccomp:demo

step "Start a local registry that needs a login (docker-registry, htpasswd)"
port=$(free_port)
registry=127.0.0.1:$port
htpasswd -Bbn demo demo-password > "$work/htpasswd"
cat > "$work/registry.yml" << YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/registry}, delete: {enabled: true}}
http: {addr: $registry, secret: demo}
auth: {htpasswd: {realm: demo, path: $work/htpasswd}}
YML
docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "http://$registry/v2/" && break
  sleep 0.1
done
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$registry" "$(printf demo:demo-password | base64)" > "$work/auth.json"
echo "registry at $registry, credentials in $work/auth.json"
image=$registry/gadget/audit_seccomp:demo
registry_flags=(--authfile "$work/auth.json" --insecure-registries "$registry")

step "Push the image and its signature"
run "$ig" image tag audit_seccomp:demo "$image"
run "$ig" image push "$image" "${registry_flags[@]}"

step "Pull it into a fresh store, verify it and list it"
export IG_OCI_STORE=$work/run-store
run "$ig" image pull "$image" "${registry_flags[@]}"
run "$ig" image verify "$image" --public-keys "$work/key.pub"
run "$ig" image list --no-trunc

step "Run it natively against a seccomp-restricted workload"
native_ok=0
"$ig" run "$image" --public-keys "$work/key.pub" --host --timeout 30 \
  > "$work/native.out" 2> "$work/native.err" &
ig_pid=$!
for _ in $(seq 200); do
  grep -qs '^link_id:' /proc/$ig_pid/fdinfo/* && { native_ok=1; break; }
  kill -0 $ig_pid 2> /dev/null || break
  sleep 0.1
done
if [ "$native_ok" = 1 ]; then
  "$workload"
  sleep 1
  kill -INT $ig_pid
  wait $ig_pid || true
  cat "$work/native.out"
else
  wait $ig_pid || true
  echo "this kernel ($(uname -r)) cannot run audit_seccomp; ig said:"
  sed 's/^/    /' "$work/native.err"

  step "Run it in a QEMU VM booting Debian's stock 6.1 kernel (same ig, same store, same key)"
  IG_TRUSTED_KEYS=$work/key.pub "$repo/tests/vm/vm-run.sh" 6.1 "$work/vm" "$work/run-store" \
    "demo:columns:$image" -- "$ig" "$workload"
  echo "in the VM: ig run $image   (verified with the trusted key, then attached: $(cut -d' ' -f4 "$work/vm/results/attach-demo"))"
  echo "workload: $(cat "$work/vm/results/workload-demo.json")"
  echo
  cat "$work/vm/results/ig-demo.out"
fi
