#!/bin/bash
# Installs the Debian 12 packages needed to build ig and run every test. Skips apt-get when
# everything is already installed, so repeated runs cost nothing.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang llvm
  # the man page, and the Debian package's build (dpkg-shlibdeps) and test (a Debian 12 chroot)
  help2man dpkg-dev debootstrap
  # gadgets that crash clang 14 (upstream's profile_blockio) build with clang-16
  clang-16 llvm-16
  libbpf-dev bpftool libelf-dev zlib1g-dev libcurl4-openssl-dev libarchive-dev libssl-dev
  libtomlplusplus-dev
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libdw-dev libseccomp-dev libmicrohttpd-dev
  # packet filters (--pf): pcap expressions compiled by libpcap
  libpcap-dev
  # ig daemon: upstream's gadget-service gRPC API
  libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # tests: VM with Debian's stock kernels, registries and interop peers
  qemu-system-x86 qemu-system-data busybox-static cpio kmod zstd xz-utils
  docker-registry skopeo apache2-utils jq openssl python3 python3-jwt python3-cryptography python3-yaml
  # tests: Prometheus' own parser of the metrics endpoint's text
  python3-prometheus-client
  # catalogue cases: a packet dropped by iptables in a network namespace of its own (trace_tcpdrop)
  iptables iproute2
  # catalogue cases: Wireshark's reader of tcpdump's -o pcap-ng output
  tshark
  # catalogue cases: a TLS client that links libssl and waits for its answer (trace_ssl)
  curl
  # e2e: a program with USDT probes (<sys/sdt.h>)
  systemtap-sdt-dev
  # tests: the completion scripts in the shells they are for
  bash-completion zsh fish
  # bench/events: the peer it measures ig against
  bpftrace
  # tests: containers (podman with runc, crun, containerd) and the Go user-stack program
  podman buildah python3-yaml crun runc conmon containernetworking-plugins uidmap slirp4netns fuse-overlayfs catatonit
  containerd golang-go
  # fuzz targets: the libFuzzer runtime of clang 14
  libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
