#include "oci/remote/client.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/json.hpp"

namespace ig::oci::remote {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kMaxRetries = 5;
constexpr auto kBackoffStart = std::chrono::milliseconds(250);
constexpr auto kBackoffMax = std::chrono::milliseconds(3000);
constexpr auto kRetryAfterMax = std::chrono::seconds(60);
constexpr size_t kMaxTokenResponse = 128 * 1024;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool retryable_status(long status) {
  return status == 408 || status == 429 || (status >= 500 && status != 501 && status != 505);
}

std::string scope_key(std::vector<std::string> scopes) {
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  std::string key;
  for (const auto& s : scopes) key += (key.empty() ? "" : " ") + s;
  return key;
}

std::vector<std::string> split_spaces(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// One warning per host and process, however many requests and clients carry the secret.
void warn_once(const RegistryOptions& options, const std::string& host) {
  static std::mutex mutex;
  static std::set<std::string> warned;
  std::lock_guard lock(mutex);
  if (!options.warn || !warned.insert(host).second) return;
  options.warn("sending credentials to " + host + " over plain HTTP (listed in --insecure-registries)");
}

}  // namespace

std::vector<Challenge> parse_challenges(std::string_view h) {
  std::vector<Challenge> out;
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t' || h[i] == ',')) ++i;
  };
  auto token = [&] {
    size_t b = i;
    while (i < h.size() && h[i] != ' ' && h[i] != '\t' && h[i] != '=' && h[i] != ',') ++i;
    return std::string(h.substr(b, i - b));
  };
  while (true) {
    skip_ws();
    if (i >= h.size()) break;
    std::string word = token();
    size_t after_word = i;
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
    if (i < h.size() && h[i] == '=' && !out.empty()) {
      // A parameter of the current challenge.
      ++i;
      std::string value;
      if (i < h.size() && h[i] == '"') {
        ++i;
        while (i < h.size() && h[i] != '"') {
          if (h[i] == '\\' && i + 1 < h.size()) ++i;
          value += h[i++];
        }
        ++i;
      } else {
        size_t b = i;
        while (i < h.size() && h[i] != ',') ++i;
        value = std::string(h.substr(b, i - b));
        while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
      }
      std::string name = word;
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      out.back().params[name] = value;
    } else {
      i = after_word;
      Challenge c;
      c.scheme = word;
      std::transform(c.scheme.begin(), c.scheme.end(), c.scheme.begin(),
                     [](unsigned char ch) { return std::tolower(ch); });
      out.push_back(std::move(c));
    }
  }
  return out;
}

TlsConfig certs_d_tls(const std::string& host_port) {
  std::vector<fs::path> dirs;
  if (const char* root = std::getenv("IG_CERTS_D"); root && *root) {
    dirs.push_back(fs::path(root) / host_port);
  } else {
    dirs.push_back(fs::path("/etc/containers/certs.d") / host_port);
    dirs.push_back(fs::path("/etc/docker/certs.d") / host_port);
  }
  TlsConfig tls;
  std::string extra;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      if (f.extension() == ".crt") {
        extra += read_file(f) + "\n";
      } else if (f.extension() == ".cert" && tls.client_cert.empty()) {
        fs::path key = f;
        key.replace_extension(".key");
        if (!fs::exists(key, ec))
          throw Error(ErrorCode::NotFound, f.string() + ": client certificate without " + key.filename().string());
        tls.client_cert = f.string();
        tls.client_key = key.string();
      }
    }
  }
  if (!extra.empty()) {
    const char* system = std::getenv("SSL_CERT_FILE");
    tls.ca_bundle_pem = read_file(system && *system ? system : "/etc/ssl/certs/ca-certificates.crt");
    tls.ca_bundle_pem += "\n" + extra;
  }
  return tls;
}

std::string describe_error(const Response& response) {
  auto j = nlohmann::json::parse(response.body, nullptr, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty()) {
    std::string out;
    for (const auto& e : j["errors"]) {
      if (!e.is_object()) continue;
      std::string code = json_string(e, "code", "UNKNOWN");
      std::transform(code.begin(), code.end(), code.begin(), [](unsigned char c) {
        return c == '_' ? ' ' : std::tolower(c);
      });
      std::string part = code;
      if (auto m = json_string(e, "message"); !m.empty()) part += ": " + m;
      if (e.contains("detail") && !e["detail"].is_null()) {
        const auto& d = e["detail"];
        std::string detail =
            d.is_string() ? d.get<std::string>() : d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (!detail.empty() && detail.size() < 300) part += " (" + detail + ")";
      }
      out += (out.empty() ? "" : "; ") + part;
    }
    if (!out.empty()) return out;
  }
  return "HTTP " + std::to_string(response.status);
}

