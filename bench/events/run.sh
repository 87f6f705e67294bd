#!/bin/bash
# bench/events: builds ig, the generator and the ceiling consumer, then measures ig run -o json,
# bpftrace and the ceiling on the same tracepoint and prints the table (see harness.py --help).
#
#   bench/events/run.sh [harness options]      e.g. --runs 5 --events 2000000 --markdown out.md
# BUILD (default: build) is the CMake build directory; JOBS the build parallelism.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
case $build in /*) ;; *) build=$root/$build ;; esac
if [ "$(id -u)" -ne 0 ]; then
  echo "bench/events: must run as root (loads BPF programs)" >&2
  exit 1
fi
command -v bpftrace >/dev/null || { echo "bench/events: bpftrace missing (scripts/install-deps.sh)" >&2; exit 1; }
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target ig ig_bench_generator ig_bench_ceiling -j"${JOBS:-2}" >/dev/null
exec python3 "$root/bench/events/harness.py" --build "$build" "$@"
