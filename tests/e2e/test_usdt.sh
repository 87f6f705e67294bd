#!/bin/bash
# USDT probes as upstream gadgets declare them, SEC("usdt/FILE:PROVIDER:NAME"), attached on
# this kernel to a program built here with <sys/sdt.h>: one probe fires always, the other only
# while its semaphore is raised, which the kernel does only if ig gave the semaphore's offset.
# Needs root, tracefs, gcc and systemtap-sdt-dev; fails without them.
# Usage: IG=path/to/ig test_usdt.sh
set -euo pipefail
IG=$(realpath "${IG:?IG must point at the ig binary}")
T=$(mktemp -d /tmp/ig-usdt-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "the USDT test needs root"
[ -f /usr/include/x86_64-linux-gnu/sys/sdt.h ] || [ -f /usr/include/sys/sdt.h ] ||
  fail "sys/sdt.h missing (systemtap-sdt-dev, scripts/install-deps.sh)"
export IG_OCI_STORE=$T/store

cat > "$T/usdt-probe.c" <<'C'
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <unistd.h>
__extension__ unsigned short igtest_ping_semaphore __attribute__((unused, section(".probes")));
__extension__ unsigned short igtest_gated_semaphore __attribute__((unused, section(".probes")));
int main(void) {
  for (int i = 0; i < 5; ++i) {
    DTRACE_PROBE1(igtest, ping, i);
    if (igtest_gated_semaphore) DTRACE_PROBE1(igtest, gated, i);
    usleep(50000);
  }
  return 0;
}
C
gcc -O1 -o "$T/usdt-probe" "$T/usdt-probe.c" || fail "building the probe program"

mkdir "$T/gadget"
cat > "$T/gadget/program.bpf.c" <<C
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <gadget/buffer.h>
#include <gadget/common.h>
#include <gadget/macros.h>
#include <gadget/types.h>

struct event {
	gadget_timestamp timestamp_raw;
	struct gadget_process proc;
	__u32 probe;
};

GADGET_TRACER_MAP(events, 1024 * 256);
GADGET_TRACER(usdt, events, event);

static __always_inline int report(void *ctx, __u32 probe)
{
	struct event *event = gadget_reserve_buf(&events, sizeof(*event));
	if (!event)
		return 0;
	event->timestamp_raw = bpf_ktime_get_boot_ns();
	gadget_process_populate(&event->proc);
	event->probe = probe;
	gadget_submit_buf(ctx, &events, event, sizeof(*event));
	return 0;
}

SEC("usdt/$T/usdt-probe:igtest:ping")
int ig_usdt_ping(struct pt_regs *ctx) { return report(ctx, 1); }

SEC("usdt/$T/usdt-probe:igtest:gated")
int ig_usdt_gated(struct pt_regs *ctx) { return report(ctx, 2); }

char LICENSE[] SEC("license") = "GPL";
C
printf 'name: usdt test\ndatasources:\n  usdt:\n    fields:\n      probe:\n        annotations:\n          description: 1 ping, 2 gated\n' > "$T/gadget/gadget.yaml"
"$IG" image build -t test/usdt:v1 "$T/gadget" > "$T/build.log" 2>&1 || fail "build: $(tail -5 "$T/build.log")"

"$IG" run test/usdt:v1 --verify-image=false --host -o json --timeout 4 > "$T/out.json" 2> "$T/err" &
ig_pid=$!
for _ in $(seq 100); do
  grep -q 'link_id:' /proc/"$ig_pid"/fdinfo/* 2> /dev/null && break
  kill -0 "$ig_pid" 2> /dev/null || fail "ig exited: $(cat "$T/err")"
  sleep 0.1
done
sleep 0.5
"$T/usdt-probe"
wait "$ig_pid" || fail "ig exited with $?: $(cat "$T/err")"
pings=$(jq -s '[.[] | select(.proc.comm == "usdt-probe" and .probe == 1)] | length' "$T/out.json")
gated=$(jq -s '[.[] | select(.proc.comm == "usdt-probe" and .probe == 2)] | length' "$T/out.json")
[ "$pings" = 5 ] || fail "usdt igtest:ping: $pings events, want 5 ($(cat "$T/err"))"
[ "$gated" = 5 ] || fail "usdt igtest:gated (behind its semaphore): $gated events, want 5"
echo "ok: USDT probes attach by file, and their semaphores are raised while attached"
# Without ig, the semaphore is down again: the gated probe does not fire (nothing to see, but
# the program must still run).
"$T/usdt-probe" || fail "the probe program fails once the probes are gone"
echo PASS
