# A program of its own allocates 12345 bytes with libc's malloc (uprobe/libc:malloc, found
# through the host's ld.so.cache) and frees them. --comm filters in the kernel: the whole
# host's mallocs would overflow the ring buffer.
run_args=(--host --comm catmalloc)
setup() {
  printf '#include <stdlib.h>\nint main(void) { void *volatile p = malloc(12345); free(p); return 0; }\n' > m.c
  cc -O0 -o catmalloc m.c
}
workload() { ./catmalloc; }
check() {
  jq -e -s 'any(.[]; .operation == "malloc" and .size == 12345) and
             any(.[]; .operation == "free")' > /dev/null
}
