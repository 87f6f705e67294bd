/* Test object for `ig image inspect`'s ebpf.* keys: four programs reaching two maps through
 * known helpers (the access pattern of upstream's image_inspect CI gadget, whose diagrams
 * upstream's test pins), a static function called by one program, and globals in .rodata and
 * .bss. Hand-written (no include/gadget); compiled by clang at build time, never loaded. */
typedef unsigned int __u32;
typedef unsigned long long __u64;

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

/* bpf_map_lookup_elem, bpf_map_update_elem, bpf_map_delete_elem (helper ids 1, 2, 3) */
static void *(*map_lookup)(void *map, const void *key) = (void *)1;
static long (*map_update)(void *map, const void *key, const void *value, __u64 flags) = (void *)2;
static long (*map_delete)(void *map, const void *key) = (void *)3;

struct {
	__uint(type, 1); /* BPF_MAP_TYPE_HASH */
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} map1 SEC(".maps");

struct {
	__uint(type, 1);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} map2 SEC(".maps");

const volatile __u32 targ_ms = 10;
__u32 ifindex = 0;

static __attribute__((noinline)) int forget(__u32 key)
{
	return map_delete(&map2, &key);
}

SEC("raw_tp/qdisc_enqueue")
int qdisc_enqueue(void *ctx)
{
	__u32 key = ifindex;
	__u64 value = targ_ms;

	return map_update(&map2, &key, &value, 0);
}

SEC("raw_tp/qdisc_dequeue")
int qdisc_dequeue(void *ctx)
{
	__u32 key = ifindex;
	__u64 zero = 0;

	if (!map_lookup(&map1, &key))
		map_update(&map1, &key, &zero, 0);
	return 0;
}

SEC("raw_tp/consume_skb")
int consume_skb(void *ctx)
{
	__u32 key = ifindex;

	if (map_lookup(&map2, &key))
		return forget(key);
	return 0;
}

SEC("raw_tp/kfree_skb")
int kfree_skb(void *ctx)
{
	return targ_ms;
}

char LICENSE[] SEC("license") = "GPL";
