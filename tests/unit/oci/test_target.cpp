#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "oci/target.hpp"
#include "util/error.hpp"

namespace ig::oci {
namespace {

// Hands out at most `chunk` bytes per read, to exercise partial reads.
class ChunkedReader : public Reader {
 public:
  ChunkedReader(std::string bytes, size_t chunk) : bytes_(std::move(bytes)), chunk_(chunk) {}
  size_t read(std::span<std::byte> buffer) override {
    size_t n = std::min({buffer.size(), chunk_, bytes_.size() - off_});
    std::memcpy(buffer.data(), bytes_.data() + off_, n);
    off_ += n;
    return n;
  }

 private:
  std::string bytes_;
  size_t chunk_;
  size_t off_ = 0;
};

std::string drain(Reader& r, size_t buf = 7) {
  std::string out;
  std::vector<std::byte> b(buf);
  while (size_t n = r.read(b)) out.append(reinterpret_cast<const char*>(b.data()), n);
  return out;
}

ErrorCode drain_error(Reader& r, std::string* message = nullptr) {
  try {
    drain(r);
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << "no error";
  return ErrorCode::Internal;
}

TEST(Target, MemoryReader) {
  auto r = make_memory_reader("hello world");
  EXPECT_EQ(drain(*r, 3), "hello world");
  std::byte b[4];
  EXPECT_EQ(r->read(b), 0u);
}

TEST(Target, VerifyingReaderPassesGoodContent) {
  std::string content(100000, 'x');
  Descriptor d = describe("a/b", content);
  auto r = make_verifying_reader(std::make_unique<ChunkedReader>(content, 333), d);
  EXPECT_EQ(drain(*r, 4096), content);
  auto empty = make_verifying_reader(make_memory_reader(""), describe("a/b", ""));
  EXPECT_EQ(drain(*empty), "");
}

TEST(Target, VerifyingReaderRefusesBadContent) {
  Descriptor d = describe("a/b", "hello world");
  std::string msg;
  auto wrong = make_verifying_reader(make_memory_reader("hello worle"), d);
  EXPECT_EQ(drain_error(*wrong, &msg), ErrorCode::DigestMismatch);
  EXPECT_NE(msg.find(d.digest.str()), std::string::npos) << msg;

  auto shorter = make_verifying_reader(make_memory_reader("hello"), d);
  EXPECT_EQ(drain_error(*shorter, &msg), ErrorCode::SizeMismatch);
  EXPECT_NE(msg.find("short read"), std::string::npos) << msg;

  auto longer = make_verifying_reader(make_memory_reader("hello world!"), d);
  EXPECT_EQ(drain_error(*longer, &msg), ErrorCode::SizeMismatch);
  EXPECT_NE(msg.find("trailing data"), std::string::npos) << msg;

  Descriptor empty_but_wrong = describe("a/b", "");
  empty_but_wrong.digest = d.digest;
  auto empty = make_verifying_reader(make_memory_reader(""), empty_but_wrong);
  EXPECT_EQ(drain_error(*empty), ErrorCode::DigestMismatch);

  auto longer_wrong = make_verifying_reader(make_memory_reader("xxxxxxxxxxxxxxx"), d);
  EXPECT_EQ(drain_error(*longer_wrong), ErrorCode::SizeMismatch);
}

TEST(Target, VerifyingReaderNeverReturnsUnverifiedLastChunk) {
  Descriptor d = describe("a/b", "abc");
  auto r = make_verifying_reader(make_memory_reader("abd"), d);
  std::byte b[16];
  EXPECT_THROW(r->read(b), Error);  // the only chunk completes the blob: refused before return
}

class MapStorage : public ReadOnlyStorage {
 public:
  std::map<Digest, std::string> blobs;
  std::unique_ptr<Reader> fetch(const Descriptor& d) override {
    auto it = blobs.find(d.digest);
    if (it == blobs.end()) throw Error(ErrorCode::NotFound, "absent");
    return make_memory_reader(it->second);  // deliberately unverified: read_all must check
  }
  bool exists(const Descriptor& d) override { return blobs.count(d.digest) != 0; }
};

TEST(Target, OneVerificationPerStreamHoweverOftenItIsWrapped) {
  const Descriptor d = describe("a/b", "content");
  auto verified = make_verifying_reader(make_memory_reader("content"), d);
  Reader* first = verified.get();
  auto again = make_verifying_reader(std::move(verified), d);
  EXPECT_EQ(again.get(), first) << "the same check was stacked twice";
  auto borrowed = borrow_reader(*again);
  ASSERT_NE(borrowed->verifies(), nullptr);
  EXPECT_EQ(borrowed->verifies()->digest, d.digest);

  // Another descriptor gets its own check, which still refuses the wrong content.
  const Descriptor other = describe("a/b", "other!!");
  auto wrapped = make_verifying_reader(borrow_reader(*again), other);
  EXPECT_NE(wrapped->verifies(), again->verifies());
  std::byte buffer[16];
  EXPECT_THROW(while (wrapped->read(buffer) > 0) {}, Error);
}

TEST(Target, ReadAll) {
  MapStorage s;
  Descriptor d = describe("a/b", "content");
  s.blobs[d.digest] = "content";
  EXPECT_EQ(read_all(s, d), "content");
  try {
    read_all(s, d, 3);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("limit"), std::string::npos);
  }
  s.blobs[d.digest] = "c0ntent";
  try {
    read_all(s, d);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::DigestMismatch);
  }
}

}  // namespace
}  // namespace ig::oci
