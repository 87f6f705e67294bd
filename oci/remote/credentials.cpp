#include "oci/remote/credentials.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "oci/remote/http_client.hpp"
#include "util/error.hpp"
#include "util/json.hpp"

extern char** environ;

namespace ig::oci::remote {

namespace {

namespace fs = std::filesystem;

constexpr const char* kIgDefaultAuthFile = "/var/lib/ig/config.json";
constexpr const char* kDockerHubKey = "https://index.docker.io/v1/";

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// What the registry is called inside credential files.
std::string server_key(const std::string& registry) {
  return registry == "docker.io" || registry == "registry-1.docker.io" ? kDockerHubKey : registry;
}

// Legacy keys look like "https://host/v1/": compare on host[:port] only.
std::string normalise_key(std::string key) {
  if (auto p = key.find("://"); p != std::string::npos) {
    key = key.substr(p + 3);
    if (auto slash = key.find('/'); slash != std::string::npos) key = key.substr(0, slash);
  }
  while (!key.empty() && key.back() == '/') key.pop_back();
  return key;
}

struct HelperResult {
  int status = -1;
  std::string out;
};

HelperResult run_helper(const std::string& helper, const std::string& server) {
  std::string program = "docker-credential-" + helper;
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0)
    throw Error(ErrorCode::Io, program + ": cannot create pipes");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  char* argv[] = {program.data(), const_cast<char*>("get"), nullptr};
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  if (rc != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    throw Error(ErrorCode::NotFound, "credential helper " + program + " not found in PATH");
  }
  // The server name is tiny: it fits in the pipe buffer, so writing before reading is safe.
  ssize_t ignored = write(in_pipe[1], server.data(), server.size());
  (void)ignored;
  close(in_pipe[1]);
  HelperResult result;
  char buf[4096];
  ssize_t n;
  while ((n = read(out_pipe[0], buf, sizeof buf)) > 0) result.out.append(buf, static_cast<size_t>(n));
  close(out_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::optional<Credential> from_helper(const std::string& helper, const std::string& server) {
  HelperResult r = run_helper(helper, server);
  if (r.status != 0) {
    if (r.out.find("credentials not found") != std::string::npos) return std::nullopt;
    std::string first_line = r.out.substr(0, r.out.find('\n'));
    throw Error(ErrorCode::Unauthorized, "credential helper docker-credential-" + helper +
                                             " failed for " + server + ": " + first_line);
  }
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_object())
    throw Error(ErrorCode::Unauthorized, "credential helper docker-credential-" + helper +
                                             " returned malformed output for " + server);
  Credential c;
  std::string user = json_string(j, "Username");
  std::string secret = json_string(j, "Secret");
  if (user == "<token>") {
    c.identity_token = secret;
  } else {
    c.username = user;
    c.password = secret;
  }
  return c;
}

Credential from_auth_entry(const nlohmann::json& entry, const std::string& file, const std::string& key) {
  Credential c;
  if (!entry.is_object()) throw Error(ErrorCode::InvalidArgument, file + ": auths." + key + ": not an object");
  if (auto a = json_string(entry, "auth"); !a.empty()) {
    std::string decoded;
    try {
      decoded = base64_decode(a);
    } catch (const Error&) {
      throw Error(ErrorCode::InvalidArgument, file + ": auths." + key + ".auth: invalid base64");
    }
    auto colon = decoded.find(':');
    if (colon == std::string::npos)
      throw Error(ErrorCode::InvalidArgument, file + ": auths." + key + ".auth: not \"user:password\"");
    c.username = decoded.substr(0, colon);
    c.password = decoded.substr(colon + 1);
  }
  if (c.username.empty()) c.username = json_string(entry, "username");
  if (c.password.empty()) c.password = json_string(entry, "password");
  c.identity_token = json_string(entry, "identitytoken");
  c.registry_token = json_string(entry, "registrytoken");
  return c;
}

std::optional<Credential> lookup_in_file(const std::string& file, const std::string& registry,
                                         const std::string& repository) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  auto config = nlohmann::json::parse(ss.str(), nullptr, false);
  if (!config.is_object()) throw Error(ErrorCode::InvalidArgument, file + ": not a JSON object");
  const std::string server = server_key(registry);

  if (auto helpers = config.find("credHelpers"); helpers != config.end() && helpers->is_object()) {
    for (const auto& [key, helper] : helpers->items()) {
      if (normalise_key(key) == normalise_key(server) && helper.is_string())
        return from_helper(helper.get<std::string>(), server);
    }
  }
  if (auto store = config.find("credsStore"); store != config.end() && store->is_string() &&
                                              !store->get<std::string>().empty()) {
    if (auto c = from_helper(store->get<std::string>(), server)) return c;
  }
  auto auths = config.find("auths");
  if (auths == config.end() || !auths->is_object()) return std::nullopt;
  // containers auth.json allows namespace keys: most specific first, then the host.
  std::string scope = registry + "/" + repository;
  while (true) {
    if (auto it = auths->find(scope); it != auths->end()) return from_auth_entry(*it, file, scope);
    auto slash = scope.rfind('/');
    if (slash == std::string::npos) break;
    scope = scope.substr(0, slash);
  }
  for (const auto& [key, entry] : auths->items()) {
    if (normalise_key(key) == normalise_key(server)) return from_auth_entry(entry, file, key);
  }
  return std::nullopt;
}

}  // namespace

std::string login_file(const RegistryOptions& options) {
  if (!options.authfile.empty()) return options.authfile;
  if (auto f = env("REGISTRY_AUTH_FILE"); !f.empty()) return f;
  return kIgDefaultAuthFile;
}

std::vector<std::string> credential_files(const RegistryOptions& options) {
  if (!options.authfile.empty() || !env("REGISTRY_AUTH_FILE").empty()) return {login_file(options)};
  std::error_code ec;
  if (fs::exists(kIgDefaultAuthFile, ec)) return {kIgDefaultAuthFile};
  std::vector<std::string> files;
  if (auto d = env("DOCKER_CONFIG"); !d.empty())
    files.push_back(d + "/config.json");
  else if (auto home = env("HOME"); !home.empty())
    files.push_back(home + "/.docker/config.json");
  if (auto xdg = env("XDG_RUNTIME_DIR"); !xdg.empty())
    files.push_back(xdg + "/containers/auth.json");
  else
    files.push_back("/run/containers/" + std::to_string(getuid()) + "/auth.json");
  return files;
}

std::optional<Credential> find_credential(const RegistryOptions& options, const std::string& registry,
                                          const std::string& repository) {
  for (const auto& file : credential_files(options)) {
    if (auto c = lookup_in_file(file, registry, repository)) return c;
  }
  return std::nullopt;
}

namespace {

// "host" of "host[:port]" ("[v6]:port" keeps its brackets).
std::string host_of(const std::string& host_port) {
  if (!host_port.empty() && host_port.front() == '[') return host_port.substr(0, host_port.find(']') + 1);
  const size_t colon = host_port.find(':');
  return colon == std::string::npos ? host_port : host_port.substr(0, colon);
}

}  // namespace

bool plain_http_allowed(const std::string& host_port, const std::vector<std::string>& insecure_registries) {
  return std::any_of(insecure_registries.begin(), insecure_registries.end(), [&](const std::string& listed) {
    return host_of(listed) == host_of(host_port);
  });
}

}  // namespace ig::oci::remote
