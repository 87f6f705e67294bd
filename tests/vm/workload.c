// Seccomp workload for the audit_seccomp VM test.
//
// Filter A (no log flag): LOG mkdir/mkdirat, KILL_THREAD unshare, ERRNO(EPERM) rmdir.
// Filter B (SECCOMP_FILTER_FLAG_LOG): ERRNO(EPERM) chmod/fchmodat.
// The kernel audits LOG and KILL_THREAD always, ERRNO only from a filter with the log flag,
// so exactly mkdir (LOG), unshare (KILL_THREAD, thread "unsharer") and chmod (ERRNO) must be
// reported; rmdir (ERRNO from filter A) and getpid (allowed) must not.
//
// Prints one JSON line: {"pid":P,"unshare_tid":T,"comm":"workload","nr":{"mkdir":N,...}}.
// Exits non-zero if a syscall did not behave as the filters promise, so the test never judges
// a broken workload.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char k_dir[] = "/tmp/ig-vm-workload";

static int fail(const char *what, int err) {
  fprintf(stderr, "workload: %s: %s\n", what, strerror(err));
  return 1;
}

// libseccomp functions return -errno.
static int load_filters(void) {
  scmp_filter_ctx a = seccomp_init(SCMP_ACT_ALLOW);
  scmp_filter_ctx b = seccomp_init(SCMP_ACT_ALLOW);
  if (!a || !b) return fail("seccomp_init", ENOMEM);
  int rc = 0;
  if (!rc) rc = seccomp_rule_add(a, SCMP_ACT_LOG, SCMP_SYS(mkdir), 0);
  if (!rc) rc = seccomp_rule_add(a, SCMP_ACT_LOG, SCMP_SYS(mkdirat), 0);
  if (!rc) rc = seccomp_rule_add(a, SCMP_ACT_KILL_THREAD, SCMP_SYS(unshare), 0);
  if (!rc) rc = seccomp_rule_add(a, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(rmdir), 0);
  if (!rc) rc = seccomp_attr_set(b, SCMP_FLTATR_CTL_LOG, 1);
  if (!rc) rc = seccomp_rule_add(b, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(chmod), 0);
  if (!rc) rc = seccomp_rule_add(b, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(fchmodat), 0);
  if (rc) return fail("building the seccomp filters", -rc);
  // NO_NEW_PRIVS is set explicitly below; libseccomp must not need to.
  if ((rc = seccomp_load(a))) return fail("loading filter A", -rc);
  if ((rc = seccomp_load(b))) return fail("loading filter B", -rc);
  seccomp_release(a);
  seccomp_release(b);
  return 0;
}

struct unsharer {
  pid_t tid;
};

static void *unsharer_main(void *arg) {
  struct unsharer *u = arg;
  prctl(PR_SET_NAME, "unsharer", 0, 0, 0);
  u->tid = (pid_t)syscall(SYS_gettid);
  unshare(CLONE_NEWUTS);  // KILL_THREAD: this thread ends here
  u->tid = -1;            // reached only if the filter did not kill the thread
  return NULL;
}

int main(void) {
  prctl(PR_SET_NAME, "workload", 0, 0, 0);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) return fail("PR_SET_NO_NEW_PRIVS", errno);
  if (load_filters()) return 1;

  // Raw syscalls so the audited syscall number is exactly mkdir/rmdir/chmod, not the *at forms.
  if (syscall(SYS_mkdir, k_dir, 0755) && errno != EEXIST) return fail("mkdir (LOG)", errno);
  if (syscall(SYS_rmdir, k_dir) != -1 || errno != EPERM)
    return fail("rmdir should fail with EPERM", errno);
  if (syscall(SYS_chmod, k_dir, 0700) != -1 || errno != EPERM)
    return fail("chmod should fail with EPERM", errno);
  for (int i = 0; i < 3; i++) syscall(SYS_getpid);

  struct unsharer u = {0};
  pthread_t thread;
  int rc = pthread_create(&thread, NULL, unsharer_main, &u);
  if (rc) return fail("pthread_create", rc);
  if ((rc = pthread_join(thread, NULL))) return fail("pthread_join", rc);
  if (u.tid <= 0) {
    fprintf(stderr, "workload: thread \"unsharer\" survived unshare(CLONE_NEWUTS)\n");
    return 1;
  }

  // The syscall numbers let the test check syscall_raw without an architecture table.
  printf("{\"pid\":%d,\"unshare_tid\":%d,\"comm\":\"workload\","
         "\"nr\":{\"mkdir\":%d,\"unshare\":%d,\"chmod\":%d}}\n",
         (int)getpid(), (int)u.tid, SYS_mkdir, SYS_unshare, SYS_chmod);
  return 0;
}
