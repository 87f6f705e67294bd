# A busy loop in a cgroup v2 group limited to a tenth of a CPU (cpu.max 10000 100000),
# started before ig: top_cpu_throttle must report the group throttled, with its limit. In
# the VM: this host has no cgroup v2 cpu controller (its cpu hierarchy is v1).
where=vm
run_args=(--host --interval 1s --count 2)
setup() {
  grep -q ' cgroup2 ' /proc/mounts || { mkdir -p /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup; }
  root=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
  echo +cpu > "$root/cgroup.subtree_control"
  mkdir -p "$root/igthrottle"
  echo "10000 100000" > "$root/igthrottle/cpu.max"
  sh -c "echo \$\$ > $root/igthrottle/cgroup.procs; while :; do :; done" > /dev/null 2>&1 &
  echo $! > burner.pid
  echo "$root" > cgroup.root
  sleep 0.3
}
check() {
  jq -e -s 'any(.[] | if type == "array" then .[] else . end;
                .cgroupPath == "/igthrottle" and .nrThrottled > 0 and .nrPeriods >= .nrThrottled
                and .throttleRatio > 0 and .cpuLimitCores == 0.1 and .cpuQuota_raw == 10000000)' > /dev/null
}
cleanup() {
  kill "$(cat burner.pid)" 2> /dev/null || true
  sleep 0.2
  rmdir "$(cat cgroup.root)/igthrottle" 2> /dev/null || true
}
