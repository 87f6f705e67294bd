#!/bin/bash
# --collect-ustack on the host kernel: a C program (PIE, built here) and a Go program (static,
# built here with Debian's golang-go) call chmod(2) through level3 -> level2 -> level1; the
# symbols must name those functions innermost first, and the addresses follow upstream's
# "0x%016x; " format.
# Usage: IG=path/to/ig test_ustack.sh GADGET_DIR
source "$(dirname "$(realpath "$0")")/lib.sh"
gadget_dir=$(realpath "${1:?usage: test_ustack.sh GADGET_DIR}")
for tool in gcc go; do command -v "$tool" > /dev/null || die "$tool not found"; done
ref=test/trace_chmod:ustack
build_gadget "$gadget_dir" "$ref"

# -O0: frame pointers in every function, also the leaf, so the kernel's walk sees every level.
gcc -O0 -fno-omit-frame-pointer -pie -fPIE \
  -o "$work/nested-c" "$here/ustack/nested.c" || die "gcc failed"
cp "$here/ustack/nested.go" "$work/"
(cd "$work" && GOCACHE=$work/gocache GO111MODULE=off GOFLAGS= go build -o nested-go nested.go) ||
  die "go build failed"

target_c=/tmp/igt-ustack-c-$$
target_go=/tmp/igt-ustack-go-$$
touch "$target_c" "$target_go"
trap 'rm -f "$target_c" "$target_go"; cleanup' EXIT

out=$work/ustack.json
run_ig "$out" "$ref" -o json --timeout 3 --verify-image=false --host --collect-ustack
# The programs stay alive briefly after the call: ig reads their mappings when the event arrives.
"$work/nested-c" "$target_c" 300 || fail "nested-c failed"
"$work/nested-go" "$target_go" 300 || fail "nested-go failed"
wait_ig "$out"

json_check "$out" "
import re
def stack(path):
    mine = [r for r in rows if r['filename'] == path]
    assert len(mine) == 1, f'{path}: {len(mine)} events'
    return mine[0]['ustack']
for path, want in (('$target_c', ['level1', 'level2', 'level3', 'main']),
                   ('$target_go', ['main.level1', 'main.level2', 'main.level3', 'main.main'])):
    u = stack(path)
    syms = u['symbols'].split('; ')
    assert u['symbols'].endswith('; '), u['symbols']
    i = syms.index(want[0]) if want[0] in syms else -1
    assert i >= 0 and syms[i:i + len(want)] == want, f'{path}: symbols {u[\"symbols\"]!r}, want {want} in order'
    addrs = u['addresses']
    assert re.fullmatch(r'(0x[0-9a-f]{16}; )+', addrs), addrs
    assert len(addrs.split('; ')) == len(syms), (addrs, syms)
    assert u['inode'] != 0 and u['buildid'] == '', u
print('C :', stack('$target_c')['symbols'])
print('Go:', stack('$target_go')['symbols'])
" && pass "C and Go stacks name level1, level2, level3, main in order" || fail "ustack symbols (output in $out)"

# Processes that have exited before ig reads their events (as one killed by seccomp has): ig
# is stopped while copies of both programs that ig has never opened run and exit, one of them
# in a container that is removed at once, so only what the kernel recorded at event time (each
# frame's mapping, and its file's path from the filesystem's root) can name the frames.
cp "$work/nested-c" "$work/gone-c"
mkdir -p "$work/rootfs/bin" "$work/rootfs/tmp"
cp "$work/nested-go" "$work/rootfs/bin/gone-go"
touch "$work/rootfs/tmp/igt-target"
make_busybox_image
out=$work/gone.json
run_ig "$out" "$ref" -o json --timeout 60 --verify-image=false --host --collect-ustack
kill -STOP "$ig_pid"
"$work/gone-c" "$target_c" 0 || fail "gone-c failed"
podman_ run --rm igtest-busybox /bin/gone-go /tmp/igt-target 0 > /dev/null ||
  fail "gone-go in a container failed"
kill -CONT "$ig_pid"
# Stop it once both events are out (SIGINT ends a run normally).
for _ in $(seq 100); do
  [ "$(grep -c -e "$target_c" -e /tmp/igt-target "$out" 2> /dev/null)" -ge 2 ] && break
  sleep 0.1
done
kill -INT "$ig_pid"
wait_ig "$out"
json_check "$out" "
for path, want in (('$target_c', ['level1', 'level2', 'level3', 'main']),
                   ('/tmp/igt-target', ['main.level1', 'main.level2', 'main.level3', 'main.main'])):
    mine = [r for r in rows if r['filename'] == path]
    assert len(mine) == 1, f'{path}: {len(mine)} events'
    syms = mine[0]['ustack']['symbols'].split('; ')
    i = syms.index(want[0]) if want[0] in syms else -1
    assert i >= 0 and syms[i:i + len(want)] == want, f'{path}: symbols {syms}, want {want} in order'
    print(path, ':', mine[0]['ustack']['symbols'])
" && pass "exited processes (host and container): frames named from event-time records" ||
  fail "ustack of exited processes (output in $out)"

# Without the flag nothing is collected.
out=$work/nostack.json
run_ig "$out" "$ref" -o json --timeout 2 --verify-image=false --host
"$work/nested-c" "$target_c" 0 || fail "nested-c failed"
wait_ig "$out"
json_check "$out" "
mine = [r for r in rows if r['filename'] == '$target_c']
assert mine and mine[0]['ustack']['symbols'] == '' and mine[0]['ustack']['inode'] == 0, mine
" && pass "no --collect-ustack: empty stack fields" || fail "stack fields without --collect-ustack"

[ "$failures" = 0 ] || exit 1
echo "PASS"
