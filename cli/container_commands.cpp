// `ig list-containers [-w]`: the containers enrichment sees, read from the same sources as
// `ig run` (runner/enrich), printed as upstream prints them.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <tuple>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/container_flags.hpp"
#include "runner/format/text.hpp"
#include "util/error.hpp"

namespace ig::cli {
namespace {

using runner::enrich::Container;

struct ListOptions {
  runner::enrich::SourceOptions sources;
  std::vector<std::string> names;
  bool watch = false;
  std::string output = "columns";
  int timeout_seconds = 0;
};

nlohmann::json container_json(const Container& c) {
  nlohmann::json runtime = {{"runtimeName", c.runtime}, {"containerId", c.id}, {"containerName", c.name}};
  if (c.pid != 0) runtime["containerPid"] = c.pid;
  if (!c.image.empty()) runtime["containerImageName"] = c.image;
  if (!c.image_digest.empty()) runtime["containerImageDigest"] = c.image_digest;
  nlohmann::json out = {{"runtime", runtime}, {"pid", c.pid}, {"mntns", c.mntns}, {"netns", c.netns}};
  // Upstream's k8s object, its empty members left out (omitempty).
  nlohmann::json k8s = nlohmann::json::object();
  const auto put = [&k8s](const char* key, const std::string& value) {
    if (!value.empty()) k8s[key] = value;
  };
  put("namespace", c.k8s.namespace_name);
  put("podName", c.k8s.pod_name);
  put("containerName", c.k8s.container_name);
  put("podUID", c.k8s.pod_uid);
  if (!c.k8s.pod_labels.empty()) k8s["podLabels"] = c.k8s.pod_labels;
  if (!k8s.empty()) out["k8s"] = k8s;
  return out;
}

// Go's time.RFC3339 in local time, as upstream stamps watch events.
std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  std::string stamp;
  runner::format::append_go_time(stamp, std::chrono::duration_cast<std::chrono::nanoseconds>(now).count(),
                                 "2006-01-02T15:04:05Z07:00");
  return stamp;
}

std::string padded(const std::string& text, size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size() + 1, ' ');
}

// Columns sized to their widest cell, as upstream's table; the last is not padded.
void print_table(const std::vector<Container>& containers) {
  const std::vector<std::string> header = {"RUNTIME.RUNTIMENAME", "RUNTIME.CONTAINERID", "RUNTIME.CONTAINERNAME"};
  std::vector<size_t> width = {header[0].size(), header[1].size()};
  for (const auto& c : containers) {
    width[0] = std::max(width[0], c.runtime.size());
    width[1] = std::max(width[1], c.id.size());
  }
  std::cout << padded(header[0], width[0]) << padded(header[1], width[1]) << header[2] << "\n";
  for (const auto& c : containers) std::cout << padded(c.runtime, width[0]) << padded(c.id, width[1]) << c.name << "\n";
}

void list_once(runner::enrich::ContainerCache& cache, const ListOptions& options) {
  runner::enrich::NameSelector selector(options.names);
  std::vector<Container> containers;
  for (const auto& c : cache.containers()) {
    if (selector.matches(c->name)) containers.push_back(*c);
  }
  std::sort(containers.begin(), containers.end(), [](const Container& a, const Container& b) {
    return std::tie(a.runtime, a.name) < std::tie(b.runtime, b.name);
  });
  if (options.output == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : containers) list.push_back(container_json(c));
    std::cout << list.dump(2) << "\n";
    return;
  }
  print_table(containers);
}

void print_event(const ListOptions& options, const char* event, const Container& c) {
  const std::string stamp = rfc3339_now();
  if (options.output == "json") {
    nlohmann::json line = {{"timestamp", stamp}, {"event", event}, {"container", container_json(c)}};
    std::cout << line.dump(2) << std::endl;
    return;
  }
  std::cout << padded(stamp, 25) << padded(event, 7) << padded(c.runtime, 19) << padded(c.id, 64) << c.name
            << std::endl;
}

// Blocks SIGINT and SIGTERM in every thread (call before any starts) so that the main thread
// can wait for them with sigtimedwait.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

void watch(runner::enrich::ContainerCache& cache, const ListOptions& options, const sigset_t& stop) {
  runner::enrich::NameSelector selector(options.names);
  if (options.output != "json") {
    std::cout << padded("TIMESTAMP", 25) << padded("EVENT", 7) << padded("RUNTIME.RUNTIMENAME", 19)
              << padded("RUNTIME.CONTAINERID", 64) << "RUNTIME.CONTAINERNAME" << std::endl;
  }
  cache.on_added([&](const Container& c) {
    if (selector.matches(c.name)) print_event(options, "CREATED", c);
  });
  cache.on_stopped([&](const Container& c) {
    if (selector.matches(c.name)) print_event(options, "DELETED", c);
  });
  cache.watch(runner::enrich::watch_dirs(options.sources), std::chrono::seconds(1));
  struct timespec limit = {options.timeout_seconds, 0};
  sigtimedwait(&stop, nullptr, options.timeout_seconds > 0 ? &limit : nullptr);
  cache.on_added(nullptr);  // the watcher may still run until the cache is destroyed
  cache.on_stopped(nullptr);
}

}  // namespace

void add_list_containers_command(CLI::App& app, Configuration& config) {
  auto* cmd = app.add_subcommand("list-containers", "List all containers");
  auto options = std::make_shared<ListOptions>();
  add_container_source_flags(*cmd, options->sources, config);
  cmd->add_option("-c,--containername", options->names,
                  "Show only containers with these names (comma separated; !name excludes)")
      ->delimiter(',');
  cmd->add_flag("-w,--watch", options->watch, "After listing the containers, watch for new containers");
  cmd->add_option("-o,--output", options->output, "Output mode: columns, json")
      ->check(CLI::IsMember({"columns", "json"}))
      ->capture_default_str();
  cmd->add_option("-t,--timeout", options->timeout_seconds,
                  "With --watch, seconds to watch for (0 = until interrupted)")
      ->capture_default_str();
  cmd->callback([options] {
    const sigset_t stop = block_stop_signals();
    const auto warn = [](const std::string& line) { std::cerr << "warning: " << line << "\n"; };
    runner::enrich::ContainerCache cache(runner::enrich::make_sources(options->sources, warn), warn);
    cache.refresh();
    if (options->watch) {
      watch(cache, *options, stop);
    } else {
      list_once(cache, *options);
    }
  });
}

}  // namespace ig::cli
