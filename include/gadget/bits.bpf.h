/* SPDX-License-Identifier: Apache-2.0 */
#ifndef __BITS_BPF_H
#define __BITS_BPF_H

/* floor(log2(v)) for v > 0 (0 for v == 0), without loops the verifier would have to bound. */
static __always_inline u64 log2(u32 v)
{
	u32 r = 0, shift;

	shift = (v > 0xffff) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= v >> 1;
	return r;
}

/* Histogram slot of `v`: 0 for 0, else 1 + floor(log2(v)). */
static __always_inline u64 get_slot_idx(u64 v)
{
	u32 hi = v >> 32;

	if (v == 0)
		return 0;
	return hi ? log2(hi) + 33 : log2((u32)v) + 1;
}

#endif /* __BITS_BPF_H */
