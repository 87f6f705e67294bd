#!/bin/bash
# Sign an image, check the signature with openssl, push image and signature to a real
# docker-registry, pull both into a fresh store, stop the registry, verify offline.
set -euo pipefail

: "${IG:?}" "${MAKE_TEST_IMAGE:?}" "${TRUST_TOOL:?}"
T=$(mktemp -d /tmp/ig-trust-test.XXXXXX)
REG_PID=
cleanup() {
  [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null
  if [ "${KEEP_TEST_DIR:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
# expect_failure PATTERN CMD...: CMD must fail with one stderr line matching PATTERN.
expect_failure() {
  local pattern=$1; shift
  if "$@" > "$T/out" 2> "$T/err"; then fail "expected failure: $*"; fi
  grep -qE "$pattern" "$T/err" || { cat "$T/err" >&2; fail "error of '$*' does not match /$pattern/"; }
  [ "$(wc -l < "$T/err")" -eq 1 ] || { cat "$T/err" >&2; fail "error of '$*' is not one line"; }
  echo "   refused: $(cat "$T/err")"
}

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
REG=127.0.0.1:$PORT
IMG=$REG/gadget/signed:v1
cat > "$T/reg.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $T/reg-data}, delete: {enabled: true}}
http: {addr: "$REG", secret: ig-trust-test}
YML
docker-registry serve "$T/reg.yml" > "$T/reg.log" 2>&1 &
REG_PID=$!
for _ in $(seq 200); do curl -sf -o /dev/null "http://$REG/v2/" && break; sleep 0.05; done
curl -sf -o /dev/null "http://$REG/v2/" || fail "registry did not start"

export IG_OCI_STORE=$T/store-a
export IG_PUBLIC_KEYS_DIR=$T/no-configured-keys
DIGEST=$("$MAKE_TEST_IMAGE" create "$T/store-a" "$IMG" 2000 7)
HEX=${DIGEST#sha256:}

# Keys: one from openssl, one from ig itself.
openssl ecparam -name prime256v1 -genkey -noout -out "$T/key.pem" 2>/dev/null
openssl ec -in "$T/key.pem" -pubout -out "$T/key.pub" 2>/dev/null
out=$("$IG" image sign --generate-key "$T/other.pem")
[ -f "$T/other.pub" ] && [ "$(stat -c %a "$T/other.pem")" = 600 ] || fail "--generate-key: $out"
pass "keys from openssl and from --generate-key"

expect_failure "^Error: image $IMG is not signed: no signature found in the local store \(looked for sha256-$HEX.sig" \
  "$IG" image verify "$IMG" --public-keys "$T/key.pub"
pass "an unsigned image is refused"

out=$("$IG" image sign --key "$T/key.pem" "$IMG")
echo "$out" | grep -qx "Successfully signed $IMG@$DIGEST (sha256-$HEX.sig)" || fail "sign output: $out"
out=$("$IG" image verify "$IMG" --public-keys "$T/key.pub")
[ "$out" = "$(printf 'Verifying image: %s\nImage verified successfully!' "$IMG")" ] || fail "verify output: $out"
pass "sign, then verify with the public key file"

# Independent check: openssl verifies the payload stored in the store with the public key.
S=$T/store-a
sig_manifest=$(jq -r --arg t "sha256-$HEX.sig" \
  '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$S/index.json")
[ -n "$sig_manifest" ] || fail "no bare sha256-<hex>.sig entry in index.json"
layer=$(jq -r '.layers[0].digest' "$S/blobs/sha256/${sig_manifest#sha256:}")
jq -r '.layers[0].annotations["dev.cosignproject.cosign/signature"]' "$S/blobs/sha256/${sig_manifest#sha256:}" \
  | base64 -d > "$T/sig.der"
cp "$S/blobs/sha256/${layer#sha256:}" "$T/payload.json"
jq -e --arg d "$DIGEST" '.critical.image["docker-manifest-digest"] == $d' "$T/payload.json" > /dev/null \
  || fail "payload does not name $DIGEST"
openssl dgst -sha256 -verify "$T/key.pub" -signature "$T/sig.der" "$T/payload.json" > /dev/null \
  || fail "openssl does not verify our signature"
! openssl dgst -sha256 -verify "$T/other.pub" -signature "$T/sig.der" "$T/payload.json" > /dev/null 2>&1 \
  || fail "openssl verified with the wrong key"
pass "openssl verifies the stored payload and signature"

expect_failure "^Error: image $IMG failed signature verification: legacy signature .* does not verify" \
  "$IG" image verify "$IMG" --public-keys "$T/other.pub"
out=$("$IG" image verify "$IMG" --public-keys "$T/other.pub,$T/key.pub")
echo "$out" | grep -qx "Image verified successfully!" || fail "any of several keys: $out"
expect_failure "failed signature verification" "$IG" image verify "$IMG"
mkdir -p "$T/keys.d" && cp "$T/key.pub" "$T/keys.d/team.pub"
IG_PUBLIC_KEYS_DIR=$T/keys.d "$IG" image verify "$IMG" > /dev/null || fail "configured default key not used"
pass "wrong key refused; any of several keys; configured default keys"

# Push image and signature; the signature lands under the same tag in the repository.
"$IG" image push "$IMG" --insecure-registries "$REG" > /dev/null
"$TRUST_TOOL" push "$S" "$IMG" "$REG" > /dev/null
remote_sig=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  "http://$REG/v2/gadget/signed/manifests/sha256-$HEX.sig" | sha256sum | cut -d' ' -f1)
[ "sha256:$remote_sig" = "$sig_manifest" ] || fail "registry's sha256-$HEX.sig differs from the store's"
pass "push carries the signature to the registry"

# Pull into a fresh store, with the signature.
export IG_OCI_STORE=$T/store-b
"$IG" image pull "$IMG" --insecure-registries "$REG" > /dev/null
"$TRUST_TOOL" pull "$T/store-b" "$IMG" "$REG" > /dev/null
jq -e --arg t "sha256-$HEX.sig" --arg d "$sig_manifest" \
  'any(.manifests[]; .annotations["org.opencontainers.image.ref.name"] == $t and .digest == $d)' \
  "$T/store-b/index.json" > /dev/null || fail "the pulled store has no sha256-$HEX.sig"
pass "pull into a fresh store, with the signature"

# Offline: the registry is gone; verification uses the local store only.
kill "$REG_PID"; wait "$REG_PID" 2>/dev/null || true; REG_PID=
curl -s -o /dev/null "http://$REG/v2/" && fail "registry still up"
out=$("$IG" image verify "$IMG" --public-keys "$T/key.pub")
echo "$out" | grep -qx "Image verified successfully!" || fail "offline verify: $out"
pass "verification with the registry stopped"

# A tampered payload in the pulled store is refused.
jq -c '.optional = {"x":"y"}' "$T/payload.json" > "$T/tampered.json"
sig_b64=$(base64 -w0 < "$T/sig.der")
tp=$(sha256sum < "$T/tampered.json" | cut -d' ' -f1)
cp "$T/tampered.json" "$T/store-b/blobs/sha256/$tp"
jq -c --arg d "sha256:$tp" --argjson s "$(stat -c %s "$T/tampered.json")" \
  '.layers[0].digest = $d | .layers[0].size = $s' "$T/store-b/blobs/sha256/${sig_manifest#sha256:}" > "$T/m.json"
m=$(sha256sum < "$T/m.json" | cut -d' ' -f1)
cp "$T/m.json" "$T/store-b/blobs/sha256/$m"
jq -c --arg t "sha256-$HEX.sig" --arg d "sha256:$m" --argjson s "$(stat -c %s "$T/m.json")" \
  '(.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t)) |= (.digest = $d | .size = $s)' \
  "$T/store-b/index.json" > "$T/index.json" && cp "$T/index.json" "$T/store-b/index.json"
grep -q "$sig_b64" "$T/m.json" || fail "tampered manifest lost the signature"
expect_failure "failed signature verification: legacy signature .*wrong key or tampered payload" \
  "$IG" image verify "$IMG" --public-keys "$T/key.pub"
pass "a tampered payload is refused"
