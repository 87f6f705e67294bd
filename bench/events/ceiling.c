// SPDX-License-Identifier: Apache-2.0
// The ceiling of bench/events: the least a user-space consumer can do with the benchmark's
// events. Loads ceiling.bpf.o, counts the records of its ring buffer until SIGINT/SIGTERM, then
// prints "delivered N lost M last_event_ns T" (T: CLOCK_REALTIME of the last record read).
//
//   ceiling CEILING_BPF_O
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static uint64_t delivered;
static uint64_t last_event_ns;

static void on_signal(int signo)
{
	(void)signo;
	stop = 1;
}

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	delivered++;
	return 0;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CEILING_BPF_O\n", argv[0]);
		return 2;
	}
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "ceiling: cannot load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "ceiling_getpgid");
	struct bpf_link *link = prog ? bpf_program__attach(prog) : NULL;
	if (!link) {
		fprintf(stderr, "ceiling: cannot attach: %s\n", strerror(errno));
		return 1;
	}
	struct ring_buffer *rb =
		ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "events"), on_record, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "ceiling: ring buffer: %s\n", strerror(errno));
		return 1;
	}
	struct sigaction action = {0};
	action.sa_handler = on_signal;
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);

	while (!stop) {
		uint64_t before = delivered;
		int err = ring_buffer__poll(rb, 100);

		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "ceiling: ring_buffer__poll: %s\n", strerror(-err));
			return 1;
		}
		if (delivered != before)
			last_event_ns = realtime_ns();
	}
	bpf_link__destroy(link);
	uint64_t before = delivered;
	ring_buffer__consume(rb);
	if (delivered != before)
		last_event_ns = realtime_ns();

	int cpus = libbpf_num_possible_cpus();
	uint64_t values[cpus > 0 ? cpus : 1];
	uint32_t zero = 0;
	uint64_t lost = 0;
	if (bpf_map_lookup_elem(bpf_object__find_map_fd_by_name(obj, "lost"), &zero, values) == 0) {
		for (int i = 0; i < cpus; i++)
			lost += values[i];
	}
	printf("delivered %llu lost %llu last_event_ns %llu\n", (unsigned long long)delivered,
	       (unsigned long long)lost, (unsigned long long)last_event_ns);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
