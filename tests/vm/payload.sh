#!/bin/sh
# payload.sh RESULTS_DIR — runs inside the VM (busybox sh), started by the initramfs /init.
# For each run given on the kernel command line as igtest_run=NAME:MODE:IMAGE: start
# `ig run IMAGE -o MODE` in the background, wait until it is attached, run the seccomp
# workload, stop ig with SIGINT, and keep everything in RESULTS_DIR/<file>-NAME for the host.
# MODE json+ustack: -o json --collect-ustack, with ig stopped (SIGSTOP) until the workload has
# exited, so its stacks can only be named from what the kernel recorded at event time.
# Images are verified with the default trusted keys (/etc/ig/public-keys.d/, put there by
# mkinitrd.sh), as `ig run` does on any host.
set -u
results=${1:?usage: payload.sh RESULTS_DIR}
export IG_OCI_STORE=/var/lib/ig-test/oci-store
attach_deadline_s=60

runs=
# shellcheck disable=SC2013 # the command line is split into words on purpose
for word in $(cat /proc/cmdline); do
  case "$word" in igtest_run=*) runs="$runs ${word#igtest_run=}" ;; esac
done
if [ -z "$runs" ]; then
  echo "payload: no igtest_run= on the kernel command line" > "$results/error"
  exit 1
fi

uname -r > "$results/uname"
ig version > "$results/ig-version" 2>&1

# True once process $1 holds a BPF link fd (fdinfo has link_type:/link_id: lines) or, on
# kernels before v5.15 where a kprobe is attached without a link, a perf event fd.
is_attached() {
  for fdinfo in /proc/"$1"/fdinfo/*; do
    grep -qE '^(link_type|link_id):' "$fdinfo" 2>/dev/null && return 0
  done
  for fd in /proc/"$1"/fd/*; do
    [ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:[perf_event]" ] && return 0
  done
  return 1
}

# How it is attached: the first link's type, else "perf_event_fd".
attachment() {
  link=$(cat /proc/"$1"/fdinfo/* 2>/dev/null | grep -m1 '^link_type:' | tr -d '\t')
  echo "${link:-perf_event_fd}"
}

# kill -0 also succeeds on an unreaped zombie; look at the state field of /proc/PID/stat.
is_running() {
  state=$(sed 's/.*) //' /proc/"$1"/stat 2>/dev/null | cut -d' ' -f1)
  [ -n "$state" ] && [ "$state" != Z ]
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }

for spec in $runs; do
  run=${spec%%:*}
  rest=${spec#*:}
  mode=${rest%%:*}
  image=${rest#*:}
  flags=
  pause=
  case "$mode" in *+ustack) mode=${mode%+ustack} flags=--collect-ustack pause=1 ;; esac
  start=$(uptime_s)
  # shellcheck disable=SC2086 # $flags is empty or one word
  ig run "$image" -o "$mode" --timeout 20 --host $flags \
    > "$results/ig-$run.out" 2> "$results/ig-$run.err" &
  ig_pid=$!
  # Deadline in 0.1 s ticks; under TCG loading the gadget takes seconds.
  ticks=0
  while ! is_attached "$ig_pid"; do
    if ! is_running "$ig_pid" || [ "$ticks" -ge $((attach_deadline_s * 10)) ]; then
      break
    fi
    usleep 100000
    ticks=$((ticks + 1))
  done
  if is_attached "$ig_pid"; then
    echo "attached start=$start at=$(uptime_s) $(attachment "$ig_pid")" > "$results/attach-$run"
    [ -n "$pause" ] && kill -STOP "$ig_pid"
    workload > "$results/workload-$run.json" 2> "$results/workload-$run.err"
    echo $? > "$results/workload-$run.rc"
    [ -n "$pause" ] && kill -CONT "$ig_pid"
    # The ring buffer is read asynchronously: give ig a moment to print the last events.
    sleep 1
  elif is_running "$ig_pid"; then
    echo "no BPF link after ${attach_deadline_s}s (start=$start)" > "$results/attach-$run"
  else
    echo "ig exited before attaching (start=$start now=$(uptime_s))" > "$results/attach-$run"
  fi
  kill -INT "$ig_pid" 2>/dev/null
  # A hung ig must not hang the VM: SIGKILL (rc 137) if it does not exit after SIGINT.
  (sleep 15; kill -KILL "$ig_pid" 2>/dev/null) &
  watchdog=$!
  wait "$ig_pid"
  echo $? > "$results/ig-$run.rc"
  kill "$watchdog" 2>/dev/null
done
