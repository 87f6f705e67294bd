# A shell in a cgroup limited to 16 MiB buffering 64 MiB: the kernel's OOM killer picks it,
# and oom_kill_process (a kprobe) must report the victim.
where=vm
run_args=(--host)
workload() {
  local cg=/sys/fs/cgroup
  [ -e "$cg/cgroup.controllers" ] || mount -t cgroup2 none "$cg"
  echo +memory > "$cg/cgroup.subtree_control"
  mkdir -p "$cg/oomtest"
  echo 16M > "$cg/oomtest/memory.max"
  echo 0 > "$cg/oomtest/memory.swap.max" 2> /dev/null || true
  timeout 20 sh -c 'echo $$ > /sys/fs/cgroup/oomtest/cgroup.procs
    hog=$(head -c 67108864 /dev/zero | tr "\0" x); echo survived ${#hog}' || true
  rmdir "$cg/oomtest" 2> /dev/null || true
}
check() { jq -e -s 'any(.[]; .tpid > 0 and .tcomm == "sh" and .pages == 4096)' > /dev/null; }  # 16 MiB of 4 KiB pages
