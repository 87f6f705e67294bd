#include "oci/copy.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>

#include "util/error.hpp"

namespace ig::oci {

namespace {

constexpr std::string_view kSourcePrefix = "copy: source: ";
constexpr std::string_view kDestinationPrefix = "copy: destination: ";

// Runs `f`, labelling any ig::Error with the side of the copy it came from (once).
template <typename F>
auto on_side(std::string_view prefix, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    if (std::string_view(e.what()).rfind("copy: ", 0) == 0) throw;
    throw Error(e.code(), std::string(prefix) + e.what());
  }
}

// Source reader whose errors surface as source errors even when raised inside dst.push().
class SourceReader : public Reader {
 public:
  explicit SourceReader(std::unique_ptr<Reader> inner) : inner_(std::move(inner)) {}
  size_t read(std::span<std::byte> buffer) override {
    return on_side(kSourcePrefix, [&] { return inner_->read(buffer); });
  }
  const Descriptor* verifies() const override { return inner_->verifies(); }

 private:
  std::unique_ptr<Reader> inner_;
};

struct Node {
  Descriptor desc;
  std::optional<std::string> content;  // manifests and indexes, already read and verified
  int height = 0;                       // 0 for leaves; parents are above all their children
  bool present = false;                 // already in the destination: nothing to transfer
};

// Plans the copy: which nodes the destination lacks, children before parents, grouped by
// height so that all nodes of one level are independent of each other.
class Planner {
 public:
  Planner(ReadOnlyStorage& src, Target& dst, const CopyOptions& options)
      : src_(src), dst_(dst), options_(options) {}

  // Returns the height of `desc`, or -1 when the destination already has its whole subtree.
  int visit(const Descriptor& desc) {
    if (auto it = planned_.find(desc.digest); it != planned_.end()) return nodes_[it->second].height;
    if (complete_.count(desc.digest) != 0) return -1;
    bool present = on_side(kDestinationPrefix, [&] { return dst_.exists(desc); });
    // A present manifest or blob implies its subtree (we copy manifests whole). A present index
    // may come from a platform-filtered copy, so its children are still checked.
    if (present && !is_index_type(desc.media_type)) {
      complete_.insert(desc.digest);
      return -1;
    }
    Node node{desc, std::nullopt, 0, present};
    if (is_manifest_type(desc.media_type) || is_index_type(desc.media_type)) {
      node.content = on_side(kSourcePrefix, [&] { return read_all(src_, desc); });
      for (const auto& child : children(desc, *node.content)) {
        node.height = std::max(node.height, visit(child) + 1);
      }
    }
    planned_.emplace(desc.digest, nodes_.size());
    nodes_.push_back(std::move(node));
    return nodes_.back().height;
  }

  std::vector<std::vector<Node*>> levels() {
    std::vector<std::vector<Node*>> out;
    for (auto& n : nodes_) {
      if (n.present) continue;
      if (out.size() <= static_cast<size_t>(n.height)) out.resize(n.height + 1);
      out[n.height].push_back(&n);
    }
    return out;
  }

 private:
  std::vector<Descriptor> children(const Descriptor& desc, const std::string& content) {
    return on_side(kSourcePrefix, [&] {
      if (!options_.platform_architecture || !is_index_type(desc.media_type)) {
        return successors(desc, content);
      }
      const std::string& arch = *options_.platform_architecture;
      Index index = parse_index(content);
      std::vector<Descriptor> out;
      for (auto& m : index.manifests) {
        if (m.platform && m.platform->architecture == arch) out.push_back(std::move(m));
      }
      if (out.empty()) {
        throw Error(ErrorCode::NotFound, "index " + desc.digest.str() +
                                             " has no manifest for architecture " + arch);
      }
      if (index.subject) out.push_back(std::move(*index.subject));
      return out;
    });
  }

