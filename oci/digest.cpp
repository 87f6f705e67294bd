#include "oci/digest.hpp"

#include <openssl/evp.h>

#include "util/error.hpp"

namespace ig::oci {

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_lower_hex(char c) { return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'); }
bool is_alg_separator(char c) { return c == '+' || c == '.' || c == '_' || c == '-'; }
bool is_encoded_char(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '=' || c == '_' || c == '-';
}

// algorithm := component (separator component)*, component := [a-z0-9]+
bool valid_algorithm(std::string_view alg) {
  if (alg.empty() || is_alg_separator(alg.front()) || is_alg_separator(alg.back())) return false;
  for (size_t i = 0; i < alg.size(); ++i) {
    char c = alg[i];
    if (is_alg_separator(c)) {
      if (is_alg_separator(alg[i + 1])) return false;
    } else if (!is_lower_alnum(c)) {
      return false;
    }
  }
  return true;
}

[[noreturn]] void invalid(std::string_view text, std::string_view why) {
  throw Error(ErrorCode::InvalidDigest,
              "invalid digest \"" + std::string(text) + "\": " + std::string(why));
}

}  // namespace

Digest Digest::parse(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) invalid(text, "missing \"<algorithm>:\" prefix");
  std::string_view alg = text.substr(0, colon);
  std::string_view enc = text.substr(colon + 1);
  if (!valid_algorithm(alg)) invalid(text, "malformed algorithm");
  if (enc.empty()) invalid(text, "empty encoded part");
  for (char c : enc) {
    if (!is_encoded_char(c)) invalid(text, "invalid character in encoded part");
  }
  // Registered algorithms have a fixed lower-case hex form; unknown ones only follow the grammar.
  size_t hex_len = alg == "sha256" ? 64 : alg == "sha512" ? 128 : alg == "blake3" ? 64 : 0;
  if (hex_len != 0) {
    if (enc.size() != hex_len) {
      invalid(text, std::string(alg) + " needs " + std::to_string(hex_len) + " hex characters");
    }
    for (char c : enc) {
      if (!is_lower_hex(c)) invalid(text, std::string(alg) + " needs lower-case hex");
    }
  }
  Digest d;
  d.algorithm_ = alg;
  d.encoded_ = enc;
  return d;
}

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(impl_->ctx);
    throw Error(ErrorCode::Internal, "sha256: cannot initialise OpenSSL digest context");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(impl_->ctx); }

void Sha256::update(std::span<const std::byte> bytes) {
  if (bytes.empty()) return;
  if (EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size()) != 1) {
    throw Error(ErrorCode::Internal, "sha256: OpenSSL digest update failed");
  }
}

void Sha256::update(std::string_view bytes) {
  update(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
}

Digest Sha256::finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, out, &len) != 1) {
    throw Error(ErrorCode::Internal, "sha256: OpenSSL digest final failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "sha256:";
  for (unsigned int i = 0; i < len; ++i) {
    text += kHex[out[i] >> 4];
    text += kHex[out[i] & 0xf];
  }
  // Leave the context ready for another message.
  EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
  return Digest::parse(text);
}

Digest sha256_of(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.finish();
}

}  // namespace ig::oci
