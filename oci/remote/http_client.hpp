// The HTTP layer of the registry client: one request, one response, on libcurl. Bodies stream
// through callbacks in both directions; redirects are followed here (not by libcurl) so that
// the Authorization header is dropped whenever a redirect leaves the original host.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ig::oci::remote {

// Header names are stored lower-case.
using Headers = std::multimap<std::string, std::string>;

struct Response;

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  // Request body: either `body` (kept, so the request can be resent after a 401 or a
  // connection error), or nothing.
  std::optional<std::string> body;
  // Receives the body of a 2xx response as it arrives, with the status and headers already
  // received; returning false aborts the transfer. When unset, the body is collected into
  // Response::body. Bodies of other statuses always go to Response::body (capped), so error
  // JSON can be reported.
  std::function<bool(const Response& head, std::string_view data)> on_body;
  // Whether RegistryClient may retry this request (best-effort cleanups are not retried).
  bool retry = true;
};

struct Response {
  long status = 0;
  std::string url;  // final URL after redirects
  Headers headers;
  std::string body;
  std::optional<std::string> header(const std::string& lower_name) const;
};

// Per-host TLS material, found in certs.d-style directories.
struct TlsConfig {
  std::string ca_bundle_pem;  // system CAs + extra CAs; empty = libcurl defaults
  std::string client_cert;    // path of a *.cert file
  std::string client_key;     // path of the matching *.key file
};

// Thrown for transport failures (no HTTP status): refused, reset, timed out, TLS errors.
// `retryable` is false for TLS verification failures, which a retry cannot fix.
class TransportError : public std::runtime_error {
 public:
  TransportError(const std::string& message, bool retryable, uint64_t delivered)
      : std::runtime_error(message), retryable_(retryable), delivered_(delivered) {}
  bool retryable() const { return retryable_; }
  uint64_t body_bytes_delivered() const { return delivered_; }  // handed to Request::on_body

 private:
  bool retryable_;
  uint64_t delivered_;
};

class HttpClient {
 public:
  // `tls_for_host` maps "host[:port]" to its TLS material.
  explicit HttpClient(std::function<TlsConfig(const std::string& host_port)> tls_for_host);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request, following up to 10 redirects for GET and HEAD. Throws TransportError
  // when no HTTP response is obtained. Thread-safe: each call uses its own curl handle.
  Response send(const Request& request);

 private:
  Response send_once(const Request& request, uint64_t& delivered);
  const TlsConfig& tls(const std::string& host_port);

  std::function<TlsConfig(const std::string&)> tls_for_host_;
  struct Cache;
  std::unique_ptr<Cache> cache_;
};

// URL helpers.
std::string url_host_port(const std::string& url);  // "host[:port]" of an absolute URL
std::string url_scheme(const std::string& url);     // "https", "http", or "" if unparsable
// "scheme://host:port" with the scheme's default port made explicit: what a credential is
// bound to (a redirect to another origin must not carry it).
std::string url_origin(const std::string& url);
std::string resolve_url(const std::string& base, const std::string& location);
std::string url_escape(std::string_view text);  // percent-encodes a query value

// Base64 (standard alphabet, with padding).
std::string base64_encode(std::string_view bytes);
std::string base64_decode(std::string_view text);  // throws Error(InvalidArgument)

}  // namespace ig::oci::remote
