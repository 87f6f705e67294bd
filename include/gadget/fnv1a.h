/* SPDX-License-Identifier: Apache-2.0 */
/* FNV-1a hashing (32 and 64 bit); integers are fed little-endian, byte by byte. */
#ifndef __FNV1A_H
#define __FNV1A_H

#include <bpf/bpf_helpers.h>

#define FNV1_32_PRIME ((u32)0x01000193)
#define FNV1_32_INIT ((u32)0x811c9dc5)
#define FNV1_64_PRIME ((u64)0x00000100000001b3)
#define FNV1_64_INIT ((u64)0xcbf29ce484222325)

static __always_inline u32 fnv_32a_init()
{
	return FNV1_32_INIT;
}

static __always_inline u64 fnv_64a_init()
{
	return FNV1_64_INIT;
}

#define __GADGET_FNV_UPDATE(fn, hash_t, value_t, prime)            \
	static __always_inline void fn(hash_t *hash, value_t value) \
	{                                                           \
		for (unsigned int i = 0; i < sizeof(value_t); i++) { \
			*hash ^= (value >> (8 * i)) & 0xff;          \
			*hash *= prime;                              \
		}                                                   \
	}

__GADGET_FNV_UPDATE(fnv_32a_update_u64, u32, u64, FNV1_32_PRIME)
__GADGET_FNV_UPDATE(fnv_32a_update_u32, u32, u32, FNV1_32_PRIME)
__GADGET_FNV_UPDATE(fnv_32a_update_u16, u32, u16, FNV1_32_PRIME)
__GADGET_FNV_UPDATE(fnv_32a_update_u8, u32, u8, FNV1_32_PRIME)
__GADGET_FNV_UPDATE(fnv_64a_update_u64, u64, u64, FNV1_64_PRIME)
__GADGET_FNV_UPDATE(fnv_64a_update_u32, u64, u32, FNV1_64_PRIME)
__GADGET_FNV_UPDATE(fnv_64a_update_u16, u64, u16, FNV1_64_PRIME)
__GADGET_FNV_UPDATE(fnv_64a_update_u8, u64, u8, FNV1_64_PRIME)

#undef __GADGET_FNV_UPDATE

#endif /* __FNV1A_H */