void throw_response_error(const std::string& context, const Response& response) {
  ErrorCode code = ErrorCode::Network;
  if (response.status == 401) code = ErrorCode::Unauthorized;
  if (response.status == 403) code = ErrorCode::Denied;
  if (response.status == 404) code = ErrorCode::NotFound;
  throw Error(code, context + ": " + describe_error(response));
}

RegistryClient::RegistryClient(std::string registry, std::string repository, RegistryOptions options)
    : registry_(std::move(registry)),
      repository_(std::move(repository)),
      options_(std::move(options)),
      http_(certs_d_tls) {
  bool insecure = std::find(options_.insecure_registries.begin(), options_.insecure_registries.end(),
                            registry_) != options_.insecure_registries.end();
  // Docker Hub's API lives on another host than its name.
  std::string host = registry_ == "docker.io" ? "registry-1.docker.io" : registry_;
  base_url_ = (insecure ? "http://" : "https://") + host;
}

const std::optional<Credential>& RegistryClient::credential() {
  if (!credential_loaded_) {
    credential_ = find_credential(options_, registry_, repository_);
    credential_loaded_ = true;
  }
  return credential_;
}

Response RegistryClient::send_with_retry(const Request& request) {
  auto backoff = kBackoffStart;
  for (int attempt = 0;; ++attempt) {
    std::chrono::milliseconds wait = backoff;
    try {
      Response r = http_.send(request);
      if (!request.retry || !retryable_status(r.status) || attempt == kMaxRetries) return r;
      if (r.status == 429) {
        if (auto ra = r.header("retry-after")) {
          char* end = nullptr;
          long seconds = std::strtol(ra->c_str(), &end, 10);
          if (end != ra->c_str() && seconds >= 0)
            wait = std::min<std::chrono::milliseconds>(std::chrono::seconds(seconds), kRetryAfterMax);
        }
      }
    } catch (const TransportError& e) {
      if (e.body_bytes_delivered() > 0) throw;
      if (!request.retry || !e.retryable() || attempt == kMaxRetries) throw Error(ErrorCode::Network, e.what());
    }
    std::this_thread::sleep_for(wait);
    backoff = std::min(backoff * 2, kBackoffMax);
  }
}

std::string RegistryClient::fetch_token(const std::vector<std::string>& scopes) {
  const auto& cred = credential();
  if (cred && !cred->registry_token.empty()) return cred->registry_token;
  Request req;
  std::string query = "service=" + url_escape(service_);
  const bool sends_secret = cred && (!cred->identity_token.empty() || !cred->username.empty());
  if (sends_secret) check_secret_destination(realm_);
  if (cred && !cred->identity_token.empty()) {
    // OAuth2 refresh-token grant (what `docker login` stores as identitytoken).
    req.method = "POST";
    req.url = realm_;
    req.headers.emplace("content-type", "application/x-www-form-urlencoded");
    std::string body = "grant_type=refresh_token&client_id=ig&" + query +
                       "&refresh_token=" + url_escape(cred->identity_token) +
                       "&scope=" + url_escape(scope_key(scopes));
    req.body = body;
  } else {
    for (const auto& s : scopes) query += "&scope=" + url_escape(s);
    req.url = realm_ + (realm_.find('?') == std::string::npos ? "?" : "&") + query;
    if (cred && !cred->username.empty())
      req.headers.emplace("authorization", "Basic " + base64_encode(cred->username + ":" + cred->password));
  }
  Response r = send_with_retry(req);
  if (r.status == 401 || r.status == 403) {
    throw Error(ErrorCode::Unauthorized,
                registry_ + ": " + (cred ? "authentication failed: the token server refused the credentials"
                                         : "authentication required: no credentials found (looked in " +
                                               [&] {
                                                 std::string files;
                                                 for (const auto& f : credential_files(options_))
                                                   files += (files.empty() ? "" : ", ") + f;
                                                 return files;
                                               }() + ")"));
  }
  if (r.status != 200) throw_response_error(registry_ + ": token request to " + realm_, r);
  if (r.body.size() > kMaxTokenResponse)
    throw Error(ErrorCode::Network, registry_ + ": token response from " + realm_ + " is too large");
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::string token;
  if (j.is_object()) {
    token = json_string(j, "token");
    if (token.empty()) token = json_string(j, "access_token");
  }
  if (token.empty())
    throw Error(ErrorCode::Network, registry_ + ": token response from " + realm_ + " carries no token");
  long expires_in = j.is_object() && j.contains("expires_in") && j["expires_in"].is_number_integer()
                        ? j["expires_in"].get<long>()
                        : 60;
  // Renew a little early so a token does not expire between our check and the registry's.
  auto lifetime = std::chrono::seconds(std::max(expires_in - 5, 1L));
  tokens_[scope_key(scopes)] = Token{token, Clock::now() + lifetime};
  return token;
}

