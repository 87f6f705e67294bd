#!/bin/bash
# fuzz-campaign.sh BUILD_DIR [SECONDS]: runs every libFuzzer target of BUILD_DIR/tests/fuzz for
# SECONDS (default 300) each, from its seeds and a corpus kept in BUILD_DIR/fuzz-corpus, and
# writes the figures (executions, coverage, crashes) to bench/fuzz/RESULTS.md. A crash stops
# the campaign with the reproducer's path; nothing is written then.
set -euo pipefail
build=$(cd "${1:?usage: fuzz-campaign.sh BUILD_DIR [SECONDS]}" && pwd)
seconds=${2:-300}
here=$(cd "$(dirname "$0")/.." && pwd)
fuzz_dir=$build/tests/fuzz
results=$here/bench/fuzz/RESULTS.md
rows=()
# The seeds each target's ctest run uses, read back from CTest's own file.
for target in "$fuzz_dir"/fuzz_*; do
  [ -x "$target" ] && [ -f "$target" ] || continue
  name=$(basename "$target")
  seeds=$(grep -o "exec [^\"]*/$name [^\"]*" "$fuzz_dir/CTestTestfile.cmake" | awk '{print $NF}')
  corpus=$build/fuzz-corpus/$name
  mkdir -p "$corpus" "$build/fuzz-crashes"
  log=$build/fuzz-corpus/$name.log
  echo "fuzzing $name for $seconds s" >&2
  if ! (cd "$build/fuzz-crashes" && "$target" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 "$corpus" $seeds) > "$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "$name crashed: see $build/fuzz-crashes and $log" >&2
    exit 1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$done_line")
  rows+=("| $name | $seconds | $execs | $cov | $ft | $corp | 0 |")
done
[ "${#rows[@]}" -gt 0 ] || { echo "no fuzz targets in $fuzz_dir (clang with libFuzzer missing?)" >&2; exit 1; }
{
  echo "# Fuzzing campaign"
  echo
  echo "Written by \`make fuzz\` (scripts/fuzz-campaign.sh) on $(date -u +%Y-%m-%d), $(nproc) cores,"
  echo "$(clang++ --version | head -n1). Each target is built with"
  echo "\`-fsanitize=fuzzer,address,undefined\` from the sources it exercises and starts from the"
  echo "seeds its ctest run uses. cov: edges reached, ft: libFuzzer features, corpus: inputs kept."
  echo
  echo "| target | seconds | executions | cov | ft | corpus | crashes |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "fuzz_events decodes records against the test structs' BTF, not every catalogue gadget's."
  echo "Not fuzzed: registries.conf and credential files (local configuration, not remote input)."
} > "$results"
echo "wrote $results" >&2
