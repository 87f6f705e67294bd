#include "oci/remote/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>

#include "util/debug.hpp"
#include "util/error.hpp"

namespace ig::oci::remote {

namespace {

constexpr int kMaxRedirects = 10;
constexpr size_t kMaxErrorBody = 64 * 1024;

void ensure_curl_global() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

struct Transfer {
  const Request* request = nullptr;
  Response* response = nullptr;
  uint64_t delivered = 0;
  std::exception_ptr callback_error;
  bool cancelled = false;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new response (after 100 Continue): forget the previous headers.
    t->response->headers.clear();
    auto sp = line.find(' ');
    t->response->status = sp == std::string_view::npos ? 0 : std::atol(std::string(line.substr(sp + 1, 3)).c_str());
    return size * count;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    t->response->headers.emplace(lower(std::string(line.substr(0, colon))),
                                 trim(line.substr(colon + 1)));
  }
  return size * count;
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  long status = t->response->status;
  bool success = status >= 200 && status < 300;
  if (success && t->request->on_body) {
    try {
      if (!t->request->on_body(*t->response, std::string_view(data, n))) {
        t->cancelled = true;
        return 0;
      }
    } catch (...) {
      t->callback_error = std::current_exception();
      return 0;
    }
    t->delivered += n;
    return n;
  }
  auto& body = t->response->body;
  if (success || body.size() < kMaxErrorBody) body.append(data, n);
  return n;
}

bool is_tls_verification_error(CURLcode rc) {
  return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
         rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_ISSUER_ERROR ||
         rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

// With debug output on (-v, IG_DEBUG=1), each exchange is logged on stderr: method, URL and
// outcome, never a header value (Authorization carries the user's password or token).
void log_exchange(const Request& request, long status, CURLcode rc) {
  const char* auth = request.headers.count("authorization") ? " [authorization redacted]" : "";
  const std::string outcome = rc == CURLE_OK ? std::to_string(status) : curl_easy_strerror(rc);
  std::fprintf(stderr, "debug: http: %s %s%s -> %s\n", request.method.c_str(), request.url.c_str(),
               auth, outcome.c_str());
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

struct UrlHandle {
  CURLU* h = curl_url();
  ~UrlHandle() { curl_url_cleanup(h); }
  std::string get(CURLUPart part, unsigned flags = 0) const {
    char* out = nullptr;
    if (curl_url_get(h, part, &out, flags) != CURLUE_OK) return {};
    std::string s(out);
    curl_free(out);
    return s;
  }
};

}  // namespace

std::optional<std::string> Response::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

struct HttpClient::Cache {
  std::mutex mutex;
  std::vector<CURL*> idle;
  std::map<std::string, TlsConfig> tls;
};

HttpClient::HttpClient(std::function<TlsConfig(const std::string&)> tls_for_host)
    : tls_for_host_(std::move(tls_for_host)), cache_(std::make_unique<Cache>()) {
  ensure_curl_global();
}

HttpClient::~HttpClient() {
  for (CURL* c : cache_->idle) curl_easy_cleanup(c);
}

const TlsConfig& HttpClient::tls(const std::string& host_port) {
  std::lock_guard lock(cache_->mutex);
  auto it = cache_->tls.find(host_port);
  if (it == cache_->tls.end()) it = cache_->tls.emplace(host_port, tls_for_host_(host_port)).first;
  return it->second;
}

Response HttpClient::send(const Request& request) {
  Request current = request;
  const std::string origin = url_origin(request.url);
  uint64_t delivered = 0;
  for (int hop = 0;; ++hop) {
    Response response = send_once(current, delivered);
    bool follow = (current.method == "GET" || current.method == "HEAD") && is_redirect(response.status);
    auto location = response.header("location");
    if (!follow || !location) return response;
    if (hop == kMaxRedirects) {
      throw TransportError(request.url + ": more than " + std::to_string(kMaxRedirects) + " redirects",
                           false, delivered);
    }
    current.url = resolve_url(current.url, *location);
    // Credentials belong to the registry's origin: never send them to the storage host it
    // redirects to, nor to the same host over another scheme or port.
    if (url_origin(current.url) != origin) current.headers.erase("authorization");
  }
}

Response HttpClient::send_once(const Request& request, uint64_t& delivered) {
  CURL* curl = nullptr;
  {
    std::lock_guard lock(cache_->mutex);
    if (!cache_->idle.empty()) {
      curl = cache_->idle.back();
      cache_->idle.pop_back();
    }
  }
  if (curl == nullptr) curl = curl_easy_init();
  if (curl == nullptr) throw Error(ErrorCode::Internal, "curl_easy_init failed");
  curl_easy_reset(curl);

  Response response;
  response.url = request.url;
  Transfer transfer{&request, &response};
  char error_buffer[CURL_ERROR_SIZE] = {0};

  curl_slist* headers = nullptr;
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    if (name == "content-type") has_content_type = true;
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  headers = curl_slist_append(headers, "Expect:");
  if (!has_content_type) headers = curl_slist_append(headers, "Content-Type:");

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "ig/registry-client");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
  // Inactivity timeout rather than a total one: big blobs may take long but must keep moving.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.body || request.method == "POST" || request.method == "PUT" ||
             request.method == "PATCH") {
    static const std::string empty;
    const std::string& body = request.body ? *request.body : empty;
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    if (request.method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  if (request.url.starts_with("https://")) {
    const TlsConfig& t = tls(url_host_port(request.url));
    if (!t.ca_bundle_pem.empty()) {
      curl_blob blob{const_cast<char*>(t.ca_bundle_pem.data()), t.ca_bundle_pem.size(),
                     CURL_BLOB_NOCOPY};
      curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (!t.client_cert.empty()) {
      curl_easy_setopt(curl, CURLOPT_SSLCERT, t.client_cert.c_str());
      curl_easy_setopt(curl, CURLOPT_SSLKEY, t.client_key.c_str());
    }
  }

  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (debug_enabled()) log_exchange(request, response.status, rc);
  {
    std::lock_guard lock(cache_->mutex);
    cache_->idle.push_back(curl);
  }
  delivered += transfer.delivered;
  if (transfer.callback_error) std::rethrow_exception(transfer.callback_error);
  if (transfer.cancelled) throw Error(ErrorCode::Interrupted, request.url + ": transfer cancelled");
  if (rc != CURLE_OK) {
    std::string what = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
    throw TransportError(request.method + " " + request.url + ": " + what,
                         !is_tls_verification_error(rc), delivered);
  }
  return response;
}

std::string url_host_port(const std::string& url) {
  UrlHandle u;
  if (curl_url_set(u.h, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return {};
  std::string host = u.get(CURLUPART_HOST);
  std::string port = u.get(CURLUPART_PORT);
  return port.empty() ? host : host + ":" + port;
}

std::string url_scheme(const std::string& url) {
  UrlHandle u;
  if (curl_url_set(u.h, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return {};
  return lower(u.get(CURLUPART_SCHEME));
}

std::string url_origin(const std::string& url) {
  UrlHandle u;
  if (curl_url_set(u.h, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return {};
  return lower(u.get(CURLUPART_SCHEME)) + "://" + lower(u.get(CURLUPART_HOST)) + ":" +
         u.get(CURLUPART_PORT, CURLU_DEFAULT_PORT);
}

std::string resolve_url(const std::string& base, const std::string& location) {
  UrlHandle u;
  if (curl_url_set(u.h, CURLUPART_URL, base.c_str(), 0) != CURLUE_OK ||
      curl_url_set(u.h, CURLUPART_URL, location.c_str(), 0) != CURLUE_OK) {
    throw Error(ErrorCode::Network, base + ": invalid Location \"" + location + "\" in response");
  }
  return u.get(CURLUPART_URL);
}

std::string url_escape(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= uint8_t(bytes[i + 1]) << 8;
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? table[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    int v = value(c);
    if (v < 0) throw Error(ErrorCode::InvalidArgument, "invalid base64 data");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace ig::oci::remote
