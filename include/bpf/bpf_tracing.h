/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The system's libbpf bpf_tracing.h, plus the macros upstream gadgets use that libbpf added
 * after the version Debian 12 ships (1.1): with -I include ahead of the system directories,
 * <bpf/bpf_tracing.h> lands here and #include_next reaches libbpf's own.
 */
#include_next <bpf/bpf_tracing.h>

#ifndef __IG_BPF_TRACING_COMPAT_H
#define __IG_BPF_TRACING_COMPAT_H

/* libbpf 1.2: uprobes take their arguments as kprobes do. */
#ifndef BPF_UPROBE
#define BPF_UPROBE(name, args...) BPF_KPROBE(name, ##args)
#endif
#ifndef BPF_URETPROBE
#define BPF_URETPROBE(name, args...) BPF_KRETPROBE(name, ##args)
#endif

#endif /* __IG_BPF_TRACING_COMPAT_H */
