#!/bin/bash
# Makes sure the kernel interfaces ig and its tests use are mounted, as systemd does on a
# normal host: tracefs (tracepoint ids for libbpf, the syscall tracepoints the native tests use).
set -euo pipefail

if [ ! -d /sys/kernel/tracing/events ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "prepare-host: tracefs is not mounted at /sys/kernel/tracing; run as root to mount it" >&2
    exit 1
  fi
  mount -t tracefs tracefs /sys/kernel/tracing
fi
