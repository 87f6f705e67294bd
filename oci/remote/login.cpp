#include "oci/remote/login.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "oci/remote/client.hpp"
#include "util/error.hpp"

namespace ig::oci::remote {
namespace {

namespace fs = std::filesystem;

// The credentials file as JSON; an absent file is an empty one.
nlohmann::json read_config(const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    if (errno == ENOENT) return nlohmann::json::object();
    throw Error(ErrorCode::Io, file + ": " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto config = nlohmann::json::parse(text.str(), nullptr, false);
  if (!config.is_object()) throw Error(ErrorCode::InvalidArgument, file + ": not a JSON object");
  if (config.contains("auths") && !config["auths"].is_object())
    throw Error(ErrorCode::InvalidArgument, file + ": \"auths\" is not an object");
  return config;
}

// Writes `config` next to `file` (0600, fsynced) and returns the temporary's path.
std::string write_temporary(const std::string& file, const nlohmann::json& config) {
  const fs::path dir = fs::path(file).parent_path().empty() ? fs::path(".") : fs::path(file).parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string tmp = file + ".tmp-" + std::to_string(std::random_device{}());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(ErrorCode::Io, tmp + ": " + std::strerror(errno));
  const std::string text = config.dump(1, '\t') + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    throw Error(ErrorCode::Io, tmp + ": " + std::strerror(saved));
  }
  return tmp;
}

void replace_file(const std::string& tmp, const std::string& file) {
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    throw Error(ErrorCode::Io, file + ": " + std::strerror(saved));
  }
}

// GET /v2/ with the credentials of `options`: 200 once authenticated as the registry asks.
void check_access(const std::string& registry, const RegistryOptions& options) {
  RegistryClient client(registry, "", options);
  Request request;
  request.url = client.base_url() + "/v2/";
  Response response = client.send(request, {});
  if (response.status == 401) {
    throw Error(ErrorCode::Unauthorized, registry + ": authentication failed: the registry refused the credentials");
  }
  if (response.status != 200) throw_response_error(registry + ": GET /v2/", response);
}

}  // namespace

void login(const std::string& registry, const std::string& username, const std::string& password,
           const RegistryOptions& options) {
  const std::string file = login_file(options);
  nlohmann::json config = read_config(file);
  config["auths"][registry] = {{"auth", base64_encode(username + ":" + password)}};
  // The registry judges the new file before it replaces the old one.
  const std::string tmp = write_temporary(file, config);
  try {
    RegistryOptions with_new_login = options;
    with_new_login.authfile = tmp;
    check_access(registry, with_new_login);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  replace_file(tmp, file);
}

void logout(const std::string& registry, const RegistryOptions& options) {
  const std::string file = login_file(options);
  nlohmann::json config = read_config(file);
  if (!config.contains("auths") || config["auths"].erase(registry) == 0) {
    throw Error(ErrorCode::NotFound, "not logged into " + registry + " (" + file + ")");
  }
  replace_file(write_temporary(file, config), file);
}

}  // namespace ig::oci::remote
