// The PEM files of the daemon's and the client's TLS flags.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "util/error.hpp"

namespace ig::daemon {

// The contents of the file given as `--flag path`; throws Error(InvalidArgument) naming both.
inline std::string read_pem(const std::string& flag, const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  if (!in || !(text << in.rdbuf())) {
    throw Error(ErrorCode::InvalidArgument, "--" + flag + " " + path + ": cannot read it");
  }
  return text.str();
}

// Throws unless none or all of the files are given (as upstream's daemon and client).
inline bool tls_files_given(const std::string& what, const std::string& key, const std::string& cert,
                            const std::string& ca) {
  const int given = !key.empty() + !cert.empty() + !ca.empty();
  if (given != 0 && given != 3) {
    throw Error(ErrorCode::InvalidArgument,
                what + ": TLS needs all of --tls-key-file, --tls-cert-file and " +
                    (what == "ig daemon" ? "--tls-client-ca-file" : "--tls-server-ca-file"));
  }
  return given == 3;
}

}  // namespace ig::daemon
