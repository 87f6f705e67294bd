#!/bin/bash
# The configuration as upstream's: ~/.ig/config.yaml (or --config), INSPEKTOR_GADGET_<KEY>
# overrides, flags over both; `ig config default|view`; -v/--verbose from any of them. Seen
# through real commands: a plain-HTTP registry is reachable only where insecure-registries
# lists it, and `ig run`'s allowed-gadgets refusal comes from wherever the list was set.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
REG=127.0.0.1:$PORT
start_registry plain "$PORT"
wait_http "http://$REG/v2/"
export HOME=$T/home
mkdir -p "$HOME/.ig"
unset REGISTRY_AUTH_FILE
export IG_OCI_STORE=$T/store-a
DIGEST=$("$MAKE_TEST_IMAGE" create "$T/store-a" "$REG/gadget/config:v1" 1000 3)
not_insecure="https://$REG/v2/.*SSL"

# Default: nothing lists the registry, so ig speaks HTTPS to it and fails.
expect_failure "$not_insecure" "$IG" image push "$REG/gadget/config:v1"
pass "without configuration the plain-HTTP registry is not used"

# The default config file lists it.
printf 'operator:\n  oci:\n    insecure-registries: [%s]\n' "$REG" > "$HOME/.ig/config.yaml"
"$IG" image push "$REG/gadget/config:v1" > /dev/null 2> "$T/err" || fail "push with the config file: $(cat "$T/err")"
pass "~/.ig/config.yaml sets insecure-registries"

# The environment overrides the file...
export INSPEKTOR_GADGET_OPERATOR_OCI_INSECURE_REGISTRIES=other.example:5000
IG_OCI_STORE=$T/store-b expect_failure "$not_insecure" "$IG" image pull "$REG/gadget/config:v1"
pass "INSPEKTOR_GADGET_OPERATOR_OCI_INSECURE_REGISTRIES overrides the file"

# ...and a flag overrides both.
IG_OCI_STORE=$T/store-b "$IG" image pull "$REG/gadget/config:v1" --insecure-registries "$REG" > /dev/null 2> "$T/err" \
  || fail "pull with the flag: $(cat "$T/err")"
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-b" "$REG/gadget/config:v1")" = "$DIGEST" ] || fail "pulled digest"
pass "--insecure-registries overrides environment and file"
unset INSPEKTOR_GADGET_OPERATOR_OCI_INSECURE_REGISTRIES

# --config names another file, before or after the command; a named file must exist.
printf 'operator:\n  oci:\n    insecure-registries: %s,other\n' "$REG" > "$T/alt.yaml"
printf 'operator: {oci: {insecure-registries: []}}\n' > "$HOME/.ig/config.yaml"
IG_OCI_STORE=$T/store-c "$IG" --config "$T/alt.yaml" image pull "$REG/gadget/config:v1" > /dev/null 2> "$T/err" \
  || fail "pull with --config before the command: $(cat "$T/err")"
IG_OCI_STORE=$T/store-d "$IG" image pull "$REG/gadget/config:v1" --config "$T/alt.yaml" > /dev/null 2> "$T/err" \
  || fail "pull with --config after the command: $(cat "$T/err")"
expect_failure "^Error: reading config $T/absent.yaml: cannot open the file$" \
  "$IG" --config "$T/absent.yaml" image list
pass "--config selects the file; a missing named file is an error"

# -v, INSPEKTOR_GADGET_VERBOSE and `verbose: true` all turn on the debug log.
for how in flag env file; do
  args=(image pull "$REG/gadget/config:v1" --insecure-registries "$REG")
  case $how in
    flag) IG_OCI_STORE=$T/store-v "$IG" -v "${args[@]}" > /dev/null 2> "$T/err" ;;
    env) IG_OCI_STORE=$T/store-v INSPEKTOR_GADGET_VERBOSE=true "$IG" "${args[@]}" > /dev/null 2> "$T/err" ;;
    file) printf 'verbose: true\n' > "$T/verbose.yaml"
          IG_OCI_STORE=$T/store-v "$IG" --config "$T/verbose.yaml" "${args[@]}" > /dev/null 2> "$T/err" ;;
  esac
  grep -q "^debug: http: GET http://$REG/v2/" "$T/err" || fail "verbose by $how: no debug log: $(cat "$T/err")"
