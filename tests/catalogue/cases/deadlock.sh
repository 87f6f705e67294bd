# A program of its own takes mutex A then B, then B then A (a lock-order inversion, without
# deadlocking: one thread); the eBPF part (uprobes on libc's pthread_mutex_lock/unlock)
# records both edges of the wait graph. Its wasm module, which finds the cycles, is not run.
run_args=(--host --comm catdeadlock)
setup() {
  cat > d.c <<'C'
#include <pthread.h>
#include <unistd.h>
static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
int main(void) {
  pthread_mutex_lock(&a); pthread_mutex_lock(&b);
  pthread_mutex_unlock(&b); pthread_mutex_unlock(&a);
  pthread_mutex_lock(&b); pthread_mutex_lock(&a);
  pthread_mutex_unlock(&a); pthread_mutex_unlock(&b);
  sleep(2);  /* alive while the map is read */
  return 0;
}
C
  cc -O0 -pthread -o catdeadlock d.c
}
workload() { ./catdeadlock; }
check() {
  jq -e -s '[.[] | if type == "array" then .[] else . end | select(.comm == "catdeadlock")]
            | (map([.mutex1, .mutex2] | sort) | unique | length == 1) and length >= 2' > /dev/null
}
