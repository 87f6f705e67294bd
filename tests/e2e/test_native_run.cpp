// Builds tests/e2e/gadgets/trace_fchmodat with `ig image build`, runs it with
// `ig run -o json` and checks that the fchmodat calls this test makes come out
// with the exact pid, tid, comm, mode and path; then checks that nothing of the
// gadget stays loaded in the kernel.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char **environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char *kImage = "e2e/trace_fchmodat:test";
constexpr const char *kProgramName = "ig_fchmodat_e";
constexpr const char *kThreadName = "ig-e2e-chmod";

struct Child {
  pid_t pid = -1;
  int out_fd = -1;  // stdout
  int err_fd = -1;  // stderr
};

// Starts `argv` with IG_OCI_STORE set, stdout and stderr in pipes.
Child spawn(const std::vector<std::string> &args, const fs::path &store) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::vector<std::string> env_storage = {"IG_OCI_STORE=" + store.string()};
  for (char **e = environ; *e; ++e) {
    if (std::strncmp(*e, "IG_OCI_STORE=", 13) != 0) env_storage.emplace_back(*e);
  }
  std::vector<char *> env;
  for (auto &e : env_storage) env.push_back(e.data());
  env.push_back(nullptr);
  std::vector<std::string> args_storage = args;
  std::vector<char *> argv;
  for (auto &a : args_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  Child child;
  int rc = posix_spawn(&child.pid, argv[0], &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(err[1]);
  if (rc != 0) throw std::runtime_error(std::string("posix_spawn: ") + std::strerror(rc));
  child.out_fd = out[0];
  child.err_fd = err[0];
  return child;
}

// Reads both pipes to EOF and reaps the child; returns the exit status.
int finish(Child &child, std::string &out, std::string &err) {
  struct pollfd fds[2] = {{child.out_fd, POLLIN, 0}, {child.err_fd, POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (poll(fds, 2, 20000) <= 0) {
      kill(child.pid, SIGKILL);
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? out : err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  int status = 0;
  waitpid(child.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A BPF link among the process's fds means the gadget is attached (its readers
// exist before).
bool has_bpf_link(pid_t pid) {
  std::error_code ec;
  for (const auto &entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fdinfo", ec)) {
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("link_id:")) return true;
    }
  }
  return false;
}

// The BPF objects process `pid` holds: "link 12", "map 40", "prog 77" from its fds' fdinfo.
std::vector<std::string> held_bpf_objects(pid_t pid) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto &entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fdinfo", ec)) {
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      for (const char *kind : {"link", "map", "prog"}) {
        const std::string key = std::string(kind) + "_id:";
        if (line.starts_with(key)) ids.push_back(kind + (" " + line.substr(key.size() + 1)));
      }
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// Whether the kernel still has the object named as held_bpf_objects names it.
bool bpf_object_exists(const std::string &object) {
  const auto space = object.find(' ');
  const std::string kind = object.substr(0, space);
  const auto id = static_cast<uint32_t>(std::stoul(object.substr(space + 1)));
  int fd = kind == "link" ? bpf_link_get_fd_by_id(id)
           : kind == "map" ? bpf_map_get_fd_by_id(id)
                           : bpf_prog_get_fd_by_id(id);
  if (fd < 0) return false;
  close(fd);
  return true;
}

// Files under the BPF file system (pins), sorted.
std::vector<std::string> bpffs_entries() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto &e : fs::recursive_directory_iterator("/sys/fs/bpf", ec)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

bool program_loaded(const char *name) {
  uint32_t id = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
    int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0) continue;
    struct bpf_prog_info info = {};
    uint32_t len = sizeof(info);
    bool match = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && std::strcmp(info.name, name) == 0;
    close(fd);
    if (match) return true;
  }
  return false;
}

// Runs an ig command to completion; returns an error text, empty on success.
std::string ig_command(const std::vector<std::string> &args, const fs::path &store) {
  Child child = spawn(args, store);
  std::string out, err;
  int code = finish(child, out, err);
  if (code != 0)
    return args[1] + " " + args[2] + " exited " + std::to_string(code) + ":\n" + out + err;
  return {};
}

// Builds the gadget and signs it with a fresh key (KEY.pem/KEY.pub in the
// store's parent), so the runs below go through the default signature
// verification.
std::string ig_image_build_and_sign(const fs::path &store, const fs::path &key) {
  std::string error = ig_command({IG_BINARY, "image", "build", "-t", kImage,
                                  std::string(IG_E2E_GADGETS_DIR) + "/trace_fchmodat"},
                                 store);
  if (!error.empty()) return error;
  return ig_command({IG_BINARY, "image", "sign", "--generate-key", key.string(), kImage}, store);
}

struct Call {
  std::string path;
  uint32_t mode;
};

struct Observed {
  pid_t tid = 0;
  std::vector<nlohmann::json> rows;  // JSON rows whose filename is one of ours
  std::string stderr_text;
  int exit_code = -1;
};

fs::path signing_key(const fs::path &store) { return store.string() + "-key.pem"; }
std::string public_key_path(const fs::path &store) { return store.string() + "-key.pub"; }

// Runs the gadget, makes `calls` from a thread named kThreadName once it is
// attached, and collects the rows for our paths.
Observed run_and_call(const fs::path &store, const std::vector<std::string> &extra_args,
                      const std::vector<Call> &calls) {
  // --host: these events come from the test process itself, not from a
  // container.
  std::vector<std::string> args = {IG_BINARY,
                                   "run",
                                   kImage,
                                   "-o",
                                   "json",
                                   "--timeout",
                                   "5",
                                   "--host",
                                   "--public-keys",
                                   public_key_path(store)};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  Child child = spawn(args, store);
  Observed observed;
  auto deadline = Clock::now() + std::chrono::seconds(4);
  bool attached = false;
  while (Clock::now() < deadline && !(attached = has_bpf_link(child.pid))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (attached) {
    std::thread worker([&] {
      prctl(PR_SET_NAME, kThreadName);
      observed.tid = static_cast<pid_t>(syscall(SYS_gettid));
      for (const auto &call : calls) fchmodat(AT_FDCWD, call.path.c_str(), call.mode, 0);
    });
    worker.join();
  }
  std::string out;
  observed.exit_code = finish(child, out, observed.stderr_text);
  if (!attached) {
    observed.stderr_text = "ig never attached a BPF link within 4 s\n" + observed.stderr_text;
    return observed;
  }
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto row = nlohmann::json::parse(line, nullptr, false);
    if (row.is_discarded()) {
      observed.stderr_text += "unparsable stdout line: " + line + "\n";
      continue;
    }
    for (const auto &call : calls) {
      if (row.value("filename", "") == call.path) observed.rows.push_back(row);
    }
  }
  return observed;
}

class NativeRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    store_ = fs::temp_directory_path() / ("ig-e2e-store-" + std::to_string(getpid()));
    fs::remove_all(store_);
    build_error_ = ig_image_build_and_sign(store_, signing_key(store_));
  }
  static void TearDownTestSuite() {
    fs::remove_all(store_);
    fs::remove(signing_key(store_));
    fs::remove(public_key_path(store_));
  }

  void SetUp() override {
    // Fail loudly: an e2e run that silently skips looks like a pass.
    ASSERT_EQ(geteuid(), 0u) << "the e2e tests load BPF programs and must run as root";
    ASSERT_TRUE(fs::exists("/sys/kernel/tracing/events/syscalls/sys_enter_fchmodat") ||
                fs::exists("/sys/kernel/debug/tracing/events/syscalls/sys_enter_fchmodat"))
        << "tracefs with syscall tracepoints is not available (mount -t "
           "tracefs nodev "
           "/sys/kernel/tracing)";
    ASSERT_TRUE(build_error_.empty()) << build_error_;
    // Distinctive paths: nothing else on the machine chmods these.
    base_ = "/tmp/ig-e2e-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  static fs::path store_;
  static std::string build_error_;
  std::string base_;
};

fs::path NativeRun::store_;
std::string NativeRun::build_error_;

TEST_F(NativeRun, JsonRowsCarryTheCallersIdentityModeAndPath) {
  std::vector<Call> calls = {{base_ + "-first", 0641}, {base_ + "-second", 0705}};
  Observed seen = run_and_call(store_, {}, calls);
  ASSERT_EQ(seen.exit_code, 0) << seen.stderr_text;
  ASSERT_EQ(seen.rows.size(), 2u) << seen.stderr_text;
  for (size_t i = 0; i < calls.size(); ++i) {
    const auto &row = seen.rows[i];
    SCOPED_TRACE(row.dump());
    EXPECT_EQ(row.at("filename"), calls[i].path);
    EXPECT_EQ(row.at("mode").get<uint64_t>(), calls[i].mode);
    EXPECT_EQ(row.at("dfd").get<int64_t>(), AT_FDCWD);
    EXPECT_EQ(row.at("proc").at("pid").get<int64_t>(), getpid());
    EXPECT_EQ(row.at("proc").at("tid").get<int64_t>(), seen.tid);
    EXPECT_EQ(row.at("proc").at("comm"), kThreadName);
    // The kernel stack of a syscall entry passes through the syscall dispatcher.
    const std::string kstack = row.at("kstack");
    EXPECT_NE(kstack.find("do_syscall_64; "), std::string::npos) << kstack;
    EXPECT_TRUE(kstack.ends_with("; ")) << kstack;
  }
  EXPECT_FALSE(program_loaded(kProgramName))
      << "a program named " << kProgramName << " is still loaded after ig exited";
}

// SIGINT and SIGTERM end a run cleanly: every link, map and program ig held is gone from the
// kernel soon after it exits (freeing is asynchronous), and nothing is left pinned.
TEST_F(NativeRun, StopSignalsLeaveNoLinkMapProgramOrPinBehind) {
  for (int signo : {SIGINT, SIGTERM}) {
    SCOPED_TRACE(strsignal(signo));
    const auto pins_before = bpffs_entries();
    Child child = spawn({IG_BINARY, "run", kImage, "--host", "--public-keys", public_key_path(store_)},
                        store_);
    const auto deadline = Clock::now() + std::chrono::seconds(4);
    while (Clock::now() < deadline && !has_bpf_link(child.pid)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const auto held = held_bpf_objects(child.pid);
    kill(child.pid, signo);
    std::string out, err;
    ASSERT_EQ(finish(child, out, err), 0) << err;
    ASSERT_TRUE(std::any_of(held.begin(), held.end(), [](const auto &o) { return o.starts_with("link "); }))
        << "ig never attached a BPF link within 4 s: " << err;
    std::vector<std::string> left = held;
    for (int i = 0; i < 100 && !left.empty(); ++i) {
      std::erase_if(left, [](const auto &o) { return !bpf_object_exists(o); });
      if (!left.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(left.empty()) << left.size() << " of " << held.size() << " BPF objects outlive ig, first: "
                              << left.front();
    EXPECT_EQ(bpffs_entries(), pins_before);
  }
}

TEST_F(NativeRun, GadgetParamsReachTheKernelProgram) {
  // --mode-mask (gadget.yaml key of mode_mask) drops modes with bits outside
  // the mask.
  std::vector<Call> calls = {{base_ + "-outside", 0641}, {base_ + "-inside", 0700}};
  Observed seen = run_and_call(store_, {"--mode-mask", "448"}, calls);  // 448 = 0700
  ASSERT_EQ(seen.exit_code, 0) << seen.stderr_text;
  ASSERT_EQ(seen.rows.size(), 1u) << seen.stderr_text;
  EXPECT_EQ(seen.rows[0].at("filename"), base_ + "-inside");
  EXPECT_EQ(seen.rows[0].at("mode").get<uint64_t>(), 0700u);
}

TEST_F(NativeRun, PidFilterDropsOtherProcesses) {
  std::vector<Call> calls = {{base_ + "-filtered", 0600}};
  Observed seen = run_and_call(store_, {"--pid", "1"}, calls);
  ASSERT_EQ(seen.exit_code, 0) << seen.stderr_text;
  EXPECT_TRUE(seen.rows.empty()) << seen.rows.size() << " rows despite --pid 1";
}

TEST_F(NativeRun, UnknownGadgetParamFailsWithOneLine) {
  Child child = spawn({IG_BINARY, "run", kImage, "--timeout", "1", "--public-keys",
                       public_key_path(store_), "--no-such-param", "1"},
                      store_);
  std::string out, err;
  int code = finish(child, out, err);
  EXPECT_NE(code, 0);
  EXPECT_NE(err.find("unknown gadget parameter \"--no-such-param\""), std::string::npos) << err;
  EXPECT_TRUE(out.empty()) << out;
}

TEST_F(NativeRun, VerifierRejectionShowsTheProgramAndTheLogTail) {
  const std::string image = "e2e/verifier_reject:test";
  ASSERT_EQ(ig_command({IG_BINARY, "image", "build", "-t", image,
                        std::string(IG_E2E_GADGETS_DIR) + "/verifier_reject"},
                       store_),
            "");
  Child child =
      spawn({IG_BINARY, "run", image, "--timeout", "1", "--host", "--verify-image=false"}, store_);
  std::string out, err;
  int code = finish(child, out, err);
  EXPECT_NE(code, 0);
  // The first line names the program; the verifier's own words follow.
  EXPECT_NE(err.find("tracepoint/syscalls/sys_enter_fchmodat"), std::string::npos) << err;
  EXPECT_NE(err.find("invalid mem access"), std::string::npos) << err;
  EXPECT_TRUE(out.empty()) << out;
  EXPECT_FALSE(program_loaded("ig_rejected"));
}

TEST_F(NativeRun, UnsignedImageIsRefusedBeforeLoading) {
  // Same program under another tag, built with another creation date so its
  // digest differs from the signed image's: no signature covers it, and
  // verification is on by default.
  setenv("SOURCE_DATE_EPOCH", "86400", 1);
  std::string build_error =
      ig_command({IG_BINARY, "image", "build", "-t", "e2e/trace_fchmodat:unsigned",
                  std::string(IG_E2E_GADGETS_DIR) + "/trace_fchmodat"},
                 store_);
  unsetenv("SOURCE_DATE_EPOCH");
  ASSERT_EQ(build_error, "");
  Child child = spawn({IG_BINARY, "run", "e2e/trace_fchmodat:unsigned", "--timeout", "1", "--pull",
                       "never", "--public-keys", public_key_path(store_)},
                      store_);
  std::string out, err;
  int code = finish(child, out, err);
  EXPECT_NE(code, 0);
  EXPECT_NE(err.find("is not signed"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_TRUE(out.empty()) << out;
  EXPECT_FALSE(program_loaded(kProgramName)) << "an unsigned image reached the kernel";
}

// Upstream's snapshot_process (GADGET_ITER over iter/task), built unchanged from its source:
// one JSON array with a row for this very process, then ig exits on its own.
TEST_F(NativeRun, IteratorGadgetPrintsOneArrayAndExits) {
  const std::string image = "e2e/snapshot_process:test";
  ASSERT_EQ(ig_command({IG_BINARY, "image", "build", "-t", image,
                        std::string(IG_UPSTREAM_GADGETS_DIR) + "/snapshot_process"},
                       store_),
            "");
  Child child =
      spawn({IG_BINARY, "run", image, "-o", "json", "--host", "--verify-image=false"}, store_);
  std::string out, err;
  ASSERT_EQ(finish(child, out, err), 0) << err;
  ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << "one line expected:\n" << out;
  auto rows = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(rows.is_array()) << out.substr(0, 200);
  std::ifstream comm_file("/proc/self/comm");
  std::string comm;
  std::getline(comm_file, comm);
  int mine = 0;
  for (const auto &row : rows) {
    if (row.at("pid").get<int64_t>() != getpid()) continue;
    ++mine;
    EXPECT_EQ(row.at("tid").get<int64_t>(), getpid());  // processes only, not threads
    EXPECT_EQ(row.at("comm"), comm);
    EXPECT_EQ(row.at("parent").at("pid").get<int64_t>(), getppid());
    EXPECT_EQ(row.at("creds").at("uid").get<int64_t>(), 0);
  }
  EXPECT_EQ(mine, 1) << rows.size() << " rows, " << mine << " for pid " << getpid();
  EXPECT_FALSE(program_loaded("ig_snap_proc"));
  // In YAML the array is one document holding a sequence.
  Child yaml =
      spawn({IG_BINARY, "run", image, "-o", "yaml", "--host", "--verify-image=false"}, store_);
  out.clear();
  err.clear();
  ASSERT_EQ(finish(yaml, out, err), 0) << err;
  EXPECT_EQ(out.rfind("---\n- comm: ", 0), 0u) << out.substr(0, 200);
  EXPECT_EQ(out.find("---", 1), std::string::npos);
  EXPECT_NE(out.find("\n  pid: " + std::to_string(getpid()) + "\n"), std::string::npos);
}

// A GADGET_MAPITER data source (tests/e2e/gadgets/top_fchmodat): every --map-fetch-interval
// the map is emptied into one JSON array; after --map-fetch-count fetches ig exits by itself.
// Counts add up across fetches only if each fetch deleted what it read.
TEST_F(NativeRun, MapIteratorFetchesAndEmptiesTheMap) {
  const std::string image = "e2e/top_fchmodat:test";
  ASSERT_EQ(ig_command({IG_BINARY, "image", "build", "-t", image,
                        std::string(IG_E2E_GADGETS_DIR) + "/top_fchmodat"},
                       store_),
            "");
  Child child = spawn({IG_BINARY, "run", image, "-o", "json", "--host", "--verify-image=false",
                       "--map-fetch-interval", "400ms", "--map-fetch-count", "4"},
                      store_);
  auto deadline = Clock::now() + std::chrono::seconds(4);
  while (Clock::now() < deadline && !has_bpf_link(child.pid)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string path = base_ + "-counted";
  for (mode_t mode : {0601, 0640, 0600}) {
    fchmodat(AT_FDCWD, path.c_str(), mode, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  std::string out, err;
  ASSERT_EQ(finish(child, out, err), 0) << err;
  std::istringstream lines(out);
  int batches = 0;
  uint64_t calls = 0, modes = 0;
  for (std::string line; std::getline(lines, line);) {
    auto batch = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(batch.is_array()) << line;
    ++batches;
    for (const auto &row : batch) {
      if (row.at("pid").get<int64_t>() != getpid()) continue;
      calls += row.at("calls").get<uint64_t>();
      modes |= row.at("modes").get<uint64_t>();
    }
  }
  EXPECT_EQ(batches, 4) << out;
  EXPECT_EQ(calls, 3u) << out;
  EXPECT_EQ(modes, 0641u) << out;
}

// --sort and --max-entries (upstream's sort and limiter operators) on a map iterator's batches:
// this process's fchmodat calls outnumber its child's, so with "-calls" it comes first, and no
// batch holds more rows than the limit.
TEST_F(NativeRun, SortAndMaxEntriesOrderAndCutEachBatch) {
  const std::string image = "e2e/top_fchmodat:test";
  ASSERT_EQ(ig_command({IG_BINARY, "image", "build", "-t", image,
                        std::string(IG_E2E_GADGETS_DIR) + "/top_fchmodat"},
                       store_),
            "");
  Child child = spawn({IG_BINARY, "run", image, "-o", "json", "--host", "--verify-image=false",
                       "--map-fetch-interval", "600ms", "--map-fetch-count", "2", "--sort",
                       "-calls,pid", "--max-entries", "2"},
                      store_);
  auto deadline = Clock::now() + std::chrono::seconds(4);
  while (Clock::now() < deadline && !has_bpf_link(child.pid)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string path = base_ + "-sorted";
  const pid_t helper = fork();
  if (helper == 0) {
    for (int i = 0; i < 2; ++i) fchmodat(AT_FDCWD, path.c_str(), 0600, 0);
    _exit(0);
  }
  for (int i = 0; i < 5; ++i) fchmodat(AT_FDCWD, path.c_str(), 0600, 0);
  waitpid(helper, nullptr, 0);
  std::string out, err;
  ASSERT_EQ(finish(child, out, err), 0) << err;
  std::istringstream lines(out);
  bool seen = false;
  for (std::string line; std::getline(lines, line);) {
    auto batch = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(batch.is_array()) << line;
    EXPECT_LE(batch.size(), 2u) << line;
    for (size_t i = 1; i < batch.size(); ++i) {
      EXPECT_GE(batch[i - 1].at("calls").get<uint64_t>(), batch[i].at("calls").get<uint64_t>())
          << line;
    }
    if (batch.size() == 2 && batch[0].at("pid").get<int64_t>() == getpid()) {
      EXPECT_EQ(batch[0].at("calls").get<uint64_t>(), 5u) << line;
      EXPECT_EQ(batch[1].at("pid").get<int64_t>(), helper) << line;
      EXPECT_EQ(batch[1].at("calls").get<uint64_t>(), 2u) << line;
      seen = true;
    }
  }
  EXPECT_TRUE(seen) << out;
}

TEST_F(NativeRun, SortByAnUnknownFieldFailsWithOneLine) {
  const std::string image = "e2e/top_fchmodat:test";
  ASSERT_EQ(ig_command({IG_BINARY, "image", "build", "-t", image,
                        std::string(IG_E2E_GADGETS_DIR) + "/top_fchmodat"},
                       store_),
            "");
  Child child = spawn({IG_BINARY, "run", image, "--host", "--verify-image=false", "--sort",
                       "-nosuchfield"},
                      store_);
  std::string out, err;
  EXPECT_NE(finish(child, out, err), 0);
  EXPECT_NE(err.find("--sort: field \"nosuchfield\" not found"), std::string::npos) << err;
  // One error line; the other is the warning that verification is off.
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 2) << err;
  EXPECT_TRUE(out.empty()) << out;
}

// Upstream's snapshot_socket (iter/tcp and iter/udp) shows a TCP socket this test listens on:
// its l4 endpoints decode to "addr", "port" and "proto" in JSON and to one "addr:port" column.
TEST_F(NativeRun, SocketIteratorShowsEndpoints) {
  const std::string image = "e2e/snapshot_socket:test";
  ASSERT_EQ(ig_command({IG_BINARY, "image", "build", "-t", image,
                        std::string(IG_UPSTREAM_GADGETS_DIR) + "/snapshot_socket"},
                       store_),
            "");
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  struct sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(listener, reinterpret_cast<struct sockaddr *>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<struct sockaddr *>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);

  Child json_run =
      spawn({IG_BINARY, "run", image, "-o", "json", "--host", "--verify-image=false"}, store_);
  std::string out, err;
  ASSERT_EQ(finish(json_run, out, err), 0) << err;
  auto rows = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(rows.is_array()) << out.substr(0, 200);
  int found = 0;
  for (const auto &row : rows) {
    const auto &src = row.at("src");
    if (src.at("port") != port || src.at("addr") != "127.0.0.1") continue;
    ++found;
    EXPECT_EQ(src.at("proto"), "TCP");
    EXPECT_EQ(src.at("version"), 4);
    EXPECT_FALSE(src.contains("addr_raw")) << src.dump();
    EXPECT_FALSE(src.contains("endpoint")) << src.dump();
    EXPECT_EQ(row.at("state"), 10);  // TCP_LISTEN
  }
  EXPECT_EQ(found, 1) << out;

  Child columns_run = spawn({IG_BINARY, "run", image, "--host", "--verify-image=false"}, store_);
  out.clear();
  err.clear();
  ASSERT_EQ(finish(columns_run, out, err), 0) << err;
  // As upstream: the netns field brings the runtime fields, RUNTIME.CONTAINERNAME first.
  const std::string header = out.substr(0, out.find('\n'));
  EXPECT_EQ(header.find("RUNTIME.CONTAINERNAME"), 0u) << header;
  EXPECT_NE(header.find(" SRC "), std::string::npos) << header;
  EXPECT_NE(out.find("127.0.0.1:" + std::to_string(port) + " "), std::string::npos) << out;
  close(listener);
}

// An iterator's data source fetched periodically: the fetch-interval and fetch-count
// annotations of upstream's snapshot_process source (in a gadget.yaml of our own) give three
// arrays, the interval apart, after which ig exits.
TEST_F(NativeRun, IteratorFetchIntervalAndCountFromAnnotations) {
  const fs::path dir = fs::temp_directory_path() / ("ig-e2e-snapint-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(std::string(IG_UPSTREAM_GADGETS_DIR) + "/snapshot_process/program.bpf.c",
                dir / "program.bpf.c");
  std::ofstream(dir / "gadget.yaml") << "name: snapshot process every 200ms\n"
                                        "datasources:\n"
                                        "  processes:\n"
                                        "    annotations:\n"
                                        "      fetch-interval: 200ms\n"
                                        "      fetch-count: \"3\"\n";
  const std::string image = "e2e/snapshot_process:periodic";
  const std::string build_error =
      ig_command({IG_BINARY, "image", "build", "-t", image, dir.string()}, store_);
  fs::remove_all(dir);
  ASSERT_EQ(build_error, "");
  const auto started = Clock::now();
  Child child =
      spawn({IG_BINARY, "run", image, "-o", "json", "--host", "--verify-image=false"}, store_);
  std::string out, err;
  ASSERT_EQ(finish(child, out, err), 0) << err;
  EXPECT_GE(Clock::now() - started, std::chrono::milliseconds(600));
  std::istringstream lines(out);
  int batches = 0;
  for (std::string line; std::getline(lines, line);) {
    auto rows = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(rows.is_array()) << line.substr(0, 200);
    ++batches;
    EXPECT_TRUE(std::any_of(rows.begin(), rows.end(), [](const auto &r) {
      return r.at("pid").template get<int64_t>() == getpid();
    }));
  }
  EXPECT_EQ(batches, 3);
}

// --annotate sets data source and field annotations at run time, over gadget.yaml's: here a
// column alias, a hidden column and a filter on the renamed field.
TEST_F(NativeRun, AnnotateOverridesGadgetYaml) {
  Child child = spawn({IG_BINARY, "run", kImage, "--timeout", "1", "--host", "--public-keys",
                       public_key_path(store_), "--annotate",
                       "fchmodat.filename:columns.alias=path,fchmodat.mode:columns.hidden=true"},
                      store_);
  std::string out, err;
  ASSERT_EQ(finish(child, out, err), 0) << err;
  const std::string header = out.substr(0, out.find('\n'));
  EXPECT_NE(header.find("PATH"), std::string::npos) << header;
  EXPECT_EQ(header.find("FILENAME"), std::string::npos) << header;
  EXPECT_EQ(header.find("MODE"), std::string::npos) << header;
  child = spawn({IG_BINARY, "run", kImage, "--timeout", "1", "--annotate", "fchmodat.mode",
                 "--public-keys", public_key_path(store_)},
                store_);
  out.clear();
  err.clear();
  EXPECT_NE(finish(child, out, err), 0);
  EXPECT_NE(err.find("--annotate \"fchmodat.mode\""), std::string::npos) << err;
}

}  // namespace
