#!/bin/bash
# Plain HTTP registry: push/pull round trip, --platform, chunked upload, registry-to-registry
# copy, and interop with skopeo in both directions.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
REG=127.0.0.1:$PORT
start_registry plain "$PORT"
wait_http "http://$REG/v2/"
FLAGS=(--insecure-registries "$REG")

export IG_OCI_STORE=$T/store-a
DIGEST=$("$MAKE_TEST_IMAGE" create "$T/store-a" "$REG/gadget/test:v1" 300000 1)

out=$("$IG" image push "$REG/gadget/test:v1" "${FLAGS[@]}")
echo "$out" | grep -qx "Pushing $REG/gadget/test:v1..." || fail "push output: $out"
echo "$out" | grep -qx "Successfully pushed $REG/gadget/test:v1@$DIGEST" || fail "push output: $out"
pass "push prints upstream's lines with the index digest"

# What we pushed is byte-identical for skopeo.
skopeo inspect --raw --tls-verify=false "docker://$REG/gadget/test:v1" > "$T/raw"
[ "sha256:$(sha256sum < "$T/raw" | cut -d' ' -f1)" = "$DIGEST" ] || fail "skopeo --raw bytes differ"
cmp "$T/raw" "$T/store-a/blobs/sha256/${DIGEST#sha256:}" || fail "raw index differs from the store's"
pass "skopeo inspect --raw returns our index byte for byte"

# Pull into a fresh store: same digest, every blob present.
export IG_OCI_STORE=$T/store-b
out=$("$IG" image pull "$REG/gadget/test:v1" "${FLAGS[@]}")
echo "$out" | grep -qx "Successfully pulled $REG/gadget/test:v1@$DIGEST" || fail "pull output: $out"
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-b" "$REG/gadget/test:v1")" = "$DIGEST" ] || fail "pulled digest"
diff <(cd "$T/store-a/blobs" && find . -type f | sort) <(cd "$T/store-b/blobs" && find . -type f | sort) \
  || fail "pulled store lacks blobs"
