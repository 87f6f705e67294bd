#include "runner/ustack/file_open.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace ig::runner::ustack {

int open_regular_file(int dirfd, const std::string& path, uint64_t resolve) {
  struct open_how how = {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = resolve;
  int handle = static_cast<int>(syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how));
  if (handle < 0 && errno == ENOSYS) {
    // Relative to dirfd even when absolute, as RESOLVE_IN_ROOT would have it.
    const size_t skip = dirfd == AT_FDCWD ? 0 : path.find_first_not_of('/');
    if (skip == std::string::npos) return -1;
    handle = openat(dirfd, path.c_str() + skip, O_PATH | O_CLOEXEC | O_NOFOLLOW);
  }
  if (handle < 0) return -1;
  struct stat st;
  int fd = -1;
  if (fstat(handle, &st) == 0 && S_ISREG(st.st_mode)) {
    // Reopening the O_PATH handle reads exactly the file that was checked.
    const std::string self = "/proc/self/fd/" + std::to_string(handle);
    fd = open(self.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  }
  close(handle);
  return fd;
}

}  // namespace ig::runner::ustack
