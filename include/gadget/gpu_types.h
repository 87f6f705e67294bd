/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The records of the GPU bridge's maps (upstream Inspektor Gadget's gpu-ebpf-bridge, schema
 * version 1), with upstream's names and layouts so its GPU gadgets build unchanged. The
 * bridge, a user-space daemon reading the vendor's management library, pins the maps under
 * /sys/fs/bpf; without it there is nothing in them (and `ig run` refuses the GPU gadgets).
 */
#ifndef __GPU_TYPES_H
#define __GPU_TYPES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define GPU_SCHEMA_VERSION 1
#define GPU_MAX_DEVICES 16
/* gpu_device_primary of a process using several devices. */
#define GPU_DEVICE_PRIMARY_MULTI 0xFF

/* gpu_meta[0]: the bridge's state. */
struct gpu_meta {
	__u32 schema_version;
	__u32 n_devices;
	__u64 last_update_boottime_ns; /* CLOCK_BOOTTIME of the last update */
	__u32 helper_pid;
	__u32 _reserved;
	__s64 clock_offset_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
};

/* gpu_device[index]: one device. Utilisations in percent, memory in bytes. */
struct gpu_device_metrics {
	__u64 timestamp_ns;
	__u32 sm_util_pct;
	__u32 mem_util_pct;
	__u64 mem_total;
	__u64 mem_used;
	__u64 mem_reserved;
	__u32 temp_c;
	__u32 power_mw;
	__u32 sm_clock_mhz;
	__u32 mem_clock_mhz;
	__u64 throttle_reasons;
	__u64 pcie_tx_kbps;
	__u64 pcie_rx_kbps;
	__u32 enc_util_pct;
	__u32 dec_util_pct;
	__u64 nvlink_tx_kbps;
	__u64 nvlink_rx_kbps;
	__u64 ecc_corrected_total;
	__u64 ecc_uncorrected_total;
	__u32 fan_speed_pct;
	__u32 compute_mode;
};

/* gpu_per_pid_per_device[(pid << 32) | device]: one process on one device. */
struct gpu_pid_metrics {
	__u64 timestamp_ns;
	__u64 used_gpu_memory;
	__u32 sm_util_pct;
	__u32 mem_util_pct;
	__u32 enc_util_pct;
	__u32 dec_util_pct;
	__u8 gpu_device;
	__u8 mig_instance;
	__u16 _pad;
};

/* gpu_per_pid[host tgid]: one process over all its devices. */
struct gpu_pid_metrics_aggregated {
	__u64 timestamp_ns;
	__u64 used_gpu_memory_total;
	__u32 sm_util_pct_max;
	__u32 mem_util_pct_max;
	__u8 gpu_device_primary;
	__u8 device_count;
	__u16 _pad;
};

#endif /* __GPU_TYPES_H */
