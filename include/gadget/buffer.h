/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Event output. Events go to a BPF ring buffer; on kernels without ring buffers (< 5.8) user
 * space turns every map declared with GADGET_TRACER_MAP into a PERF_EVENT_ARRAY before loading,
 * and the helpers below take the perf path. Which path runs is decided by CO-RE: the enum
 * value BPF_FUNC_ringbuf_* exists only in the BTF of kernels that have ring buffers.
 */
#ifndef __BUFFER_BPF_H
#define __BUFFER_BPF_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#ifndef GADGET_MAX_EVENT_SIZE
#define GADGET_MAX_EVENT_SIZE 10240
#endif

#define __gadget_has_helper(id) bpf_core_enum_value_exists(enum bpf_func_id, id)

/*
 * GADGET_TRACER_MAP(name, size): the ring buffer `name`, its marker (lets user space switch it
 * to a perf array) and the per-CPU counter `name_lost_samples` of events that did not fit.
 */
#define GADGET_TRACER_MAP(name, size)                                 \
	struct {                                                      \
		__uint(type, BPF_MAP_TYPE_RINGBUF);                   \
		__uint(max_entries, size);                            \
	} name SEC(".maps");                                          \
	const void *gadget_map_tracer_##name __attribute__((unused)); \
	struct {                                                      \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);              \
		__uint(max_entries, 1);                               \
		__uint(key_size, sizeof(__u32));                      \
		__uint(value_size, sizeof(__u64));                    \
	} name##_lost_samples SEC(".maps");

static __always_inline void __gadget_count_lost(void *lost_samples)
{
	const __u32 zero = 0;
	__u64 *count = bpf_map_lookup_elem(lost_samples, &zero);

	if (count)
		*count += 1;
}

#ifndef GADGET_NO_BUF_RESERVE
/* Scratch space for one event on the perf path (perf output copies it). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, GADGET_MAX_EVENT_SIZE);
} gadget_heap SEC(".maps");

static __always_inline void *__gadget_reserve_buf(void *map, void *lost_samples, __u64 size)
{
	const __u32 zero = 0;

	if (__gadget_has_helper(BPF_FUNC_ringbuf_reserve)) {
		void *buf = bpf_ringbuf_reserve(map, size, 0);

		if (!buf)
			__gadget_count_lost(lost_samples);
		return buf;
	}
	return bpf_map_lookup_elem(&gadget_heap, &zero);
}

/*
 * gadget_reserve_buf(&map, size): space for one event, NULL if none. `map` is spelled as
 * `&name`; pasting onto its last token names the companion `name_lost_samples` map.
 */
#define gadget_reserve_buf(map, size) __gadget_reserve_buf(map, map##_lost_samples, size)

/* Gives back a buffer from gadget_reserve_buf without sending it. */
static __always_inline void gadget_discard_buf(void *buf)
{
	if (__gadget_has_helper(BPF_FUNC_ringbuf_discard))
		bpf_ringbuf_discard(buf, 0);
}

/* Sends a buffer from gadget_reserve_buf. */
static __always_inline long gadget_submit_buf(void *ctx, void *map, void *buf, __u64 size)
{
	if (__gadget_has_helper(BPF_FUNC_ringbuf_submit)) {
		bpf_ringbuf_submit(buf, 0);
		return 0;
	}
	return bpf_perf_event_output(ctx, map, BPF_F_CURRENT_CPU, buf, size);
}
#endif /* GADGET_NO_BUF_RESERVE */

static __always_inline long __gadget_output_buf(void *ctx, void *map, void *lost_samples,
						void *buf, __u64 size)
{
	if (__gadget_has_helper(BPF_FUNC_ringbuf_output)) {
		if (bpf_ringbuf_output(map, buf, size, 0))
			__gadget_count_lost(lost_samples);
		return 0;
	}
	return bpf_perf_event_output(ctx, map, BPF_F_CURRENT_CPU, buf, size);
}

/* gadget_output_buf(ctx, &map, buf, size): copies `buf` (e.g. on the stack) out as one event. */
#define gadget_output_buf(ctx, map, buf, size) \
	__gadget_output_buf(ctx, map, map##_lost_samples, buf, size)

#endif /* __BUFFER_BPF_H */
