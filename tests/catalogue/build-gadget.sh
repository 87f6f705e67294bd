#!/bin/bash
# Builds upstream gadget $1 from its unchanged source. A gadget listed in known-gaps.txt as
# "build GADGET: reason" must fail (and the test says when it starts to build, so the list
# stays true); any other must build. Records "ok" or the error in RESULTS/GADGET.build.
. "$(dirname "$0")/lib.sh"
result=$IG_CATALOGUE_RESULTS/$gadget.build
rm -f "$result"
gap=$(known_gap build)
if out=$("$IG" image build "$source_dir" -t "$image" 2>&1); then
  echo ok > "$result"
  grep '^warning: wasm module' <<<"$out" | sed 's/^warning: /wasm: /' >> "$result" || true
  if [ -n "$gap" ]; then
    echo "$gadget builds now: remove \"build $gadget\" from tests/catalogue/known-gaps.txt" >&2
    exit 1
  fi
  exit 0
fi
error=$(grep -m1 'error:' <<<"$out" || grep -m1 '^Error:' <<<"$out" || tail -n1 <<<"$out")
echo "fails: $error" > "$result"
if [ -n "$gap" ]; then
  echo "known gap: $gap" >> "$result"
  exit 0
fi
echo "$out" >&2
exit 1
