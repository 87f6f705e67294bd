// One registry endpoint: base URL and TLS settings, authentication (Basic, Bearer tokens
// cached per scope set and renewed on 401) and retries with backoff.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/remote/credentials.hpp"
#include "oci/remote/http_client.hpp"
#include "oci/remote/options.hpp"

namespace ig::oci::remote {

struct Challenge {
  std::string scheme;  // lower-case: "basic", "bearer"
  std::map<std::string, std::string> params;
};

// Parses a WWW-Authenticate header (RFC 7235: one or more challenges, quoted or token values).
std::vector<Challenge> parse_challenges(std::string_view header);

// certs.d-style TLS material for `host_port`: $IG_CERTS_D/HOST:PORT when IG_CERTS_D is set,
// else /etc/containers/certs.d/HOST:PORT and /etc/docker/certs.d/HOST:PORT. *.crt files are
// extra CAs (added to the system ones), *.cert/*.key a client certificate.
TlsConfig certs_d_tls(const std::string& host_port);

// "code: message" of a registry error body ({"errors":[...]}), else "HTTP <status>".
std::string describe_error(const Response& response);

// Throws ig::Error for a failed response: 401 Unauthorized, 403 Denied, 404 NotFound, other
// Network. The message is "<context>: <describe_error>".
[[noreturn]] void throw_response_error(const std::string& context, const Response& response);

class RegistryClient {
 public:
  // `repository` selects namespace-specific credentials (containers auth.json).
  RegistryClient(std::string registry, std::string repository, RegistryOptions options);

  const std::string& registry() const { return registry_; }
  // "https://host[:port]" or "http://..." for insecure registries.
  const std::string& base_url() const { return base_url_; }

  // Sends `request` (URL absolute) authenticated for `scopes` ("repository:NAME:pull,push").
  // Retries connection errors, 408, 429 (honouring Retry-After) and 5xx with exponential
  // backoff, as long as no body byte reached request.on_body. A 401 triggers the challenge
  // (token fetched, or renewed when the cached one was refused) and one resend. Throws
  // ig::Error(Network/Unauthorized) when it gives up; TransportError when the connection
  // broke after body bytes were delivered (the caller may resume).
  Response send(Request request, const std::vector<std::string>& scopes);

 private:
  Response send_with_retry(const Request& request);
  // Sets the Authorization header from what is known; returns false if nothing is known yet.
  bool authorize(Request& request, const std::vector<std::string>& scopes, bool force_new);
  std::string fetch_token(const std::vector<std::string>& scopes);
  // Throws unless the user's password or refresh token may travel to `url` (see
  // plain_http_allowed); warns once per host when it goes over plain HTTP.
  void check_secret_destination(const std::string& url) const;
  const std::optional<Credential>& credential();

  struct Token {
    std::string value;
    std::chrono::steady_clock::time_point expiry;
  };

  std::string registry_;
  std::string repository_;
  RegistryOptions options_;
  std::string base_url_;
  HttpClient http_;

  std::mutex mutex_;
  bool credential_loaded_ = false;
  std::optional<Credential> credential_;
  std::string auth_scheme_;  // "", "basic", "bearer"
  std::string realm_;
  std::string service_;
  std::map<std::string, Token> tokens_;  // key: sorted, space-joined scopes
};

}  // namespace ig::oci::remote
