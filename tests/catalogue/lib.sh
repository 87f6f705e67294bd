# Shared by build-gadget.sh and run-case.sh: where a gadget's source, store and results are.
set -eu
gadget=${1:?usage: $0 GADGET}
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$here/../data/builder/upstream/$gadget
: "${IG:?IG must name the ig binary}"
: "${IG_CATALOGUE_RESULTS:?IG_CATALOGUE_RESULTS must name the results directory}"
mkdir -p "$IG_CATALOGUE_RESULTS"
# One store per gadget (catalogue.build tests run in parallel); the VM brings its own.
export IG_OCI_STORE=${IG_CATALOGUE_STORE:-$IG_CATALOGUE_RESULTS/store/$gadget}
image=catalogue/$gadget:test

# The one reason a gadget is known not to build or run yet (known-gaps.txt), or nothing.
known_gap() {
  sed -n "s/^$1 $gadget: //p" "$here/known-gaps.txt"
}

# Waits (up to 10 s) until a TCP socket listens on port $1: a workload's client must not race
# its own listener, which a slow VM starts late.
wait_listening() {
  local port_hex
  port_hex=$(printf '%04X' "$1")
  for _ in $(seq 100); do
    awk -v p=":$port_hex" '$2 ~ p"$" && $4 == "0A" { found = 1 } END { exit !found }' \
      /proc/net/tcp /proc/net/tcp6 2> /dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  return 1
}
