#!/bin/bash
# The offline story: build and sign a gadget on one store, export it, import the tar into a fresh
# store that no registry serves, verify it there and run it natively (tracepoint gadget).
set -euo pipefail
# shellcheck source=tests/airgap/lib.sh
source "$(dirname "$0")/lib.sh"

GADGET=$AIRGAP_DIR/../e2e/gadgets/trace_fchmodat
# Port 1 on loopback: nothing answers there, so any attempt to pull would fail.
REF=127.0.0.1:1/airgap/trace_fchmodat:v1
A=$T/connected
B=$T/airgapped

in_store "$A" "$IG" image build -t "$REF" "$GADGET" > "$T/build.log" 2>&1 || { cat "$T/build.log"; fail "build"; }
in_store "$A" "$IG" image sign --generate-key "$T/key.pem" "$REF" > /dev/null
digest=$(jq -r --arg r "$REF" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]==$r) | .digest' "$A/index.json")
[ -n "$digest" ] || fail "built image not in store A"
sig_tag="sha256-${digest#sha256:}.sig"

in_store "$A" "$IG" image export "$REF" "$T/gadget.tar" | grep -qx "Successfully exported images to $T/gadget.tar" \
  || fail "export output"
in_store "$A" "$IG" image export "$REF" "$T/again.tar" > /dev/null
cmp -s "$T/gadget.tar" "$T/again.tar" || fail "two exports of the same image differ"
pass "export is deterministic"

