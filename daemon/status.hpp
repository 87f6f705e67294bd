// ig's errors and gRPC's status codes, both ways: the daemon ends a call with the status of
// what failed, the client turns it back into the error it reports in one line.
#pragma once

#include <grpcpp/grpcpp.h>

#include <exception>

#include "util/error.hpp"

namespace ig::daemon {

inline grpc::Status to_status(const std::exception& e) {
  const auto* error = dynamic_cast<const Error*>(&e);
  if (!error) return {grpc::StatusCode::INTERNAL, e.what()};
  switch (error->code()) {
    case ErrorCode::NotFound:
      return {grpc::StatusCode::NOT_FOUND, e.what()};
    case ErrorCode::InvalidArgument:
    case ErrorCode::InvalidDigest:
      return {grpc::StatusCode::INVALID_ARGUMENT, e.what()};
    case ErrorCode::Unauthorized:
      return {grpc::StatusCode::UNAUTHENTICATED, e.what()};
    case ErrorCode::Denied:
      return {grpc::StatusCode::PERMISSION_DENIED, e.what()};
    case ErrorCode::Unsupported:
      return {grpc::StatusCode::UNIMPLEMENTED, e.what()};
    case ErrorCode::AlreadyExists:
      return {grpc::StatusCode::ALREADY_EXISTS, e.what()};
    default:
      return {grpc::StatusCode::UNKNOWN, e.what()};
  }
}

// Throws the error a failed status stands for; returns for OK.
inline void throw_error(const grpc::Status& status) {
  if (status.ok()) return;
  ErrorCode code = ErrorCode::Internal;
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
      code = ErrorCode::NotFound;
      break;
    case grpc::StatusCode::INVALID_ARGUMENT:
      code = ErrorCode::InvalidArgument;
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
      code = ErrorCode::Unauthorized;
      break;
    case grpc::StatusCode::PERMISSION_DENIED:
      code = ErrorCode::Denied;
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      code = ErrorCode::Unsupported;
      break;
    case grpc::StatusCode::ALREADY_EXISTS:
      code = ErrorCode::AlreadyExists;
      break;
    case grpc::StatusCode::UNAVAILABLE:
      code = ErrorCode::Network;
      break;
    default:
      break;
  }
  throw Error(code, status.error_message());
}

}  // namespace ig::daemon
