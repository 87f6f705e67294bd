#include "runner/metrics/http_server.hpp"

#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace ig::runner::metrics {
namespace {

constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

MHD_Result answer(void* context, MHD_Connection* connection, const char* url, const char* method,
                  const char*, const char*, size_t*, void**) {
  const auto* registry = static_cast<const Registry*>(context);
  const bool found = std::strcmp(url, "/metrics") == 0;
  const bool get = std::strcmp(method, "GET") == 0 || std::strcmp(method, "HEAD") == 0;
  const std::string body = !found ? "404 page not found\n" : !get ? "method not allowed\n" : registry->exposition();
  MHD_Response* response = MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()),
                                                           MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, found && get ? kContentType : "text/plain");
  const unsigned status = !found ? MHD_HTTP_NOT_FOUND : !get ? MHD_HTTP_METHOD_NOT_ALLOWED : MHD_HTTP_OK;
  const MHD_Result result = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return result;
}

Error address_error(const std::string& address, const std::string& why) {
  return Error(ErrorCode::InvalidArgument, "--otel-metrics-listen-address " + address + ": " + why);
}

// A listening TCP socket on `address`; the error names the address and errno.
UniqueFd listen_on(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) throw address_error(address, "expected host:port");
  std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    throw address_error(address, gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  int last_errno = 0;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (fd.get() < 0) continue;
    const int on = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd.get(), 64) == 0) return fd;
    last_errno = errno;
  }
  throw address_error(address, std::string("cannot listen: ") + std::strerror(last_errno));
}

uint16_t bound_port(int fd) {
  sockaddr_storage addr = {};
  socklen_t size = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0) return 0;
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

}  // namespace

MetricsServer::MetricsServer(const std::string& address, std::shared_ptr<const Registry> registry)
    : registry_(std::move(registry)) {
  UniqueFd fd = listen_on(address);
  port_ = bound_port(fd.get());
  daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, nullptr, nullptr, &answer,
                             const_cast<Registry*>(registry_.get()), MHD_OPTION_LISTEN_SOCKET, fd.get(),
                             MHD_OPTION_END);
  if (daemon_ == nullptr) throw address_error(address, "cannot start the HTTP server");
  fd.release();  // the daemon owns and closes it
}

MetricsServer::~MetricsServer() { MHD_stop_daemon(daemon_); }

}  // namespace ig::runner::metrics
