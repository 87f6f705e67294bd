// Error type shared by every library of the project. Library code throws ig::Error;
// only the CLI catches it and prints it as one line.
#pragma once

#include <stdexcept>
#include <string>

namespace ig {

enum class ErrorCode {
  NotFound,          // image, tag, blob, file or kernel symbol absent
  AlreadyExists,
  InvalidArgument,   // bad user input: flags, references, yaml
  InvalidDigest,     // malformed digest string
  DigestMismatch,    // content does not hash to its descriptor
  SizeMismatch,      // content longer/shorter than its descriptor
  Unsupported,       // media type, program type or kernel feature we cannot handle
  Io,                // filesystem errors
  Kernel,            // BPF load/attach refused by the kernel
  Network,
  Unauthorized,
  Denied,
  Interrupted,       // SIGINT/SIGTERM: quiet exit
  Internal,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace ig
