/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR Apache-2.0 */
#ifndef MNTNS_H
#define MNTNS_H

#include <gadget/types.h>

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* Mount namespace id (inode number) of the current task. */
static __always_inline gadget_mntns_id gadget_get_current_mntns_id()
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
}

/* Older name of gadget_get_current_mntns_id. */
__attribute__((deprecated("use gadget_get_current_mntns_id"))) static __always_inline
	gadget_mntns_id
	gadget_get_mntns_id()
{
	return gadget_get_current_mntns_id();
}

#endif /* MNTNS_H */
