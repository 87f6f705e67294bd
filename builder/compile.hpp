// The eBPF compile step (spec: ig-compat.md §2.3): clang -target bpf per architecture, then
// llvm-strip -g (BTF stays), run by argv exec without a shell.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ig::builder {

// include/ holding gadget/*.h and gadget/<arch>/vmlinux.h: $IG_GADGET_INCLUDE, else the copy
// beside an installed ig (PREFIX/share/ig/include), else the configured prefix's, else the
// source tree's. Throws Error(NotFound) if none has gadget/.
std::filesystem::path find_include_dir();

// The clang and llvm-strip a build uses: the newest clang-N (16 and up) in PATH with its
// llvm-strip-N, else plain clang and llvm-strip. Throws Error(NotFound).
struct Toolchain {
  std::filesystem::path clang;
  std::filesystem::path strip;
};
Toolchain find_toolchain();

// The argv of the clang step (exposed for tests). Paths in it are relative to source_dir
// except include and output paths.
std::vector<std::string> clang_command(const std::filesystem::path& source_dir,
                                       const std::filesystem::path& source,
                                       const std::string& arch,
                                       const std::filesystem::path& include_dir,
                                       const std::filesystem::path& output);

// Compiles `source` (relative to source_dir) for `arch` ("amd64" or "arm64") into
// <out_dir>/<arch>.bpf.o and strips its DWARF. Returns the object's path. Throws
// Error(NotFound) when clang or llvm-strip is not in PATH and Error(InvalidArgument) with the
// tail of clang's diagnostics when compilation fails.
std::filesystem::path compile(const std::filesystem::path& source_dir,
                              const std::filesystem::path& source, const std::string& arch,
                              const std::filesystem::path& out_dir);

}  // namespace ig::builder
