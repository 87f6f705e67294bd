// User-stack test program: chmod(2) through known nested functions, level3 -> level2 ->
// level1. Build with -O0 (frame pointers in every function, also the leaf). The syscall
// instruction is issued by level1 itself so that the frame-pointer walk
// in the kernel sees every level (a libc wrapper without a frame would hide its caller).
// Usage: nested PATH [SLEEP_MS]
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((noinline)) long level1(const char *path)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_chmod), "D"(path), "S"((long)0600)
			 : "rcx", "r11", "memory");
	return ret;
}

__attribute__((noinline)) long level2(const char *path)
{
	long ret = level1(path);
	__asm__ volatile("" ::: "memory");  // keep the call from becoming a tail call
	return ret;
}

__attribute__((noinline)) long level3(const char *path)
{
	long ret = level2(path);
	__asm__ volatile("" ::: "memory");
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	long ret = level3(argv[1]);
	if (argc > 2)
		usleep(1000 * atoi(argv[2]));
	return ret == 0 ? 0 : 1;
}
