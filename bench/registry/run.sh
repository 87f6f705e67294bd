#!/bin/bash
# bench/registry: builds ig and the image maker, then measures push and pull of a one-layer
# 256 MiB image against a local docker-registry, side by side with skopeo and raw curl, and
# prints the table (see harness.py --help).
#
#   bench/registry/run.sh [harness options]      e.g. --runs 5 --mib 256 --markdown out.md
# BUILD (default: build) is the CMake build directory; JOBS the build parallelism.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
case $build in /*) ;; *) build=$root/$build ;; esac
for tool in docker-registry skopeo curl; do
  command -v "$tool" >/dev/null || { echo "bench/registry: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done
# An existing build directory keeps its configuration (build type included).
[ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target ig make_test_image -j"${JOBS:-2}" >/dev/null
exec python3 "$root/bench/registry/harness.py" --ig "$build/cli/ig" \
  --make-test-image "$build/tests/registry/make_test_image" "$@"
