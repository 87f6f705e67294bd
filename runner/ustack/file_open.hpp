// Opening the files that user stacks point at. Their paths come from processes and containers
// ig does not trust: a path may have been swapped for a symlink, a FIFO or a device node since
// the event. Opening one of those could block ig or have side effects (a watchdog device
// reboots the host when opened), so files are first opened with O_PATH, which opens nothing,
// checked to be regular, and only then opened for reading.
#pragma once

#include <cstdint>
#include <string>

namespace ig::runner::ustack {

// A read-only descriptor on the regular file at `path` (relative to `dirfd`, or AT_FDCWD),
// resolved with openat2's RESOLVE_* `resolve` flags where the kernel has openat2 (v5.6), else
// with the last component not followed if it is a symlink. -1 if anything else is there.
int open_regular_file(int dirfd, const std::string& path, uint64_t resolve);

}  // namespace ig::runner::ustack
