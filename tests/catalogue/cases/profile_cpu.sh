# A shell of its own name burns CPU for two seconds; the sampler (perf_event, 49 Hz on every
# CPU, from gadget.yaml's programs.profiler) must count samples of it. Its GPU bridge maps
# (only read with --gpu-idle-only) are private to the run: no pin is left in /sys/fs/bpf.
run_args=(--host)
workload() {
  cp "$(command -v bash)" ./catcpuburn
  ./catcpuburn -c 'end=$((SECONDS + 2)); while [ $SECONDS -lt $end ]; do :; done'
}
check() {
  jq -e -s '[.[] | if type == "array" then .[] else . end
             | select(.proc.comm == "catcpuburn") | .samples] | add // 0 | . >= 10' > /dev/null &&
    ! ls /sys/fs/bpf/gpu_* > /dev/null 2>&1
}
