// The metrics endpoint (upstream's --otel-metrics-listen): GET /metrics answers the registry's
// Prometheus text; libmicrohttpd serves it from its own thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runner/metrics/registry.hpp"

struct MHD_Daemon;

namespace ig::runner::metrics {

class MetricsServer {
 public:
  // Listens on `address`: "host:port", "[v6]:port" or ":port" (all addresses). Throws Error
  // naming the address when it is malformed or cannot be bound.
  MetricsServer(const std::string& address, std::shared_ptr<const Registry> registry);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  uint16_t port() const { return port_; }

 private:
  std::shared_ptr<const Registry> registry_;
  MHD_Daemon* daemon_ = nullptr;
  uint16_t port_ = 0;
};

}  // namespace ig::runner::metrics
