/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR Apache-2.0 */
/*
 * Container filtering. When the user selects containers, user space replaces
 * gadget_mntns_filter_map by a map holding their mount namespace ids and sets
 * gadget_filter_by_mntns; events from other namespaces are then dropped in the kernel.
 */
#ifndef MNTNS_FILTER_H
#define MNTNS_FILTER_H

#include <gadget/types.h>

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

const volatile bool gadget_filter_by_mntns = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, gadget_mntns_id);
	__type(value, __u32);
	__uint(max_entries, 1024);
} gadget_mntns_filter_map SEC(".maps");

/* True if events of mount namespace `mntns_id` must be dropped. */
static __always_inline bool gadget_should_discard_mntns_id(gadget_mntns_id mntns_id)
{
	if (!gadget_filter_by_mntns)
		return false;
	return bpf_map_lookup_elem(&gadget_mntns_filter_map, &mntns_id) == NULL;
}

#endif /* MNTNS_FILTER_H */
