#include "runner/enrich/sources.hpp"

#include <curl/curl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runner/enrich/cri/pod_labels.hpp"
#include "util/error.hpp"
#include "util/host_root.hpp"

namespace ig::runner::enrich {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

uint64_t namespace_of(uint32_t pid, const char* kind) {
  struct stat st;
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/" + kind;
  if (pid == 0 || stat(path.c_str(), &st) != 0) return 0;
  return st.st_ino;
}

}  // namespace

uint64_t mntns_of(uint32_t pid) { return namespace_of(pid, "mnt"); }
uint64_t netns_of(uint32_t pid) { return namespace_of(pid, "net"); }

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string string_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The name a container had under its engine, from the OCI annotations engines write.
constexpr const char* kNameAnnotations[] = {"io.kubernetes.cri.container-name",
                                            "io.kubernetes.container.name", "nerdctl/name",
                                            "io.podman.annotations.name", "io.container.name"};

// ---------------------------------------------------------------------------------------------
// Docker Engine API

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

class DockerApiSource : public ContainerSource {
 public:
  DockerApiSource(std::string runtime, std::string socket)
      : runtime_(std::move(runtime)), socket_(std::move(socket)) {}

  std::string describe() const override { return runtime_ + " (" + socket_ + ")"; }
  int rank() const override { return 0; }
  bool present() const override { return fs::exists(socket_); }

  std::vector<Container> list(const std::function<void(const std::string&)>& warn) override {
    long status = 0;
    std::string body = get("/v1.40/containers/json", status);
    if (status != 200) {
      throw Error(ErrorCode::Io,
                  describe() + ": GET /containers/json: HTTP " + std::to_string(status));
    }
    json list = json::parse(body, nullptr, false);
    if (!list.is_array()) {
      throw Error(ErrorCode::Io, describe() + ": GET /containers/json: not a JSON array");
    }
    std::vector<Container> out;
    std::map<std::string, Container> seen;
    const auto pods = sandbox_labels(list);
    for (const auto& item : list) {
      Container c;
      c.id = string_at(item, "Id");
      if (c.id.empty()) continue;
      c.pod_sandbox = is_sandbox(item);
      c.runtime = runtime_;
      c.image = string_at(item, "Image");
      c.image_digest = string_at(item, "ImageID");
      if (auto labels = item.find("Labels"); labels != item.end() && labels->is_object()) {
        read_kubernetes_metadata([&](const char* key) { return string_at(*labels, key); }, c.k8s);
      }
      if (auto pod = pods.find(c.k8s.pod_uid); !c.k8s.pod_uid.empty() && pod != pods.end()) {
        c.k8s.pod_labels = pod->second;
      }
      if (auto names = item.find("Names");
          names != item.end() && names->is_array() && !names->empty() && (*names)[0].is_string()) {
        c.name = (*names)[0].get<std::string>();
        if (!c.name.empty() && c.name[0] == '/') c.name.erase(0, 1);
      }
      // The init pid of a running container never changes: inspect each id once.
      if (auto it = inspected_.find(c.id); it != inspected_.end()) {
        c.pid = it->second;
      } else {
        std::string detail = get("/v1.40/containers/" + c.id + "/json", status);
        if (status != 200) {
          warn(describe() + ": container " + c.id.substr(0, 12) + " vanished while listing (HTTP " +
               std::to_string(status) + ")");
          continue;
        }
        json info = json::parse(detail, nullptr, false);
        auto state = info.is_object() ? info.find("State") : info.end();
        if (info.is_object() && state != info.end() && state->is_object() &&
            state->contains("Pid") && (*state)["Pid"].is_number_unsigned()) {
          c.pid = (*state)["Pid"].get<uint32_t>();
        }
        if (c.pid != 0) inspected_[c.id] = c.pid;
      }
      c.mntns = mntns_of(c.pid);
      c.netns = netns_of(c.pid);
      if (c.mntns == 0) {
        inspected_.erase(c.id);
        continue;  // stopped between list and now
      }
      seen[c.id] = c;
      out.push_back(std::move(c));
    }
    // Forget inspected ids that are no longer listed.
    for (auto it = inspected_.begin(); it != inspected_.end();) {
      it = seen.count(it->first) ? std::next(it) : inspected_.erase(it);
    }
    return out;
  }

 private:
  // A pod's sandbox (pause) container, as cri-dockerd labels it: it holds the pod's labels.
  static bool is_sandbox(const json& item) {
    const auto labels = item.find("Labels");
    return labels != item.end() && labels->is_object() &&
           string_at(*labels, "io.kubernetes.docker.type") == "podsandbox";
  }

  // pod uid -> the pod's labels, from the sandboxes in `list`.
  static std::map<std::string, std::map<std::string, std::string>> sandbox_labels(const json& list) {
    std::map<std::string, std::map<std::string, std::string>> pods;
    for (const auto& item : list) {
      if (!is_sandbox(item)) continue;
      std::map<std::string, std::string> labels;
      for (const auto& [key, value] : item["Labels"].items()) {
        if (value.is_string()) labels.emplace(key, value.get<std::string>());
      }
      const auto uid = labels.find("io.kubernetes.pod.uid");
      if (uid != labels.end()) pods[uid->second] = pod_labels_of_sandbox(labels);
    }
    return pods;
  }

