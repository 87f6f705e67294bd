// Content-addressed targets. The local store, a remote registry and a tar archive all
// implement these, so push, pull, export, import and mirror are one graph copy (oci/copy.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "oci/descriptor.hpp"

namespace ig::oci {

// A byte stream. read() returns 0 at end of stream.
class Reader {
 public:
  virtual ~Reader() = default;
  virtual size_t read(std::span<std::byte> buffer) = 0;
  // The descriptor whose size and digest this reader checks its stream against, if any:
  // make_verifying_reader then adds no second check of it (one hash pass per blob, however
  // many layers wrap the stream).
  virtual const Descriptor* verifies() const { return nullptr; }
};

class ReadOnlyStorage {
 public:
  virtual ~ReadOnlyStorage() = default;
  // Returns a reader that verifies size and digest against `desc` as bytes flow: it throws
  // Error(SizeMismatch/DigestMismatch) at the latest when the stream ends. Throws
  // Error(NotFound) if the content is absent.
  virtual std::unique_ptr<Reader> fetch(const Descriptor& desc) = 0;
  virtual bool exists(const Descriptor& desc) = 0;
};

class ReadOnlyTarget : public ReadOnlyStorage {
 public:
  // Resolves a reference (full normalised "host/repo:tag" or "host/repo@digest") to the
  // descriptor of its root node. Throws Error(NotFound).
  virtual Descriptor resolve(const std::string& reference) = 0;
};

class Target : public ReadOnlyTarget {
 public:
  // Stores `content`, verifying it against `expected` before it becomes visible. Content that
  // already exists is success. On any error nothing is left behind.
  virtual void push(const Descriptor& expected, Reader& content) = 0;
  // Points `reference` at `desc` (which must already be stored).
  virtual void tag(const Descriptor& desc, const std::string& reference) = 0;
};

// Reader over an in-memory buffer (the bytes are copied).
std::unique_ptr<Reader> make_memory_reader(std::string bytes);

// Reads the whole verified content of `desc`, refusing more than `max_bytes` (manifests are
// capped at 4 MiB, as oras-go does).
std::string read_all(ReadOnlyStorage& storage, const Descriptor& desc,
                     size_t max_bytes = 4 * 1024 * 1024);

// Wraps `inner` so that it checks size and digest against `expected` as it is read; returns
// `inner` itself when it already checks exactly that.
std::unique_ptr<Reader> make_verifying_reader(std::unique_ptr<Reader> inner,
                                              const Descriptor& expected);

// A non-owning view of a caller's reader, so that it can be wrapped; it keeps what `inner`
// verifies.
std::unique_ptr<Reader> borrow_reader(Reader& inner);

}  // namespace ig::oci
