#!/bin/bash
# TLS with a test CA (per-registry certs.d directory) and htpasswd (bcrypt) Basic auth:
# credentials from --authfile, REGISTRY_AUTH_FILE and a Docker config.json; wrong or missing
# credentials and an unknown CA give clear errors without leaking the secret.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
REG=127.0.0.1:$PORT
cd "$T"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=ig test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext.cnf
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 \
  -extfile ext.cnf 2>/dev/null
htpasswd -Bbn testuser testpass > htpasswd
cat > extra.yml <<YML
  tls:
    certificate: $T/server.crt
    key: $T/server.key
auth:
  htpasswd:
    realm: test-realm
    path: $T/htpasswd
YML
start_registry tls "$PORT" extra.yml
wait_http "https://$REG/v2/" --cacert ca.crt
mkdir -p "certs.d/$REG" && cp ca.crt "certs.d/$REG/ca.crt"

export IG_OCI_STORE=$T/store-a
DIGEST=$("$MAKE_TEST_IMAGE" create "$T/store-a" "$REG/gadget/secure:v1" 100000 7)
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG" "$(printf testuser:testpass | base64)" > good.json
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG" "$(printf testuser:s3cr3t-wrong | base64)" > bad.json
printf '{"auths":{}}' > empty.json

# Unknown CA: refused, and not retried into a hang.
IG_CERTS_D=$T/none expect_failure "certificate" "$IG" image push "$REG/gadget/secure:v1" --authfile good.json
pass "a registry signed by an unknown CA is refused"

export IG_CERTS_D=$T/certs.d
expect_failure "authentication failed: the registry refused the credentials" \
  "$IG" image push "$REG/gadget/secure:v1" --authfile bad.json
grep -q s3cr3t "$T/err" && fail "the password appears in the error"
pass "wrong password: clear error, no secret in it"
expect_failure "authentication required" "$IG" image push "$REG/gadget/secure:v1" --authfile empty.json
pass "no credentials: clear error"

out=$("$IG" image push "$REG/gadget/secure:v1" --authfile good.json)
echo "$out" | grep -q "Successfully pushed $REG/gadget/secure:v1@$DIGEST" || fail "push: $out"
pass "push over TLS with --authfile"

# REGISTRY_AUTH_FILE, then a Docker config.json with username/password fields.
export IG_OCI_STORE=$T/store-b
REGISTRY_AUTH_FILE=$T/good.json "$IG" image pull "$REG/gadget/secure:v1" > /dev/null
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-b" "$REG/gadget/secure:v1")" = "$DIGEST" ] || fail "pull digest"
pass "pull with REGISTRY_AUTH_FILE"
mkdir -p home/.docker
printf '{"auths":{"https://%s/v1/":{"username":"testuser","password":"testpass"}}}' "$REG" > home/.docker/config.json
export IG_OCI_STORE=$T/store-c
HOME=$T/home "$IG" image pull "$REG/gadget/secure:v1" > /dev/null
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-c" "$REG/gadget/secure:v1")" = "$DIGEST" ] || fail "pull digest"
pass "pull with ~/.docker/config.json (legacy https:// key, username/password)"

# skopeo reads what we pushed with the same CA and credentials.
skopeo inspect --raw --cert-dir "$T/certs.d/$REG" --authfile good.json "docker://$REG/gadget/secure:v1" \
  | cmp - "$T/store-a/blobs/sha256/${DIGEST#sha256:}" || fail "skopeo raw differs"
pass "skopeo inspect --raw over TLS gives identical bytes"
