/* SPDX-License-Identifier: Apache-2.0 */
#ifndef __COMMON_H
#define __COMMON_H

#include <vmlinux.h>
#include <gadget/types.h>
#include <gadget/mntns.h>
#include <bpf/bpf_helpers.h>

/* Fills `p` with the identity of the current task and of its parent. */
static __always_inline void gadget_process_populate(struct gadget_process *p)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct task_struct *parent;

	/* user-space terminology: pid is the kernel's tgid, tid the kernel's pid */
	p->pid = pid_tgid >> 32;
	p->tid = (__u32)pid_tgid;
	p->creds.uid = (__u32)uid_gid;
	p->creds.gid = uid_gid >> 32;
	bpf_get_current_comm(p->comm, sizeof(p->comm));
	p->mntns_id = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);

	parent = BPF_CORE_READ(task, real_parent);
	if (!parent) {
		/* ring buffer memory is not zeroed */
		__builtin_memset(&p->parent, 0, sizeof(p->parent));
		return;
	}
	BPF_CORE_READ_STR_INTO(&p->parent.comm, parent, comm);
	p->parent.pid = BPF_CORE_READ(parent, tgid);
	p->parent.tid = BPF_CORE_READ(parent, pid);
}

#endif /* __COMMON_H */
