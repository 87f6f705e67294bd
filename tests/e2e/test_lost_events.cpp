// Lost-event accounting of `ig run` on a real kernel, with the bench/events getpgid gadget (one
// event per getpgid(2) call whose argument is >= 0x40000000, so this test knows exactly how
// many events it generated). A 4 KiB ring buffer and a generator sharing the CPU with ig
// provoke losses; every generated event must then be either delivered or counted as lost, and
// the count must be on stderr while running and in the summary at exit.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kImage = "e2e/bench_getpgid:test";
constexpr long kArgBase = 0x40000000L;

std::string read_all(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `args` with IG_OCI_STORE=store, stdout and stderr to files; returns the pid.
pid_t spawn(const std::vector<std::string>& args, const fs::path& store, const fs::path& out,
            const fs::path& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> env_storage = {"IG_OCI_STORE=" + store.string()};
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, "IG_OCI_STORE=", 13) != 0) env_storage.emplace_back(*e);
  }
  std::vector<char*> env;
  for (auto& e : env_storage) env.push_back(e.data());
  env.push_back(nullptr);
  std::vector<std::string> args_storage = args;
  std::vector<char*> argv;
  for (auto& a : args_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error(std::string("posix_spawn: ") + std::strerror(rc));
  return pid;
}

// Waits up to `seconds` for the child; kills it after that. Returns its exit code.
int wait_exit(pid_t pid, int seconds) {
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool has_bpf_link(pid_t pid) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fdinfo", ec)) {
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("link_id:")) return true;
    }
  }
  return false;
}

struct Outcome {
  int exit_code = -1;
  long delivered = 0;          // JSON rows with one of our arguments
  long duplicates = 0;         // rows whose argument was already seen
  long lost_total = -1;        // "lost N events in total", -1 if absent
  long lost_while_running = 0;  // sum of the "lost N events" lines
  std::string stderr_text;
};

class LostEvents : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("ig-e2e-lost-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const pid_t pid = spawn({IG_BINARY, "image", "build", "-t", kImage, IG_BENCH_GADGET_DIR},
                            dir_ / "store", dir_ / "build.out", dir_ / "build.err");
    if (wait_exit(pid, 300) != 0) build_error_ = read_all(dir_ / "build.err");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "the e2e tests load BPF programs and must run as root";
    ASSERT_TRUE(build_error_.empty()) << build_error_;
  }

  // Runs the gadget, makes `events` getpgid calls (spaced by `gap` if non-zero), stops ig with
  // SIGINT and reads what it printed. With `share_cpu`, ig and the calling thread are pinned to
  // one CPU so that ig cannot read while the calls run.
  Outcome run(const std::vector<std::string>& extra_args, long events, bool share_cpu,
              std::chrono::microseconds gap) {
    std::vector<std::string> args = {IG_BINARY, "run", kImage, "-o", "json", "--verify-image=false", "--host"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    const pid_t pid = spawn(args, dir_ / "store", dir_ / "run.out", dir_ / "run.err");
    Outcome o;
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (!has_bpf_link(pid) && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!has_bpf_link(pid)) {
      kill(pid, SIGKILL);
      wait_exit(pid, 5);
      o.stderr_text = "ig never attached:\n" + read_all(dir_ / "run.err");
      return o;
    }
    std::thread generator([&] {
      if (share_cpu) {
        cpu_set_t cpus;
        CPU_ZERO(&cpus);
        CPU_SET(0, &cpus);
        sched_setaffinity(pid, sizeof cpus, &cpus);
        sched_setaffinity(0, sizeof cpus, &cpus);
      }
      for (long i = 0; i < events; ++i) {
        syscall(SYS_getpgid, kArgBase + i);
        if (gap.count() > 0) std::this_thread::sleep_for(gap);
      }
    });
    generator.join();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // past one loss report
    kill(pid, SIGINT);
    o.exit_code = wait_exit(pid, 30);
    o.stderr_text = read_all(dir_ / "run.err");

    std::set<long> seen;
    std::ifstream out(dir_ / "run.out");
    for (std::string line; std::getline(out, line);) {
      const auto row = nlohmann::json::parse(line, nullptr, false);
      if (row.is_discarded() || !row.contains("arg")) continue;
      const long arg = row["arg"].get<long>();
      if (arg < kArgBase || arg >= kArgBase + events) continue;
      ++o.delivered;
      if (!seen.insert(arg).second) ++o.duplicates;
    }
    const std::regex running(R"(^warning: lost (\d+) events$)");
    const std::regex total(R"(^warning: lost (\d+) events in total$)");
    std::istringstream err(o.stderr_text);
    for (std::string line; std::getline(err, line);) {
      std::smatch m;
      if (std::regex_match(line, m, running)) o.lost_while_running += std::stol(m[1]);
      if (std::regex_match(line, m, total)) o.lost_total = std::stol(m[1]);
    }
    return o;
  }

  static fs::path dir_;
  static std::string build_error_;
};

fs::path LostEvents::dir_;
std::string LostEvents::build_error_;

TEST_F(LostEvents, EveryEventIsDeliveredOrCountedLost) {
  constexpr long kEvents = 200000;
  // 4 KiB holds about 85 events of 48 bytes: losses are certain while ig cannot run.
  const Outcome o = run({"--events-max-entries", "4096"}, kEvents, true, {});
  ASSERT_EQ(o.exit_code, 0) << o.stderr_text;
  EXPECT_EQ(o.duplicates, 0);
  ASSERT_GT(o.lost_total, 0) << "no loss reported; delivered " << o.delivered << "\n"
                             << o.stderr_text;
  EXPECT_EQ(o.delivered + o.lost_total, kEvents) << o.stderr_text;
  EXPECT_EQ(o.lost_while_running, o.lost_total) << o.stderr_text;
}

TEST_F(LostEvents, NoLossMeansNoWarning) {
  constexpr long kEvents = 2000;
  const Outcome o = run({}, kEvents, false, std::chrono::microseconds(100));
  ASSERT_EQ(o.exit_code, 0) << o.stderr_text;
  EXPECT_EQ(o.delivered, kEvents) << o.stderr_text;
  EXPECT_EQ(o.duplicates, 0);
  EXPECT_EQ(o.lost_total, -1) << o.stderr_text;
  EXPECT_EQ(o.lost_while_running, 0) << o.stderr_text;
}

}  // namespace
