#include "oci/target.hpp"

#include <algorithm>
#include <cstring>

#include "util/error.hpp"

namespace ig::oci {

namespace {

class MemoryReader : public Reader {
 public:
  explicit MemoryReader(std::string bytes) : bytes_(std::move(bytes)) {}
  size_t read(std::span<std::byte> buffer) override {
    size_t n = std::min(buffer.size(), bytes_.size() - offset_);
    std::memcpy(buffer.data(), bytes_.data() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  std::string bytes_;
  size_t offset_ = 0;
};

class BorrowedReader : public Reader {
 public:
  explicit BorrowedReader(Reader& inner) : inner_(inner) {}
  size_t read(std::span<std::byte> buffer) override { return inner_.read(buffer); }
  const Descriptor* verifies() const override { return inner_.verifies(); }

 private:
  Reader& inner_;
};

// Hashes what flows through and refuses to hand out a byte beyond desc.size. The digest is
// checked when the last expected byte arrives, before that chunk is returned, so a consumer
// never sees the end of unverified content.
class VerifyingReader : public Reader {
 public:
  VerifyingReader(std::unique_ptr<Reader> inner, const Descriptor& expected)
      : inner_(std::move(inner)), expected_(expected) {
    if (expected_.size < 0) fail(ErrorCode::SizeMismatch, "negative size in descriptor");
    if (expected_.digest.algorithm() != "sha256") {
      fail(ErrorCode::Unsupported,
           "digest algorithm \"" + expected_.digest.algorithm() + "\" is not supported");
    }
  }

  size_t read(std::span<std::byte> buffer) override {
    if (done_ || buffer.empty()) return 0;
    uint64_t remaining = static_cast<uint64_t>(expected_.size) - received_;
    if (remaining == 0) {
      verify_digest();  // already done unless the blob is empty
      check_no_trailing_data();
      done_ = true;
      return 0;
    }
    size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), remaining));
    size_t n = inner_->read(buffer.first(want));
    if (n == 0) {
      fail(ErrorCode::SizeMismatch, "short read: expected " + std::to_string(expected_.size) +
                                        " bytes, got " + std::to_string(received_));
    }
    if (n > want) fail(ErrorCode::Internal, "reader returned more bytes than requested");
    hash_.update(std::span<const std::byte>(buffer.data(), n));
    received_ += n;
    if (received_ == static_cast<uint64_t>(expected_.size)) verify_digest();
    return n;
  }

  const Descriptor* verifies() const override { return &expected_; }

 private:
  void verify_digest() {
    if (verified_) return;
    verified_ = true;
    Digest actual = hash_.finish();
    if (actual != expected_.digest) {
      // Longer content is reported as such rather than as a digest mismatch.
      check_no_trailing_data();
      fail(ErrorCode::DigestMismatch, "digest mismatch: content hashes to " + actual.str());
    }
  }

  void check_no_trailing_data() {
    std::byte probe[1];
    if (inner_->read(probe) != 0) {
      fail(ErrorCode::SizeMismatch, "trailing data: content is longer than " +
                                        std::to_string(expected_.size) + " bytes");
    }
  }

  [[noreturn]] void fail(ErrorCode code, const std::string& problem) {
    done_ = true;
    throw Error(code, "blob " + expected_.digest.str() + ": " + problem);
  }

  std::unique_ptr<Reader> inner_;
  Descriptor expected_;
  Sha256 hash_;
  uint64_t received_ = 0;
  bool verified_ = false;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<Reader> make_memory_reader(std::string bytes) {
  return std::make_unique<MemoryReader>(std::move(bytes));
}

std::unique_ptr<Reader> make_verifying_reader(std::unique_ptr<Reader> inner,
                                              const Descriptor& expected) {
  const Descriptor* checked = inner->verifies();
  if (checked != nullptr && checked->digest == expected.digest && checked->size == expected.size) {
    return inner;
  }
  return std::make_unique<VerifyingReader>(std::move(inner), expected);
}

std::unique_ptr<Reader> borrow_reader(Reader& inner) { return std::make_unique<BorrowedReader>(inner); }

std::string read_all(ReadOnlyStorage& storage, const Descriptor& desc, size_t max_bytes) {
  if (desc.size < 0 || static_cast<uint64_t>(desc.size) > max_bytes) {
    throw Error(ErrorCode::Unsupported, "blob " + desc.digest.str() + ": size " +
                                            std::to_string(desc.size) + " exceeds the limit of " +
                                            std::to_string(max_bytes) + " bytes");
  }
  // Storages verify; this adds a check only where a storage's reader does not say it has one.
  auto reader = make_verifying_reader(storage.fetch(desc), desc);
  std::string out(static_cast<size_t>(desc.size), '\0');
  size_t filled = 0;
  while (true) {
    std::byte tail[1];
    std::span<std::byte> dest = filled < out.size()
        ? std::as_writable_bytes(std::span<char>(out.data() + filled, out.size() - filled))
        : std::span<std::byte>(tail);
    size_t n = reader->read(dest);
    if (n == 0) break;
    filled += n;
  }
  return out;
}

}  // namespace ig::oci