for f in "$T"/store-b/blobs/sha256/*; do
  [ "$(sha256sum < "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || fail "corrupt blob $f"
done
pass "pull into a fresh store gives the same digest and all blobs"

# --platform keeps the index but only one platform's manifest.
export IG_OCI_STORE=$T/store-c
"$IG" image pull "$REG/gadget/test:v1" --platform linux/arm64 "${FLAGS[@]}" > /dev/null
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-c" "$REG/gadget/test:v1")" = "$DIGEST" ] || fail "platform pull digest"
n_all=$(find "$T/store-b/blobs" -type f | wc -l); n_one=$(find "$T/store-c/blobs" -type f | wc -l)
[ "$n_one" -lt "$n_all" ] || fail "--platform pulled $n_one blobs of $n_all"
IG_OCI_STORE=$T/store-x expect_failure "no manifest for architecture s390x" "$IG" image pull "$REG/gadget/test:v1" --platform linux/s390x "${FLAGS[@]}"
pass "--platform linux/arm64 pulls one platform ($n_one of $n_all blobs)"

# Chunked PATCH upload (chunks of 64 KiB for 300 kB layers), then pull it back.
export IG_OCI_STORE=$T/store-a
DIGEST2=$("$MAKE_TEST_IMAGE" create "$T/store-a" "$REG/gadget/chunked:v1" 300000 2)
IG_REGISTRY_CHUNK_SIZE=65536 "$IG" image push "$REG/gadget/chunked:v1" "${FLAGS[@]}" > /dev/null
export IG_OCI_STORE=$T/store-d
"$IG" image pull "$REG/gadget/chunked:v1" "${FLAGS[@]}" > /dev/null
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-d" "$REG/gadget/chunked:v1")" = "$DIGEST2" ] || fail "chunked digest"
pass "chunked upload round trip"

# ig image copy, registry to registry (same registry: blobs are mounted).
out=$("$IG" image copy "$REG/gadget/test:v1" "$REG/other/copy:v2" "${FLAGS[@]}")
echo "$out" | grep -qx "Successfully copied $REG/other/copy:v2@$DIGEST" || fail "copy output: $out"
skopeo inspect --raw --tls-verify=false "docker://$REG/other/copy:v2" | cmp - "$T/raw" || fail "copied index differs"
PORT2=$(free_port)
start_registry second "$PORT2"
wait_http "http://127.0.0.1:$PORT2/v2/"
"$IG" image copy "$REG/gadget/test:v1" "127.0.0.1:$PORT2/gadget/test:v1" \
  --insecure-registries "$REG,127.0.0.1:$PORT2" > /dev/null
skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$PORT2/gadget/test:v1" | cmp - "$T/raw" \
  || fail "cross-registry copy differs"
pass "ig image copy within and across registries keeps the digest"

# skopeo copies our image to another repository; we pull what skopeo wrote.
skopeo copy --all --src-tls-verify=false --dest-tls-verify=false -q \
  "docker://$REG/gadget/test:v1" "docker://$REG/skopeo/copied:v3"
export IG_OCI_STORE=$T/store-e
"$IG" image pull "$REG/skopeo/copied:v3" "${FLAGS[@]}" > /dev/null
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-e" "$REG/skopeo/copied:v3")" = "$DIGEST" ] || fail "skopeo-copied digest"
pass "image copied by skopeo --all pulls with the same digest"

# skopeo pushes from its own OCI layout copy; we pull what it pushed.
mkdir -p "$T/sk"
skopeo copy --all --src-tls-verify=false -q "docker://$REG/gadget/test:v1" "oci:$T/sk/layout:x"
skopeo copy --all --dest-tls-verify=false -q "oci:$T/sk/layout:x" "docker://$REG/skopeo/pushed:v4"
export IG_OCI_STORE=$T/store-f
"$IG" image pull "$REG/skopeo/pushed:v4" "${FLAGS[@]}" > /dev/null
[ "$("$MAKE_TEST_IMAGE" digest "$T/store-f" "$REG/skopeo/pushed:v4")" = "$DIGEST" ] || fail "skopeo-pushed digest"
pass "image pushed by skopeo from an OCI layout pulls with the same digest"

# Missing image: clear error naming the manifest.
expect_failure "gadget/none: manifest v1 not found" "$IG" image pull "$REG/gadget/none:v1" "${FLAGS[@]}"
pass "missing image gives a clear error"

# Progress display: nothing extra when output is piped; on a terminal (script(1) gives the
# command a pty) a frame with blob and total lines, then one summary line.
export IG_OCI_STORE=$T/store-a
DIGEST3=$("$MAKE_TEST_IMAGE" create "$T/store-a" "$REG/gadget/progress:v1" 3000000 3)
"$IG" image push "$REG/gadget/progress:v1" "${FLAGS[@]}" > "$T/push.out" 2> "$T/push.err"
[ ! -s "$T/push.err" ] || fail "piped push wrote to stderr: $(cat "$T/push.err")"
printf 'Pushing %s...\nSuccessfully pushed %s@%s\n' "$REG/gadget/progress:v1" "$REG/gadget/progress:v1" "$DIGEST3" \
  | cmp - "$T/push.out" || fail "piped push printed more than its two lines: $(cat "$T/push.out")"
export IG_OCI_STORE=$T/store-g
"$IG" image pull "$REG/gadget/progress:v1" "${FLAGS[@]}" > "$T/pull.out" 2> "$T/pull.err"
[ ! -s "$T/pull.err" ] || fail "piped pull wrote to stderr: $(cat "$T/pull.err")"
[ "$(wc -l < "$T/pull.out")" = 2 ] || fail "piped pull printed more than its two lines: $(cat "$T/pull.out")"
pass "piped push and pull print their two lines only"

export IG_OCI_STORE=$T/store-h
script -qec "'$IG' image pull '$REG/gadget/progress:v1' --insecure-registries '$REG'" /dev/null > "$T/tty.out"
# Drop carriage returns and the cursor movements, keeping the text of every line drawn.
tr -d '\r' < "$T/tty.out" | sed -E 's/\x1b\[[0-9]*[A-Za-z]//g' > "$T/tty.txt"
grep -q "Successfully pulled $REG/gadget/progress:v1@$DIGEST3" "$T/tty.txt" || fail "tty pull: $(cat -v "$T/tty.txt")"
# 2 layers of 3000000 bytes, the shared config, 2 manifests and the index: 6 blobs.
grep -qE '^Transferred 6 blobs \(5\.7 MiB\) in [0-9.]+ s, [0-9.]+ (B|KiB|MiB|GiB)/s$' "$T/tty.txt" \
  || fail "tty pull has no summary line: $(cat -v "$T/tty.txt")"
grep -qE '^total [0-9]+/6 +\[' "$T/tty.txt" || fail "tty pull drew no progress frame: $(cat -v "$T/tty.txt")"
pass "on a terminal, pull draws a progress frame and ends with one summary line"