# Plain tar of regular files with relative names: oci-layout, index.json, blobs/sha256/<hex>.
while read -r type name; do
  [ "$type" = - ] || fail "entry $name is not a regular file ($type)"
  case $name in
    oci-layout|index.json|blobs/sha256/*) ;;
    *) fail "unexpected entry $name" ;;
  esac
done < <(tar_entries "$T/gadget.tar")
mkdir "$T/x" && tar -xf "$T/gadget.tar" -C "$T/x"
jq -e --arg r "$REF" --arg s "$sig_tag" '[.manifests[].annotations["org.opencontainers.image.ref.name"]] | index($r) != null and index($s) != null' \
  "$T/x/index.json" > /dev/null || fail "index.json lacks the image or its signature tag"
jq -e '[.manifests[].digest] == ([.manifests[].digest] | sort)' "$T/x/index.json" > /dev/null \
  || fail "index.json entries are not sorted by digest"
# Every platform of the index is in the tar.
for m in $(jq -r '.manifests[].digest' "$T/x/blobs/sha256/${digest#sha256:}"); do
  [ -f "$T/x/blobs/sha256/${m#sha256:}" ] || fail "platform manifest $m missing from the tar"
done
pass "tar layout"

out=$(in_store "$B" "$IG" image import "$T/gadget.tar")
[ "$(printf '%s\n' "$out" | head -1)" = "Successfully imported images:" ] || fail "import output: $out"
printf '%s\n' "$out" | grep -qx "  $REF" || fail "import does not list $REF: $out"
printf '%s\n' "$out" | grep -q '\.sig' && fail "import lists the .sig tag: $out"
json=$(in_store "$B" "$IG" image import "$T/gadget.tar" -o json)
[ "$(jq -r '.[]' <<< "$json")" = "$REF" ] || fail "import -o json: $json"
pass "import into a fresh store"

in_store "$B" "$IG" image verify "$REF" --public-keys "$T/key.pub" | grep -q "Image verified successfully" \
  || fail "verify after import"
openssl ecparam -name prime256v1 -genkey -noout -out "$T/other.pem" 2>/dev/null
openssl ec -in "$T/other.pem" -pubout -out "$T/other.pub" 2>/dev/null
expect_failure . in_store "$B" "$IG" image verify "$REF" --public-keys "$T/other.pub"
pass "imported signature verifies with the signing key only"

# Run the imported gadget natively, verified against the signing key (--host: the events come
# from this script, not a container); chmod a distinctive path while it runs. A run that trusts
# another key is refused.
expect_failure "signature verification" in_store "$B" "$IG" run "$REF" --host --timeout 1 --public-keys "$T/other.pub"
marker=$T/airgap-chmod-marker
touch "$marker"
in_store "$B" "$IG" run "$REF" --host --timeout 4 --public-keys "$T/key.pub" -o json > "$T/run.out" 2> "$T/run.err" &
run_pid=$!
for _ in $(seq 35); do chmod 0600 "$marker"; sleep 0.1; done
wait "$run_pid" || { cat "$T/run.err" >&2; fail "ig run of the imported gadget failed"; }
grep -q "airgap-chmod-marker" "$T/run.out" || { head -5 "$T/run.out" "$T/run.err" >&2; fail "no event for the marker chmod"; }
pass "imported gadget runs, verified"

# The imported image inspects like upstream's: oci.* and ebpf.* keys, each {content,
# contentType}; --extra-info re-renders JSON and YAML content and prints text as it is.
in_store "$B" "$IG" image inspect "$REF" -o json > "$T/inspect.json"
jq -se '.[0] | keys == ["ebpf.flowchart","ebpf.maps","ebpf.programs","ebpf.sections","ebpf.sequence",
                "ebpf.variables","oci.created","oci.digest","oci.manifest","oci.metadata",
                "oci.repository","oci.tag"]
       and (.["ebpf.maps"].contentType == "application/json")
       and (.["ebpf.flowchart"].contentType == "text/mermaid")
       and (.["oci.tag"].content == "v1")' "$T/inspect.json" > /dev/null ||
  fail "inspect keys: $(jq -c 'keys' "$T/inspect.json")"
in_store "$B" "$IG" image inspect "$REF" --extra-info ebpf.maps -o json |
  jq -se 'any(.[0][]; .Name == "events" and .Type == "RingBuf")' > /dev/null || fail "ebpf.maps"
in_store "$B" "$IG" image inspect "$REF" --extra-info ebpf.programs -o json |
  jq -se '.[0] == [{"Section": "tracepoint/syscalls/sys_enter_fchmodat"}]' > /dev/null ||
  fail "ebpf.programs"
in_store "$B" "$IG" image inspect "$REF" --extra-info ebpf.flowchart > "$T/flowchart"
head -n 1 "$T/flowchart" | grep -qx "flowchart LR" && grep -q -- '-- "EventOutput" --> events' "$T/flowchart" ||
  fail "ebpf.flowchart: $(cat "$T/flowchart")"
in_store "$B" "$IG" image inspect "$REF" --extra-info oci.metadata -o json | jq -se '.[0].name | type == "string"' > /dev/null ||
  fail "oci.metadata as JSON"
expect_failure 'extra info "ebpf.nothing" not found' in_store "$B" "$IG" image inspect "$REF" --extra-info ebpf.nothing
pass "image inspect: oci.* and ebpf.* keys"

# A tampered archive is refused and leaves the store as it was.
C=$T/fresh
in_store "$C" "$IG" image list > /dev/null
before=$(store_state "$C")
cp -r "$T/x" "$T/tampered"
layer=$(jq -r '.layers[0].digest' "$T/x/blobs/sha256/$(jq -r '.manifests[0].digest' "$T/x/blobs/sha256/${digest#sha256:}" | cut -d: -f2)")
chmod u+w "$T/tampered/blobs/sha256/${layer#sha256:}"
printf 'X' | dd of="$T/tampered/blobs/sha256/${layer#sha256:}" bs=1 seek=100 conv=notrunc 2>/dev/null
(cd "$T/tampered" && tar -cf "$T/tampered.tar" oci-layout index.json blobs)
expect_failure "blobs/sha256/${layer#sha256:}" in_store "$C" "$IG" image import "$T/tampered.tar"
[ "$(store_state "$C")" = "$before" ] || fail "store changed after a refused import"
pass "tampered archive refused, store unchanged"
