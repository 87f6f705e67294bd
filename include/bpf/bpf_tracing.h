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

/* libbpf 1.2: kprobes with more than five arguments (the ABI's sixth register on x86-64,
 * up to eight on arm64). */
#if !defined(PT_REGS_PARM6) && (defined(bpf_target_x86) || defined(bpf_target_arm64))
#if defined(bpf_target_x86)
#define PT_REGS_PARM6(x) (__PT_REGS_CAST(x)->r9)
#else
#define PT_REGS_PARM6(x) (__PT_REGS_CAST(x)->regs[5])
#define PT_REGS_PARM7(x) (__PT_REGS_CAST(x)->regs[6])
#define PT_REGS_PARM8(x) (__PT_REGS_CAST(x)->regs[7])
#define ___bpf_kprobe_args7(x, args...) ___bpf_kprobe_args6(args), (void *)PT_REGS_PARM7(ctx)
#define ___bpf_kprobe_args8(x, args...) ___bpf_kprobe_args7(args), (void *)PT_REGS_PARM8(ctx)
#endif
#define ___bpf_kprobe_args6(x, args...) ___bpf_kprobe_args5(args), (void *)PT_REGS_PARM6(ctx)
#endif

/* libbpf 1.3: the sixth argument through CO-RE and of a syscall (the same register as a
 * function's on both architectures). */
#if !defined(PT_REGS_PARM6_CORE) && (defined(bpf_target_x86) || defined(bpf_target_arm64))
#if defined(bpf_target_x86)
#define PT_REGS_PARM6_CORE(x) BPF_CORE_READ(__PT_REGS_CAST(x), r9)
#else
#define PT_REGS_PARM6_CORE(x) BPF_CORE_READ(__PT_REGS_CAST(x), regs[5])
#endif
#define PT_REGS_PARM6_SYSCALL(x) PT_REGS_PARM6(x)
#define PT_REGS_PARM6_CORE_SYSCALL(x) PT_REGS_PARM6_CORE(x)
#endif

#endif /* __IG_BPF_TRACING_COMPAT_H */
