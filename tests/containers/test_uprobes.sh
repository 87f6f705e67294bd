#!/bin/bash
# Uprobes named by library (upstream's SEC("uprobe/libc:malloc")) resolve per container: a
# container whose image carries its own copy of libc (and its own ld.so.cache, made with
# ldconfig -r) is traced through that copy with -c (its file system is the only one probed),
# with --host both the host's libc and the container's are, and a container started after ig
# attached is probed too.
# Usage: IG=path/to/ig test_uprobes.sh UPSTREAM_TRACE_MALLOC_DIR
source "$(dirname "$(realpath "$0")")/lib.sh"
gadget_dir=$(realpath "${1:?usage: test_uprobes.sh UPSTREAM_TRACE_MALLOC_DIR}")
command -v gcc > /dev/null || die "gcc not found"
ref=test/trace_malloc:uprobes
build_gadget "$gadget_dir" "$ref"

# The image: busybox, a dynamically linked program allocating 12345 bytes every 100 ms, and
# the libraries it needs, copied (so another inode than the host's libc).
rootfs=$work/rootfs-libc
mkdir -p "$rootfs"/{bin,tmp,proc,sys,dev,etc}
cp /bin/busybox "$rootfs/bin/busybox"
ln -sf busybox "$rootfs/bin/sh"
printf '#include <stdlib.h>\n#include <unistd.h>\nint main(void) { for (;;) { void *volatile p = malloc(12345); free(p); usleep(100000); } }\n' > "$work/catmalloc.c"
gcc -O0 -o "$rootfs/bin/catmalloc" "$work/catmalloc.c" || die "gcc failed"
for lib in $(ldd "$rootfs/bin/catmalloc" | grep -oE '/[^ ]+'); do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done
ldconfig -r "$rootfs" || die "ldconfig -r failed"
[ -s "$rootfs/etc/ld.so.cache" ] || die "ldconfig -r wrote no cache"
tar -C "$rootfs" -cf "$work/libc.tar" .
podman_ import "$work/libc.tar" igtest-libc > /dev/null || die "podman import failed"
started_containers+=(igtest-uprobe)
podman_ run -d --name igtest-uprobe igtest-libc /bin/catmalloc > /dev/null || die "podman run failed"

out=$work/container.json
run_ig "$out" "$ref" -o json --timeout 2 --verify-image=false -c igtest-uprobe
wait_ig "$out"
json_check "$out" "
mine = [r for r in rows if r['operation'] == 'malloc' and r['size'] == 12345]
assert mine, f'no malloc of 12345 bytes among {len(rows)} events'
assert all(r['runtime']['containerName'] == 'igtest-uprobe' for r in mine), mine[0]['runtime']
" && pass "-c: the container's own libc is probed" || fail "-c: no malloc events from the container"

# --host: the host's libc and every container's, each probed once.
cp "$rootfs/bin/catmalloc" "$work/catmalloc"
"$work/catmalloc" & background_pids+=($!)
out=$work/host.json
run_ig "$out" "$ref" -o json --timeout 2 --verify-image=false --host --comm catmalloc
wait_ig "$out"
json_check "$out" "
names = {r['runtime']['containerName'] for r in rows if r['size'] == 12345}
assert names == {'', 'igtest-uprobe'}, names
" && pass "--host: the host's libc and the container's" || fail "--host did not probe both"
# A container started after ig attached: its libc is probed once the watcher reports it.
out=$work/late.json
run_ig "$out" "$ref" -o json --timeout 5 --verify-image=false -c igtest-uprobe-late
started_containers+=(igtest-uprobe-late)
podman_ run -d --name igtest-uprobe-late igtest-libc /bin/catmalloc > /dev/null || die "podman run failed"
wait_ig "$out"
json_check "$out" "
mine = [r for r in rows if r['size'] == 12345]
assert mine, f'no malloc of 12345 bytes among {len(rows)} events'
assert {r['runtime']['containerName'] for r in mine} == {'igtest-uprobe-late'}, mine[0]['runtime']
" && pass "a container started mid-run has its libc probed" || fail "no malloc events from the container started mid-run"
exit "$failures"
