#!/bin/bash
# Runs upstream gadget $1 (built by its catalogue.build test) as its case in cases/ says:
# the case's setup (before ig starts: what a snapshot must see), `ig run` with the case's
# flags, the case's workload once ig is attached, then ig stopped with SIGINT (or after the
# case's timeout_seconds), the case's check over the JSON output, and its cleanup.
# Records "native <kernel>" (or "vm <kernel>" with IG_CATALOGUE_WHERE=vm) or the failure in
# RESULTS/GADGET.run, the start of the output in RESULTS/GADGET.out and ig's stderr in
# RESULTS/GADGET.err.
. "$(dirname "$0")/lib.sh"
result=$IG_CATALOGUE_RESULTS/$gadget.run
rm -f "$result"
run_args=()
timeout_seconds=
. "$here/cases/$gadget.sh"
work=$(mktemp -d)
declare -F setup > /dev/null || setup() { :; }
declare -F workload > /dev/null || workload() { :; }
declare -F cleanup > /dev/null || cleanup() { :; }
trap '(cd "$work" && cleanup) > /dev/null 2>&1 || true; rm -rf "$work"' EXIT

# How many attachments process $1 holds: BPF links (fdinfo link_id:), perf events (kprobes
# attached without links, perf_event programs) and packet sockets (socket filters). A case
# whose attachments hold no descriptor (tc filters) says how many it sees with tc_filters().
attachments() {
  if declare -F tc_filters > /dev/null; then tc_filters; return; fi
  local fd target count=0
  for fd in /proc/"$1"/fdinfo/*; do
    if grep -q '^link_id:' "$fd" 2> /dev/null; then count=$((count + 1)); continue; fi
    target=$(readlink "/proc/$1/fd/${fd##*/}" 2> /dev/null) || continue
    [ "$target" = "anon_inode:[perf_event]" ] && { count=$((count + 1)); continue; }
    case $target in
      socket:\[*\]) target=${target#socket:\[}; target=${target%\]}
        awk -v i="$target" '$NF == i { found = 1 } END { exit !found }' /proc/"$1"/net/packet \
          2> /dev/null && count=$((count + 1)) ;;
    esac
  done
  echo "$count"
}

# Waits until ig has attached and its attachments stopped growing for 0.6 s: uprobe gadgets
# attach dozens of probes one after another, and a workload started after the first one
# can run before the probe it needs.
wait_attached() {
  local count previous=0 stable=0
  for _ in $(seq 600); do
    kill -0 "$1" 2> /dev/null || return 0
    count=$(attachments "$1")
    if [ "$count" -gt 0 ] && [ "$count" = "$previous" ]; then
      stable=$((stable + 1))
      [ "$stable" -ge 3 ] && return 0
    else
      stable=0
    fi
    previous=$count
    sleep 0.2
  done
}

(cd "$work" && setup) > "$work/setup.txt" 2>&1
"$IG" run "$image" --verify-image=false -o json ${timeout_seconds:+--timeout "$timeout_seconds"} \
  "${run_args[@]}" > "$work/out.json" 2> "$IG_CATALOGUE_RESULTS/$gadget.err" &
ig_pid=$!
wait_attached "$ig_pid"
(cd "$work" && workload) > "$work/workload.txt" 2>&1
sleep 0.5  # the last events through the ring buffer
[ -n "$timeout_seconds" ] || kill -INT "$ig_pid" 2> /dev/null || true
status=0
wait "$ig_pid" || status=$?
head -c 20000 "$work/out.json" > "$IG_CATALOGUE_RESULTS/$gadget.out"  # the evidence
# expect_refusal=TEXT: the gadget cannot run here; ig must say so in one line and fail.
if [ -n "${expect_refusal:-}" ]; then
  errors=$(grep -v '^warning' "$IG_CATALOGUE_RESULTS/$gadget.err" || true)
  if [ "$status" != 0 ] && [ "$(wc -l <<<"$errors")" = 1 ] && grep -qF "$expect_refusal" <<<"$errors"; then
    echo "refuses: $errors" > "$result"
    exit 0
  fi
  echo "fails: expected one line with \"$expect_refusal\" and a failure, got exit $status" > "$result"
  cat "$IG_CATALOGUE_RESULTS/$gadget.err" >&2
  exit 1
fi
if [ "$status" != 0 ]; then
  echo "fails: ig exited $status: $(grep -v '^warning' "$IG_CATALOGUE_RESULTS/$gadget.err" | head -n1)" > "$result"
  cat "$IG_CATALOGUE_RESULTS/$gadget.err" >&2
  exit 1
fi
if ! (cd "$work" && check < out.json); then
  echo "fails: no expected event in the output" > "$result"
  head -c 4000 "$work/out.json" >&2
  cat "$IG_CATALOGUE_RESULTS/$gadget.err" "$work/setup.txt" "$work/workload.txt" >&2
  exit 1
fi
echo "${IG_CATALOGUE_WHERE:-native} $(uname -r)" > "$result"
grep '^warning: image .* has a wasm module' "$IG_CATALOGUE_RESULTS/$gadget.err" | sed 's/^warning: /wasm: /' >> "$result" || true
