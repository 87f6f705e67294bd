// Does not compile: the builder must report clang's message.
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_getpid(void *ctx)
{
	return undeclared_identifier_in_fixture;
}

char _license[] SEC("license") = "GPL";