void RegistryClient::check_secret_destination(const std::string& url) const {
  if (url_scheme(url) == "https") return;
  const std::string host = url_host_port(url);
  if (!plain_http_allowed(host, options_.insecure_registries)) {
    throw Error(ErrorCode::Denied, registry_ + ": refusing to send credentials over plain HTTP to " + host +
                                       " (not in --insecure-registries)");
  }
  warn_once(options_, host);
}

bool RegistryClient::authorize(Request& request, const std::vector<std::string>& scopes, bool force_new) {
  request.headers.erase("authorization");
  if (auth_scheme_ == "basic") {
    const auto& cred = credential();
    if (!cred || cred->username.empty()) return false;
    check_secret_destination(request.url);
    request.headers.emplace("authorization", "Basic " + base64_encode(cred->username + ":" + cred->password));
    return true;
  }
  if (auth_scheme_ == "bearer") {
    auto it = tokens_.find(scope_key(scopes));
    std::string token;
    if (!force_new && it != tokens_.end() && it->second.expiry > Clock::now())
      token = it->second.value;
    else
      token = fetch_token(scopes);
    request.headers.emplace("authorization", "Bearer " + token);
    return true;
  }
  return false;
}

Response RegistryClient::send(Request request, const std::vector<std::string>& scopes) {
  std::vector<std::string> wanted = scopes;
  bool sent_auth;
  {
    std::lock_guard lock(mutex_);
    sent_auth = authorize(request, wanted, false);
  }
  Response r = send_with_retry(request);
  if (r.status != 401) return r;

  std::unique_lock lock(mutex_);
  auto challenges = parse_challenges(r.header("www-authenticate").value_or(""));
  const Challenge* chosen = nullptr;
  for (const auto& c : challenges) {
    if (c.scheme == "bearer" && c.params.count("realm")) chosen = &c;
  }
  if (!chosen) {
    for (const auto& c : challenges) {
      if (c.scheme == "basic") chosen = &c;
    }
  }
  if (!chosen) return r;  // no usable challenge: the caller reports the 401
  if (chosen->scheme == "basic") {
    if (auth_scheme_ == "basic" && sent_auth) {
      throw Error(ErrorCode::Unauthorized,
                  registry_ + ": authentication failed: the registry refused the credentials");
    }
    auth_scheme_ = "basic";
  } else {
    auth_scheme_ = "bearer";
    realm_ = chosen->params.at("realm");
    service_ = chosen->params.count("service") ? chosen->params.at("service") : "";
    if (auto s = chosen->params.find("scope"); s != chosen->params.end()) {
      for (auto& extra : split_spaces(s->second)) wanted.push_back(extra);
    }
  }
  std::string key = scope_key(wanted);
  // A refused token is renewed (it may have expired mid-upload); a new scope set may be cached.
  bool force_new = sent_auth && key == scope_key(scopes);
  if (!authorize(request, wanted, force_new)) {
    throw Error(ErrorCode::Unauthorized,
                registry_ + ": authentication required: no credentials found for " + registry_);
  }
  const bool basic = auth_scheme_ == "basic";
  const bool have_credential = credential() && !credential()->empty();
  lock.unlock();
  r = send_with_retry(request);
  if (r.status == 401) {
    // Authenticated as well as we can and still refused: say why, without any secret.
    if (basic || !have_credential) {
      throw Error(ErrorCode::Unauthorized,
                  registry_ + ": " + (have_credential ? "authentication failed: the registry refused the credentials"
                                                      : "authentication required: no credentials found"));
    }
    throw Error(ErrorCode::Unauthorized, registry_ + ": the registry refused the token for " + key + ": " +
                                             describe_error(r));
  }
  return r;
}

}  // namespace ig::oci::remote
