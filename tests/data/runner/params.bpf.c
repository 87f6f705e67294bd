// Test object for the runner's unit tests: params of every flag type, a tracer, and a hook with
// both a kprobe and an fentry variant. Hand-written (no include/gadget) so that the marker
// layout under test is explicit; compiled by clang at build time, never loaded.
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef long long __s64;
typedef _Bool bool;

#define SEC(name) __attribute__((section(name), used))
#define MARKER __attribute__((unused))

enum level { LEVEL_LOW = 1, LEVEL_HIGH = 7 };

const volatile bool verbose = 1;
const volatile __u8 small = 200;
const volatile short delta = -12;
const volatile int targ_pid = 0;
const volatile __s64 big_negative = -5000000000;
const volatile __u64 huge = 18446744073709551615ULL;
const volatile char targ_comm[8] = "abc";
const volatile enum level level = LEVEL_HIGH;
const volatile __u32 renamed_in_yaml = 3;

const void *gadget_param_verbose MARKER;
const void *gadget_param_small MARKER;
const void *gadget_param_delta MARKER;
const void *gadget_param_targ_pid MARKER;
const void *gadget_param_big_negative MARKER;
const void *gadget_param_huge MARKER;
const void *gadget_param_targ_comm MARKER;
const void *gadget_param_level MARKER;
const void *gadget_param_renamed_in_yaml MARKER;

struct event {
	__u32 pid;
	char comm[16];
};

struct {
	int (*type)[27 /* BPF_MAP_TYPE_RINGBUF */];
	int (*max_entries)[4096];
} events SEC(".maps");

const void *gadget_map_tracer_events MARKER;
const void *gadget_tracer_test___events___event MARKER;
const struct event *__gadget_tracer_type_test MARKER;

SEC("fentry/do_unlinkat")
int test_unlink_fentry(void *ctx)
{
	return small + delta + targ_pid + verbose + level + renamed_in_yaml + huge + big_negative +
	       targ_comm[0];
}

SEC("kprobe/do_unlinkat")
int test_unlink_kprobe(void *ctx)
{
	return 0;
}

SEC("fexit/do_unlinkat")
int test_unlink_fexit(void *ctx)
{
	return 0;
}

SEC("kretprobe/do_unlinkat")
int test_unlink_kretprobe(void *ctx)
{
	return 0;
}

SEC("kprobe/vfs_read")
int test_read_kprobe(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fchmodat")
int test_tracepoint(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
