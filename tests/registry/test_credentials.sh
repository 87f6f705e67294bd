#!/bin/bash
# Where credentials go: over plain HTTP only to hosts listed in --insecure-registries (one
# warning per host), never along a redirect to another origin, never to an unlisted token
# server over plain HTTP, and never into errors or IG_DEBUG logs.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
REG=127.0.0.1:$PORT
start_registry plain "$PORT"
wait_http "http://$REG/v2/"
export IG_OCI_STORE=$T/store-a
DIGEST=$("$MAKE_TEST_IMAGE" create "$T/store-a" "$REG/gadget/cred:v1" 300000 5)
"$IG" image push "$REG/gadget/cred:v1" --insecure-registries "$REG" > /dev/null

SECRET=s3cret-pass-4711
AUTH=$(printf "testuser:$SECRET" | base64)
cd "$T"

# A front that demands Basic auth and redirects every request to a second port.
BACK=$(free_port); FRONT=$(free_port)
$PY "$TESTS_DIR/auth_front.py" record "$BACK" "$PORT" back.log & PIDS+=($!)
$PY "$TESTS_DIR/auth_front.py" redirect "$FRONT" "$BACK" "testuser:$SECRET" front.log & PIDS+=($!)
wait_http "http://127.0.0.1:$BACK/v2/"; wait_http "http://127.0.0.1:$FRONT/v2/"
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}' "$FRONT" "$AUTH" > auth.json

: > back.log
IG_DEBUG=1 IG_OCI_STORE=$T/store-b "$IG" image pull "127.0.0.1:$FRONT/gadget/cred:v1" \
  --insecure-registries "127.0.0.1:$FRONT" --authfile auth.json > out 2> err || { cat err; fail "pull through the redirecting front"; }
grep -q "Successfully pulled 127.0.0.1:$FRONT/gadget/cred:v1@$DIGEST" out || fail "pull output: $(cat out)"
grep -q "authorization=yes" front.log || fail "the front never saw the credentials"
[ -s back.log ] || fail "nothing was redirected"
grep -q "authorization=yes" back.log && { cat back.log; fail "credentials followed a redirect to another port"; }
pass "credentials stay with the registry's origin; the redirected requests ($(wc -l < back.log)) carry none"

n=$(grep -c "^warning: sending credentials to 127.0.0.1:$FRONT over plain HTTP" err || true)
[ "$n" = 1 ] || { cat err; fail "$n plain-HTTP warnings for one host, expected 1"; }
pass "one warning for the host that gets credentials over plain HTTP"

grep -q "^debug: http: GET http://127.0.0.1:$FRONT/.*\[authorization redacted\]" err || { cat err; fail "no IG_DEBUG log of the authorized requests"; }
grep -qF -e "$SECRET" -e "$AUTH" err out && fail "the secret appears in the IG_DEBUG output"
pass "IG_DEBUG logs the requests without the secret"

# A registry whose token server is a plain-HTTP host the user did not list: no secret sent.
TOKEN=$(free_port); BEARER=$(free_port)
$PY "$TESTS_DIR/auth_front.py" record "$TOKEN" "$PORT" token.log & PIDS+=($!)
$PY "$TESTS_DIR/auth_front.py" bearer "$BEARER" "http://localhost:$TOKEN/token" bearer.log & PIDS+=($!)
wait_http "http://127.0.0.1:$TOKEN/v2/"; wait_http "http://127.0.0.1:$BEARER/v2/"
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}' "$BEARER" "$AUTH" > bearer.json
: > token.log
before=$(store_state store-b)
IG_DEBUG=1 IG_OCI_STORE=$T/store-b expect_failure \
  "refusing to send credentials over plain HTTP to localhost:$TOKEN \(not in --insecure-registries\)" \
  "$IG" image pull "127.0.0.1:$BEARER/gadget/cred:v1" --insecure-registries "127.0.0.1:$BEARER" --authfile bearer.json
[ -s token.log ] && { cat token.log; fail "the unlisted token server was contacted"; }
[ "$(store_state store-b)" = "$before" ] || fail "the store changed"
grep -qF -e "$SECRET" -e "$AUTH" "$T/err" && fail "the secret appears in the error"
pass "no credentials to a plain-HTTP token server outside --insecure-registries"
