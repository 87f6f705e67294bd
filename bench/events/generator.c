// SPDX-License-Identifier: Apache-2.0
// Makes N getpgid(2) calls with arguments 0x40000000 + i (the benchmark gadgets trace exactly
// these), as fast as possible or paced to RATE calls per second. Prints the elapsed time so the
// harness knows the production rate.
//
//   generator N [RATE]
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ARG_BASE 0x40000000L

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s N [RATE]\n", argv[0]);
		return 2;
	}
	long n = strtol(argv[1], NULL, 10);
	double rate = argc == 3 ? strtod(argv[2], NULL) : 0;
	/* Paced runs check the clock every `batch` calls: bursts of 1 ms at the target rate. */
	long batch = rate > 0 ? (long)(rate / 1000) : n;
	if (batch < 1)
		batch = 1;

	double start = now();
	for (long i = 0; i < n;) {
		long end = i + batch < n ? i + batch : n;
		for (; i < end; i++) {
			/* Fails with ESRCH: no such pid. Only the tracepoint matters. */
			if (syscall(SYS_getpgid, ARG_BASE + (i & 0x3fffffff)) != -1 || errno != ESRCH) {
				fprintf(stderr, "getpgid(%ld) did not fail with ESRCH\n", ARG_BASE + i);
				return 1;
			}
		}
		if (rate > 0) {
			double due = start + i / rate;
			double wait = due - now();
			if (wait > 0) {
				struct timespec ts = {(time_t)wait, (long)((wait - (time_t)wait) * 1e9)};
				nanosleep(&ts, NULL);
			}
		}
	}
	double elapsed = now() - start;
	printf("generated %ld in %.6f s (%.0f/s)\n", n, elapsed, elapsed > 0 ? n / elapsed : 0.0);
	return 0;
}
