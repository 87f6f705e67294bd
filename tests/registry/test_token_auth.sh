#!/bin/bash
# Bearer token auth (docker-registry "auth: token" + the token server in this directory):
# credentials from a credential helper and from config.json, anonymous pull tokens
# (ghcr.io style), token caching, and clear errors for wrong credentials and missing scopes.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port); TPORT=$(free_port)
REG=127.0.0.1:$PORT
cd "$T"
openssl req -x509 -newkey rsa:2048 -nodes -keyout token.key -out token.crt -days 2 -subj "/CN=ig test token signer" 2>/dev/null
$PY "$TESTS_DIR/token_server.py" "$TPORT" token.key token.crt 1 "$T/tokens.log" &
PIDS+=($!)
cat > extra.yml <<YML
auth:
  token:
    realm: http://127.0.0.1:$TPORT/token
    service: test-registry
    issuer: test-issuer
    rootcertbundle: $T/token.crt
YML
start_registry token "$PORT" extra.yml
wait_http "http://$REG/v2/"
wait_http "http://127.0.0.1:$TPORT/token"
FLAGS=(--insecure-registries "$REG")

export IG_OCI_STORE=$T/store-a
DIGEST=$("$MAKE_TEST_IMAGE" create "$T/store-a" "$REG/gadget/tok:v1" 100000 11)

# No credentials at all: the anonymous token has no push access.
mkdir -p empty-home
HOME=$T/empty-home expect_failure "authentication required" "$IG" image push "$REG/gadget/tok:v1" "${FLAGS[@]}"
pass "anonymous push: clear error"

printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG" "$(printf testuser:wr0ng-pass | base64)" > bad.json
expect_failure "authentication failed: the token server refused the credentials" \
  "$IG" image push "$REG/gadget/tok:v1" "${FLAGS[@]}" --authfile bad.json
grep -q wr0ng "$T/err" && fail "the password appears in the error"
pass "wrong credentials: clear error, no secret in it"

# A credential helper (credHelpers) supplies the login.
mkdir -p bin
cat > bin/docker-credential-igtest <<'SH'
#!/bin/sh
read -r server
echo "$server" >> "$(dirname "$0")/helper.log"
printf '{"ServerURL":"%s","Username":"testuser","Secret":"testpass"}' "$server"
SH
chmod +x bin/docker-credential-igtest
printf '{"credHelpers":{"%s":"igtest"}}' "$REG" > helper.json
: > tokens.log
out=$(PATH=$T/bin:$PATH "$IG" image push "$REG/gadget/tok:v1" "${FLAGS[@]}" --authfile helper.json)
echo "$out" | grep -q "Successfully pushed $REG/gadget/tok:v1@$DIGEST" || fail "push: $out"
grep -qx "$REG" bin/helper.log || fail "the helper was not asked for $REG"
n=$(wc -l < tokens.log)
[ "$n" -le 3 ] || { cat tokens.log; fail "$n token requests for one push: tokens are not cached"; }
pass "push with a credential helper ($n token requests for the whole push)"

# credsStore works the same way.
printf '{"credsStore":"igtest"}' > store.json
export IG_OCI_STORE=$T/store-b
PATH=$T/bin:$PATH "$IG" image pull "$REG/gadget/tok:v1" "${FLAGS[@]}" --authfile store.json > /dev/null
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-b" "$REG/gadget/tok:v1")" = "$DIGEST" ] || fail "pull digest"
pass "pull with credsStore"

# Anonymous pull with an anonymous bearer token, as for public ghcr.io images.
export IG_OCI_STORE=$T/store-c
: > tokens.log
HOME=$T/empty-home "$IG" image pull "$REG/gadget/tok:v1" "${FLAGS[@]}" > /dev/null
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-c" "$REG/gadget/tok:v1")" = "$DIGEST" ] || fail "anonymous pull digest"
grep -q '"user": null' tokens.log || fail "no anonymous token request"
pass "anonymous pull with an anonymous bearer token"

# Copy to another repository: the token must also cover pull on the source (mount).
: > tokens.log
PATH=$T/bin:$PATH "$IG" image copy "$REG/gadget/tok:v1" "$REG/gadget/tok-copy:v1" "${FLAGS[@]}" \
  --authfile helper.json > /dev/null
grep -qE 'gadget/tok-copy:pull,push", "repository:gadget/tok:pull"' tokens.log \
  || { cat tokens.log; fail "no token asked for push on the destination plus pull on the mount source"; }
skopeo inspect --raw --tls-verify=false --creds testuser:testpass "docker://$REG/gadget/tok-copy:v1" \
  | cmp - "$T/store-a/blobs/sha256/${DIGEST#sha256:}" || fail "copied bytes differ"
pass "copy between repositories with token auth"
