// Constants of upstream's gadget-service protocol (pkg/gadget-service/api/consts.go) that both
// ends of a run use.
#pragma once

#include <cstdint>
#include <string>

#include <grpc/support/log.h>

#include <cstdio>

#include "daemon/gadget_service.pb.h"
#include "util/debug.hpp"

namespace ig::daemon {

constexpr uint32_t kProtocolVersion = 1;    // GadgetRunRequest.version
constexpr uint32_t kGadgetInfoVersion = 1;  // GetGadgetInfoRequest.version

// GadgetEvent.type
constexpr uint32_t kEventPayload = 0;
constexpr uint32_t kEventGadgetInfo = 4;
// Log messages carry their severity (logrus' levels, as upstream's logger) above this shift.
constexpr uint32_t kEventLogShift = 16;
constexpr uint32_t kLogError = 2;
constexpr uint32_t kLogWarning = 3;
constexpr uint32_t kLogInfo = 4;

inline api::GadgetEvent log_event(uint32_t severity, const std::string& message) {
  api::GadgetEvent event;
  event.set_type(severity << kEventLogShift);
  event.set_payload(message);
  return event;
}

// gRPC's own log lines (handshake failures, reconnects) only in debug output: ig reports a
// failure in one line of its own.
inline void route_grpc_logs() {
  gpr_set_log_function([](gpr_log_func_args* args) {
    if (debug_enabled()) std::fprintf(stderr, "grpc: %s\n", args->message);
  });
}

}  // namespace ig::daemon
