# A GPU gadget on a host where no GPU bridge (gpu-ebpf-bridge) pinned its maps: ig must
# refuse in one line, before loading anything.
run_args=(--host)
expect_refusal="which no GPU bridge (gpu-ebpf-bridge) pinned on this host"
check() { :; }