  ReadOnlyStorage& src_;
  Target& dst_;
  const CopyOptions& options_;
  std::vector<Node> nodes_;  // post-order: children first
  std::map<Digest, size_t> planned_;
  std::set<Digest> complete_;
};

// The source side of one transfer as the destination reads it: reports progress, and stops
// the transfer as soon as another transfer of the copy has failed.
class WatchedReader : public Reader {
 public:
  WatchedReader(std::unique_ptr<Reader> inner, const Descriptor& desc, const CopyOptions& options,
                const std::atomic<bool>& failed)
      : inner_(std::move(inner)), desc_(desc), options_(options), failed_(failed) {}
  size_t read(std::span<std::byte> buffer) override {
    if (failed_) throw Error(ErrorCode::Interrupted, "copy: cancelled: another transfer failed");
    size_t n = inner_->read(buffer);
    transferred_ += n;
    if (n > 0 && options_.on_progress) options_.on_progress(desc_, transferred_);
    return n;
  }
  const Descriptor* verifies() const override { return inner_->verifies(); }

 private:
  std::unique_ptr<Reader> inner_;
  const Descriptor& desc_;
  const CopyOptions& options_;
  const std::atomic<bool>& failed_;
  uint64_t transferred_ = 0;
};

void transfer(ReadOnlyStorage& src, Target& dst, const Node& node, const CopyOptions& options,
              const std::atomic<bool>& failed) {
  std::unique_ptr<Reader> reader;
  if (node.content) {
    reader = make_memory_reader(*node.content);
  } else {
    // Verified on the source side, so that a bad source is reported as such; dst.push() sees
    // that the stream is verified and hashes it no second time.
    reader = std::make_unique<SourceReader>(on_side(kSourcePrefix, [&] {
      return make_verifying_reader(src.fetch(node.desc), node.desc);
    }));
  }
  WatchedReader watched(std::move(reader), node.desc, options, failed);
  on_side(kDestinationPrefix, [&] { dst.push(node.desc, watched); });
}

// Transfers the nodes of one level with up to options.concurrency threads (this one included).
// The first error stops the hand-out of further nodes and cancels the transfers in flight; it
// is the one rethrown, once every thread has stopped.
void transfer_level(ReadOnlyStorage& src, Target& dst, const std::vector<Node*>& level,
                    const CopyOptions& options) {
  std::atomic<bool> failed{false};
  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::exception_ptr first_error;
  auto work = [&] {
    while (!failed) {
      size_t i = next++;
      if (i >= level.size()) return;
      try {
        transfer(src, dst, *level[i], options, failed);
        if (options.on_copied) {
          std::lock_guard lock(mutex);
          options.on_copied(level[i]->desc);
        }
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  size_t workers = std::min(std::max<size_t>(options.concurrency, 1), level.size());
  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers; ++i) {
    try {
      threads.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads available: the ones running share the level
    }
  }
  work();
  for (auto& t : threads) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace

void copy_graph(ReadOnlyStorage& src, Target& dst, const Descriptor& root,
                const CopyOptions& options) {
  Planner planner(src, dst, options);
  planner.visit(root);
  auto levels = planner.levels();
  if (options.on_planned) {
    std::vector<Descriptor> planned;
    for (const auto& level : levels) {
      for (const Node* node : level) planned.push_back(node->desc);
    }
    options.on_planned(planned);
  }
  // Levels go bottom-up, so a parent is stored only after all of its children.
  for (const auto& level : levels) transfer_level(src, dst, level, options);
}

Descriptor copy(ReadOnlyTarget& src, const std::string& src_ref, Target& dst,
                const std::string& dst_ref, const CopyOptions& options) {
  Descriptor root = on_side(kSourcePrefix, [&] { return src.resolve(src_ref); });
  copy_graph(src, dst, root, options);
  on_side(kDestinationPrefix, [&] { dst.tag(root, dst_ref); });
  return root;
}

}  // namespace ig::oci
