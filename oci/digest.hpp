// Content digests ("sha256:<64 hex>") and streaming SHA-256 (OpenSSL EVP).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace ig::oci {

class Digest {
 public:
  Digest() = default;
  // Throws Error(InvalidDigest) unless `text` is "<alg>:<encoded>" per the image-spec grammar;
  // for sha256 the encoded part must be 64 lower-case hex characters.
  static Digest parse(std::string_view text);

  const std::string& algorithm() const { return algorithm_; }
  const std::string& encoded() const { return encoded_; }
  std::string str() const { return algorithm_ + ":" + encoded_; }
  bool empty() const { return encoded_.empty(); }

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;

 private:
  std::string algorithm_;
  std::string encoded_;
};

// Incremental SHA-256, fed as bytes stream through a reader or writer.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const std::byte> bytes);
  void update(std::string_view bytes);
  Digest finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Digest sha256_of(std::string_view bytes);

}  // namespace ig::oci
