#!/bin/bash
# ig login / ig logout against docker-registry with htpasswd: the password from stdin, checked
# by the registry before it is stored, stored in the file push and pull read (containers'
# auth.json format, 0600, other entries kept), refused logins leave the file as it was, and
# logout removes the entry.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
REG=127.0.0.1:$PORT
cd "$T"
htpasswd -Bbn testuser testpass > htpasswd
cat > extra.yml <<YML
auth:
  htpasswd:
    realm: test-realm
    path: $T/htpasswd
YML
start_registry auth "$PORT" extra.yml
wait_http "http://$REG/v2/"
FLAGS=(--insecure-registries "$REG")
export REGISTRY_AUTH_FILE=$T/auth/auth.json
mkdir -p auth
printf '{"auths":{"other.example:5000":{"auth":"%s"}}}' "$(printf a:b | base64)" > "$REGISTRY_AUTH_FILE"

# Wrong password: refused by the registry, nothing stored.
before=$(cat "$REGISTRY_AUTH_FILE")
echo wrong-pass | expect_failure "login $REG: $REG: authentication failed" \
  "$IG" login "$REG" -u testuser --password-stdin "${FLAGS[@]}"
[ "$(cat "$REGISTRY_AUTH_FILE")" = "$before" ] || fail "a refused login changed the file"
ls auth | grep -q tmp && fail "a temporary file was left behind"
pass "a refused login leaves the file as it was"

out=$(echo testpass | "$IG" login "$REG" -u testuser --password-stdin "${FLAGS[@]}" 2> err)
[ "$out" = "Login Succeeded!" ] || fail "login output: $out $(cat err)"
[ "$(stat -c %a "$REGISTRY_AUTH_FILE")" = 600 ] || fail "mode $(stat -c %a "$REGISTRY_AUTH_FILE")"
[ "$(jq -r --arg r "$REG" '.auths[$r].auth' "$REGISTRY_AUTH_FILE" | base64 -d)" = testuser:testpass ] \
  || fail "stored entry: $(cat "$REGISTRY_AUTH_FILE")"
jq -e '.auths["other.example:5000"]' "$REGISTRY_AUTH_FILE" > /dev/null || fail "the other entry was lost"
grep -q "^warning: sending credentials to $REG over plain HTTP" err || fail "no plain-HTTP warning: $(cat err)"
pass "login stores the checked credentials in auth.json format (0600), other entries kept"

# Push and pull read what login wrote.
export IG_OCI_STORE=$T/store-a
DIGEST=$("$MAKE_TEST_IMAGE" create "$T/store-a" "$REG/gadget/login:v1" 1000 9)
"$IG" image push "$REG/gadget/login:v1" "${FLAGS[@]}" > /dev/null 2> err || fail "push after login: $(cat err)"
IG_OCI_STORE=$T/store-b "$IG" image pull "$REG/gadget/login:v1" "${FLAGS[@]}" > /dev/null 2> err \
  || fail "pull after login: $(cat err)"
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-b" "$REG/gadget/login:v1")" = "$DIGEST" ] || fail "pulled digest"
pass "push and pull use the login"

out=$("$IG" logout "$REG")
[ "$out" = "Removed login credentials for $REG" ] || fail "logout output: $out"
jq -e --arg r "$REG" '.auths[$r]' "$REGISTRY_AUTH_FILE" > /dev/null && fail "the entry is still there"
jq -e '.auths["other.example:5000"]' "$REGISTRY_AUTH_FILE" > /dev/null || fail "logout lost the other entry"
IG_OCI_STORE=$T/store-c expect_failure "authentication required" "$IG" image pull "$REG/gadget/login:v1" "${FLAGS[@]}"
expect_failure "not logged into $REG" "$IG" logout "$REG"
pass "logout removes the entry; a second logout says there is none"
