#!/bin/bash
# Runs upstream gadget $1 (built by its catalogue.build test) as its case in cases/ says:
# the case's setup (before ig starts: what a snapshot must see), `ig run` with the case's
# flags while the case's workload runs, then the case's check over the JSON output and its
# cleanup. Records "native <kernel>" or the failure in RESULTS/GADGET.run.
. "$(dirname "$0")/lib.sh"
result=$IG_CATALOGUE_RESULTS/$gadget.run
rm -f "$result"
run_args=()
timeout_seconds=4
. "$here/cases/$gadget.sh"
work=$(mktemp -d)
declare -F setup > /dev/null || setup() { :; }
declare -F workload > /dev/null || workload() { :; }
declare -F cleanup > /dev/null || cleanup() { :; }
trap '(cd "$work" && cleanup) || true; rm -rf "$work"' EXIT
(cd "$work" && setup) > "$work/setup.txt" 2>&1

"$IG" run "$image" --verify-image=false -o json --timeout "$timeout_seconds" "${run_args[@]}" \
  > "$work/out.json" 2> "$work/err.txt" &
ig_pid=$!
sleep 1.5  # attached: the runs print nothing before their first event
(cd "$work" && workload) > "$work/workload.txt" 2>&1
status=0
wait "$ig_pid" || status=$?
if [ "$status" != 0 ]; then
  echo "fails: ig exited $status: $(grep -v '^warning' "$work/err.txt" | head -n1)" > "$result"
  cat "$work/err.txt" >&2
  exit 1
fi
if ! (cd "$work" && check < out.json); then
  echo "fails: no expected event in the output" > "$result"
  head -c 4000 "$work/out.json" >&2
  cat "$work/err.txt" "$work/setup.txt" "$work/workload.txt" >&2
  exit 1
fi
echo "native $(uname -r)" > "$result"
grep '^warning: image .* has a wasm module' "$work/err.txt" | sed 's/^warning: /wasm: /' >> "$result" || true