  std::string get(const std::string& path, long& status) {
    struct CurlDeleter {
      void operator()(CURL* c) const { curl_easy_cleanup(c); }
    };
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) throw Error(ErrorCode::Internal, "curl_easy_init failed");
    std::string body;
    const std::string url = "http://localhost" + path;
    curl_easy_setopt(curl.get(), CURLOPT_UNIX_SOCKET_PATH, socket_.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    // Enrichment runs in the event loop: an engine that hangs must not stall the output.
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, 500L);
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 2000L);
    CURLcode rc = curl_easy_perform(curl.get());
    if (rc != CURLE_OK) {
      throw Error(ErrorCode::Io, describe() + ": GET " + path + ": " + curl_easy_strerror(rc));
    }
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    return body;
  }

  std::string runtime_;
  std::string socket_;
  std::map<std::string, uint32_t> inspected_;  // id -> init pid
};

// ---------------------------------------------------------------------------------------------
// containerd task state

uint32_t parse_pid(const std::string& text) {
  try {
    unsigned long v = std::stoul(text);
    return v > 0 && v < (1UL << 31) ? static_cast<uint32_t>(v) : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

// A pod's sandbox as containerd's CRI plugin and CRI-O annotate it: not a workload.
bool is_pod_sandbox(const std::string& config_json_text) {
  const json cfg = json::parse(config_json_text, nullptr, false);
  if (!cfg.is_object() || !cfg.contains("annotations") || !cfg["annotations"].is_object()) return false;
  const json& annotations = cfg["annotations"];
  return string_at(annotations, "io.kubernetes.cri.container-type") == "sandbox" ||
         string_at(annotations, "io.kubernetes.cri-o.ContainerType") == "sandbox";
}

void add_pod_labels(CriPodLabels* pod_labels, KubernetesMetadata& k8s) {
  if (pod_labels && !k8s.pod_uid.empty()) k8s.pod_labels = pod_labels->of(k8s.pod_uid);
}

class ContainerdStateSource : public ContainerSource {
 public:
  ContainerdStateSource(std::string root, std::string only_namespace,
                        std::shared_ptr<CriPodLabels> pod_labels)
      : root_(std::move(root)),
        tasks_(fs::path(root_) / "io.containerd.runtime.v2.task"),
        only_namespace_(std::move(only_namespace)),
        pod_labels_(std::move(pod_labels)) {}

  std::string describe() const override { return "containerd (" + tasks_.string() + ")"; }
  int rank() const override { return 1; }
  bool present() const override { return fs::is_directory(tasks_); }

  std::vector<Container> list(const std::function<void(const std::string&)>&) override {
    std::vector<Container> out;
    std::error_code ec;
    if (!fs::is_directory(tasks_, ec)) return out;
    for (const auto& ns : fs::directory_iterator(tasks_, ec)) {
      if (!only_namespace_.empty() && ns.path().filename() != only_namespace_) continue;
      std::error_code ec2;
      for (const auto& dir : fs::directory_iterator(ns.path(), ec2)) {
        Container c;
        c.id = dir.path().filename().string();
        c.runtime = "containerd";
        c.pid = parse_pid(read_text(dir.path() / "init.pid"));
        c.mntns = mntns_of(c.pid);
        c.netns = netns_of(c.pid);
        if (c.mntns == 0) continue;
        const std::string config = read_text(dir.path() / "config.json");
        c.pod_sandbox = is_pod_sandbox(config);
        c.name = name_from_annotations(config);
        kubernetes_from_config(config, c.k8s);
        add_pod_labels(pod_labels_.get(), c.k8s);
        if (c.name.empty()) c.name = c.id;
        out.push_back(std::move(c));
      }
    }
    return out;
  }

 private:
  std::string root_;
  fs::path tasks_;
  std::string only_namespace_;
  std::shared_ptr<CriPodLabels> pod_labels_;
};

// ---------------------------------------------------------------------------------------------
// OCI runtime state dirs

// Podman (and other containers/storage users) put no name in the OCI config, but keep it in
// the storage's containers.json next to the bundle: <root>/<driver>-containers/<id>/userdata.
std::string name_from_storage(const fs::path& bundle, const std::string& id) {
  if (bundle.filename() != "userdata" || bundle.parent_path().filename() != id) return {};
  json list = json::parse(read_text(bundle.parent_path().parent_path() / "containers.json"),
                          nullptr, false);
  if (!list.is_array()) return {};
  for (const auto& c : list) {
    if (!c.is_object() || string_at(c, "id") != id) continue;
    auto names = c.find("names");
    if (names != c.end() && names->is_array() && !names->empty() && (*names)[0].is_string()) {
      return (*names)[0].get<std::string>();
    }
  }
  return {};
}

bool managed_by_podman(const std::string& config_json_text) {
  json cfg = json::parse(config_json_text, nullptr, false);
  if (!cfg.is_object() || !cfg.contains("annotations") || !cfg["annotations"].is_object()) {
    return false;
  }
  return string_at(cfg["annotations"], "io.container.manager") == "libpod";
}

class OciStateSource : public ContainerSource {
 public:
  OciStateSource(std::string runtime, std::string root, std::shared_ptr<CriPodLabels> pod_labels)
      : runtime_(std::move(runtime)), root_(std::move(root)), pod_labels_(std::move(pod_labels)) {}

  std::string describe() const override { return runtime_ + " state (" + root_ + ")"; }
  int rank() const override { return 2; }
  bool present() const override { return fs::is_directory(root_); }

  std::vector<Container> list(const std::function<void(const std::string&)>&) override {
    std::vector<Container> out;
    std::error_code ec;
    if (!fs::is_directory(root_, ec)) return out;
    for (const auto& dir : fs::directory_iterator(root_, ec)) {
      Container c;
      c.id = dir.path().filename().string();
      c.runtime = runtime_;
      std::string bundle;
      // runc: state.json {init_process_pid, config.labels ["bundle=..."]};
      // crun: status {pid, bundle}.
      json state = json::parse(read_text(dir.path() / "state.json"), nullptr, false);
      if (state.is_object()) {
        if (state.contains("init_process_pid") && state["init_process_pid"].is_number_unsigned()) {
          c.pid = state["init_process_pid"].get<uint32_t>();
        }
        if (auto cfg = state.find("config"); cfg != state.end() && cfg->is_object()) {
          if (auto labels = cfg->find("labels"); labels != cfg->end() && labels->is_array()) {
            for (const auto& l : *labels) {
              if (l.is_string() && l.get<std::string>().starts_with("bundle=")) {
                bundle = l.get<std::string>().substr(7);
              }
            }
          }
        }
      } else {
        json status = json::parse(read_text(dir.path() / "status"), nullptr, false);
        if (!status.is_object()) continue;
        if (status.contains("pid") && status["pid"].is_number_unsigned()) {
          c.pid = status["pid"].get<uint32_t>();
        }
        bundle = string_at(status, "bundle");
      }
      c.mntns = mntns_of(c.pid);
      c.netns = netns_of(c.pid);
      if (c.mntns == 0) continue;
      if (!bundle.empty()) {
        bundle = host_path(bundle);  // the runtime wrote a path of the host's
        const std::string config = read_text(fs::path(bundle) / "config.json");
        c.pod_sandbox = is_pod_sandbox(config);
        c.name = name_from_annotations(config);
        kubernetes_from_config(config, c.k8s);
        add_pod_labels(pod_labels_.get(), c.k8s);
        if (c.name.empty()) c.name = name_from_storage(bundle, c.id);
        if (managed_by_podman(config)) c.runtime = "podman";
      }
      if (c.name.empty()) c.name = c.id;
      out.push_back(std::move(c));
    }
    return out;
  }

 private:
  std::string runtime_;
  std::string root_;
  std::shared_ptr<CriPodLabels> pod_labels_;
};

}  // namespace

void kubernetes_from_config(const std::string& config_json_text, KubernetesMetadata& k8s) {
  if (config_json_text.empty()) return;
  const json cfg = json::parse(config_json_text, nullptr, false);
  if (!cfg.is_object() || !cfg.contains("annotations") || !cfg["annotations"].is_object()) return;
  read_kubernetes_metadata([&](const char* key) { return string_at(cfg["annotations"], key); }, k8s);
}

std::string name_from_annotations(const std::string& config_json_text) {
  if (config_json_text.empty()) return {};
  json cfg = json::parse(config_json_text, nullptr, false);
  if (!cfg.is_object()) return {};
  auto annotations = cfg.find("annotations");
  if (annotations == cfg.end() || !annotations->is_object()) return {};
  for (const char* key : kNameAnnotations) {
    std::string name = string_at(*annotations, key);
    if (!name.empty()) return name;
  }
  return {};
}

std::unique_ptr<ContainerSource> make_docker_api_source(const std::string& runtime,
                                                        const std::string& socket_path) {
  return std::make_unique<DockerApiSource>(runtime, socket_path);
}

std::unique_ptr<ContainerSource> make_containerd_state_source(const std::string& state_root,
                                                              const std::string& only_namespace,
                                                              std::shared_ptr<CriPodLabels> pod_labels) {
  return std::make_unique<ContainerdStateSource>(state_root, only_namespace, std::move(pod_labels));
}

std::unique_ptr<ContainerSource> make_oci_state_source(const std::string& runtime,
                                                       const std::string& root,
                                                       std::shared_ptr<CriPodLabels> pod_labels) {
  return std::make_unique<OciStateSource>(runtime, root, std::move(pod_labels));
}

}  // namespace ig::runner::enrich