done
IG_OCI_STORE=$T/store-v "$IG" image pull "$REG/gadget/config:v1" --insecure-registries "$REG" > /dev/null 2> "$T/err"
grep -q "^debug:" "$T/err" && fail "debug log without verbose"
pass "verbose from flag, environment or file"

# ig run reads the oci keys too: allowed-gadgets refuses the image before anything runs.
printf 'operator:\n  oci:\n    allowed-gadgets: [%s/gadget/other:v1]\n    verify-image: false\n' "$REG" > "$T/run.yaml"
expect_failure "$REG/gadget/config:v1 is not part of allowed gadgets" \
  "$IG" run --config "$T/run.yaml" "$REG/gadget/config:v1" --pull never
INSPEKTOR_GADGET_OPERATOR_OCI_ALLOWED_GADGETS="$REG/gadget/config:v1" INSPEKTOR_GADGET_OPERATOR_OCI_PULL=bogus \
  expect_failure "INSPEKTOR_GADGET_OPERATOR_OCI_PULL: invalid value \"bogus\" for --pull" \
  "$IG" run --config "$T/run.yaml" "$REG/gadget/config:v1"
pass "ig run takes allowed-gadgets from the file; a bad environment value is named"

# A bad value in the file: one line naming file and key, and the store is left alone.
printf 'operator:\n  oci:\n    verify-image: maybe\n' > "$T/bad.yaml"
before=$(cat "$T/store-a/index.json")
expect_failure "^Error: config $T/bad.yaml: operator.oci.verify-image: invalid value \"maybe\" for --verify-image" \
  "$IG" run --config "$T/bad.yaml" "$REG/gadget/config:v1"
[ "$(wc -l < "$T/err")" = 1 ] || fail "the error takes more than one line: $(cat "$T/err")"
[ "$(cat "$T/store-a/index.json")" = "$before" ] || fail "the store changed"
pass "a bad value in the file is one line naming file and key"

# config default lists every key with its default, and reads back as a config file;
# config view shows the file with the environment's overrides.
"$IG" config default > "$T/default.yaml"
for key in verify-image public-keys allowed-gadgets insecure-registries authfile pull runtimes \
  docker-socketpath containerd-socketpath crio-socketpath podman-socketpath containerd-namespace output verbose; do
  grep -q "^ *$key:" "$T/default.yaml" || fail "config default lacks $key: $(cat "$T/default.yaml")"
done
grep -qx "    verify-image: true" "$T/default.yaml" || fail "verify-image default: $(cat "$T/default.yaml")"
grep -qx "    runtimes: \[docker, containerd, cri-o, podman\]" "$T/default.yaml" || fail "runtimes default"
"$IG" --config "$T/default.yaml" config view > "$T/view.yaml"
cmp -s "$T/default.yaml" "$T/view.yaml" || fail "config default does not read back: $(diff "$T/default.yaml" "$T/view.yaml")"
"$IG" --config "$T/default.yaml" image list > /dev/null 2> "$T/err" || fail "the default config is refused: $(cat "$T/err")"
out=$(INSPEKTOR_GADGET_OPERATOR_LOCALMANAGER_RUNTIMES=podman "$IG" --config "$T/alt.yaml" config view)
echo "$out" | grep -qx "    insecure-registries: $REG,other" || fail "config view lost the file: $out"
echo "$out" | grep -qx "    runtimes: podman" || fail "config view lacks the override: $out"
pass "config default round-trips; config view shows file and environment"
