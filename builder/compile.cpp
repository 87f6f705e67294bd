#include "builder/compile.hpp"

#include <fcntl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "util/error.hpp"

namespace ig::builder {
namespace fs = std::filesystem;
namespace {

constexpr size_t kDiagnosticLines = 20;

// Absolute path of `program` in $PATH, empty if absent.
fs::path find_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    fs::path candidate = fs::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

struct ProcessResult {
  int status = 0;  // exit code, or 128 + signal
  std::string output;  // stdout and stderr interleaved
};

// Runs argv[0] (an absolute path) in `cwd`, collecting its output. No shell is involved.
ProcessResult run(const std::vector<std::string>& argv, const fs::path& cwd) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw Error(ErrorCode::Io, std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw Error(ErrorCode::Io, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  ProcessResult result;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(pipe_fds[0], buffer, sizeof(buffer));
    if (n > 0) {
      result.output.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

// Last `count` non-empty lines of `text`: compiler diagnostics are only readable as lines.
std::string tail_lines(const std::string& text, size_t count) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(line);
  const size_t first = lines.size() > count ? lines.size() - count : 0;
  std::string joined;
  for (size_t i = first; i < lines.size(); ++i) {
    if (!joined.empty()) joined += "\n";
    joined += lines[i];
  }
  return joined;
}

std::string target_arch_define(const std::string& arch) {
  if (arch == "amd64") return "-D__TARGET_ARCH_x86";
  if (arch == "arm64") return "-D__TARGET_ARCH_arm64";
  throw Error(ErrorCode::Unsupported, "architecture " + arch + ": only amd64 and arm64 are supported");
}

// Debian multiarch directory of the build host (asm/types.h lives there).
std::string host_multiarch_include() {
  struct utsname name {};
  ::uname(&name);
  return std::string("/usr/include/") + name.machine + "-linux-gnu";
}

bool has_gadget_headers(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::exists(dir / "gadget" / "macros.h", ec);
}

}  // namespace

fs::path find_include_dir() {
  if (const char* env = std::getenv("IG_GADGET_INCLUDE"); env && *env) {
    if (!has_gadget_headers(env))
      throw Error(ErrorCode::NotFound,
                  std::string("IG_GADGET_INCLUDE=") + env + ": no gadget/macros.h in it");
    return env;
  }
  // An installed ig finds them beside itself (PREFIX/bin/ig -> PREFIX/share/ig/include), so
  // a tree installed with another --prefix or unpacked elsewhere still works.
  std::error_code ec;
  const fs::path beside = fs::read_symlink("/proc/self/exe", ec).parent_path().parent_path() / "share/ig/include";
  if (!ec && has_gadget_headers(beside)) return beside;
  if (has_gadget_headers(IG_INSTALL_INCLUDE_DIR)) return IG_INSTALL_INCLUDE_DIR;
  if (has_gadget_headers(IG_SOURCE_INCLUDE_DIR)) return IG_SOURCE_INCLUDE_DIR;
  throw Error(ErrorCode::NotFound, std::string("gadget headers not found in ") +
                                       IG_INSTALL_INCLUDE_DIR + " or " + IG_SOURCE_INCLUDE_DIR +
                                       ": set IG_GADGET_INCLUDE");
}

std::vector<std::string> clang_command(const fs::path& source_dir, const fs::path& source,
                                       const std::string& arch, const fs::path& include_dir,
                                       const fs::path& output) {
  const fs::path abs_source_dir = fs::absolute(source_dir).lexically_normal();
  return {
      "clang", "-target", "bpf", "-Wall", "-g", "-O2", target_arch_define(arch),
      "-I" + include_dir.string(), "-I" + (include_dir / "gadget" / arch).string(),
      "-I" + host_multiarch_include(),
      // The object must not depend on where the sources or ig's headers happen to be: BTF
      // line info keeps file names. Headers appear where the upstream builder has them.
      "-fdebug-prefix-map=" + abs_source_dir.string() + "=.",
      "-fdebug-prefix-map=" + include_dir.string() + "=/usr/include",
      "-c", source.string(), "-o", output.string()};
}

Toolchain find_toolchain() {
  // Newest first: Debian 12's default clang (14) crashes on some upstream gadgets
  // (profile_blockio's BPF backend), which clang-16 compiles.
  for (const char* suffix : {"-19", "-18", "-17", "-16", ""}) {
    const fs::path clang = find_in_path(std::string("clang") + suffix);
    if (clang.empty()) continue;
    const fs::path strip = find_in_path(std::string("llvm-strip") + suffix);
    if (strip.empty()) {
      throw Error(ErrorCode::NotFound, clang.string() + " has no llvm-strip" + suffix +
                                           " in PATH: install llvm" + suffix +
                                           " to build gadgets");
    }
    return {clang, strip};
  }
  throw Error(ErrorCode::NotFound,
              "clang not found in PATH: install clang-16 (or clang) to build gadgets");
}

fs::path compile(const fs::path& source_dir, const fs::path& source, const std::string& arch,
                 const fs::path& out_dir) {
  const auto [clang, strip] = find_toolchain();

  const fs::path include_dir = find_include_dir();
  fs::create_directories(out_dir);
  const fs::path output = fs::absolute(out_dir) / (arch + ".bpf.o");
  auto argv = clang_command(source_dir, source, arch, include_dir, output);
  argv[0] = clang.string();
  ProcessResult compiled = run(argv, source_dir);
  if (compiled.status != 0) {
    throw Error(ErrorCode::InvalidArgument,
                source.string() + ": compiling for " + arch + " failed:\n" +
                    tail_lines(compiled.output, kDiagnosticLines));
  }
  ProcessResult stripped = run({strip.string(), "-g", output.string()}, source_dir);
  if (stripped.status != 0) {
    throw Error(ErrorCode::Internal, output.string() + ": llvm-strip failed: " +
                                         tail_lines(stripped.output, kDiagnosticLines));
  }
  return output;
}

}  // namespace ig::builder
