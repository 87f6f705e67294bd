#include "oci/remote/repository.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <future>
#include <thread>

#include <nlohmann/json.hpp>

#include "oci/media_types.hpp"
#include "util/error.hpp"
#include "util/json.hpp"

namespace ig::oci::remote {

namespace {

constexpr size_t kMaxManifestBytes = 4 * 1024 * 1024;
constexpr size_t kDefaultChunkSize = 16 * 1024 * 1024;
constexpr size_t kStreamBufferBytes = 4 * 1024 * 1024;
constexpr int kMaxResumes = 5;
constexpr std::string_view kArtifactManifest = "application/vnd.oci.artifact.manifest.v1+json";

size_t initial_chunk_size() {
  // Tests use a small value to exercise chunked uploads with small blobs.
  if (const char* v = std::getenv("IG_REGISTRY_CHUNK_SIZE"); v && *v) {
    long n = std::atol(v);
    if (n > 0) return static_cast<size_t>(n);
  }
  return kDefaultChunkSize;
}

bool is_manifest_like(std::string_view media_type) {
  return is_manifest_type(media_type) || is_index_type(media_type) || media_type == kArtifactManifest;
}

std::string strip_params(std::string content_type) {
  if (auto semi = content_type.find(';'); semi != std::string::npos) content_type.resize(semi);
  while (!content_type.empty() && content_type.back() == ' ') content_type.pop_back();
  return content_type;
}

std::string with_query(const std::string& url, const std::string& query) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

// A Reader fed by a producer thread (the HTTP transfer) through a bounded buffer. Destroying
// the reader early cancels the transfer.
class StreamReader : public Reader {
 public:
  using Producer = std::function<void(const std::function<bool(std::string_view)>& sink)>;

  explicit StreamReader(Producer producer) {
    thread_ = std::thread([this, producer = std::move(producer)] {
      try {
        producer([this](std::string_view data) { return push(data); });
      } catch (...) {
        std::lock_guard lock(mutex_);
        error_ = std::current_exception();
      }
      std::lock_guard lock(mutex_);
      done_ = true;
      cv_.notify_all();
    });
  }

  ~StreamReader() override {
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
      cv_.notify_all();
    }
    thread_.join();
  }

  size_t read(std::span<std::byte> buffer) override {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return !queue_.empty() || done_; });
    if (queue_.empty()) {
      if (error_) std::rethrow_exception(error_);
      return 0;
    }
    size_t n = 0;
    while (n < buffer.size() && !queue_.empty()) {
      auto& front = queue_.front();
      size_t take = std::min(buffer.size() - n, front.size() - front_offset_);
      std::memcpy(buffer.data() + n, front.data() + front_offset_, take);
      n += take;
      front_offset_ += take;
      if (front_offset_ == front.size()) {
        queued_ -= front.size();
        queue_.pop_front();
        front_offset_ = 0;
      }
    }
    cv_.notify_all();
    return n;
  }

 private:
  bool push(std::string_view data) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return cancelled_ || queued_ < kStreamBufferBytes; });
    if (cancelled_) return false;
    queue_.emplace_back(data);
    queued_ += data.size();
    cv_.notify_all();
    return true;
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  size_t front_offset_ = 0;
  size_t queued_ = 0;
  bool done_ = false;
  bool cancelled_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

// Appends up to `limit` bytes of `in` to `out`; returns how many.
size_t read_up_to(Reader& in, std::string& out, size_t limit) {
  size_t start = out.size();
  out.resize(start + limit);
  size_t filled = 0;
  while (filled < limit) {
    size_t n = in.read(std::as_writable_bytes(std::span<char>(out.data() + start + filled, limit - filled)));
    if (n == 0) break;
    filled += n;
  }
  out.resize(start + filled);
  return filled;
}

}  // namespace

const std::string& manifest_accept() {
  static const std::string accept = std::string(media_type::kImageManifest) + ", " +
                                    std::string(media_type::kImageIndex) + ", " +
                                    std::string(media_type::kDockerManifest) + ", " +
                                    std::string(media_type::kDockerManifestList) + ", " +
                                    std::string(kArtifactManifest);
  return accept;
}

Repository::Repository(const Reference& ref, const RegistryOptions& options)
    : client_(ref.registry, ref.repository, options), repository_(ref.repository),
      chunk_size_(initial_chunk_size()) {}

std::string Repository::url(const std::string& path) const {
  return client_.base_url() + "/v2/" + repository_ + path;
}

std::vector<std::string> Repository::pull_scope() const { return {"repository:" + repository_ + ":pull"}; }

std::vector<std::string> Repository::push_scope() const {
  return {"repository:" + repository_ + ":pull,push"};
}

std::string Repository::context(const std::string& what) const {
  return registry() + "/" + repository_ + (what.empty() ? "" : ": " + what);
}

std::optional<std::pair<Descriptor, std::string>> Repository::get_manifest(const std::string& ref) {
  Request req;
  req.url = url("/manifests/" + ref);
  req.headers.emplace("accept", manifest_accept());
  std::string body;
  bool too_large = false;
  req.on_body = [&](const Response&, std::string_view data) {
    if (body.size() + data.size() > kMaxManifestBytes) {
      too_large = true;
      return false;
    }
    body.append(data);
    return true;
  };
  Response r;
  try {
    r = client_.send(req, pull_scope());
  } catch (const Error& e) {
    if (too_large)
      throw Error(ErrorCode::Unsupported, context("manifest " + ref + " exceeds " +
                                                  std::to_string(kMaxManifestBytes) + " bytes"));
    throw;
  } catch (const TransportError& e) {
    throw Error(ErrorCode::Network, e.what());
  }
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) throw_response_error(context("manifest " + ref), r);
  Descriptor d;
  d.digest = sha256_of(body);
  d.size = static_cast<int64_t>(body.size());
  d.media_type = strip_params(r.header("content-type").value_or(""));
  auto j = nlohmann::json::parse(body, nullptr, false);
  std::string body_type = json_string(j, "mediaType");
  if (!body_type.empty() && !d.media_type.empty() && body_type != d.media_type) {
    throw Error(ErrorCode::InvalidArgument,
                context("manifest " + ref + ": Content-Type " + d.media_type +
                        " does not match its mediaType " + body_type));
  }
  if (!is_manifest_like(d.media_type)) d.media_type = body_type;
  return std::make_pair(d, body);
}

std::unique_ptr<Reader> Repository::fetch(const Descriptor& desc) {
  if (is_manifest_like(desc.media_type)) {
    auto m = get_manifest(desc.digest.str());
    if (!m) throw Error(ErrorCode::NotFound, context("manifest " + desc.digest.str() + " not found"));
    return make_verifying_reader(make_memory_reader(std::move(m->second)), desc);
  }
  const std::string blob_url = url("/blobs/" + desc.digest.str());
  auto producer = [this, blob_url, desc](const std::function<bool(std::string_view)>& sink) {
    uint64_t offset = 0;
    for (int resumes = 0;; ++resumes) {
      Request req;
      req.url = blob_url;
      if (offset > 0) req.headers.emplace("range", "bytes=" + std::to_string(offset) + "-");
      const uint64_t start = offset;
      uint64_t skip = 0;
      bool first = true;
      req.on_body = [&](const Response& head, std::string_view data) {
        if (first) {
          first = false;
          // A server that ignores Range sends everything again: drop what we already have.
          if (start > 0 && head.status == 200) skip = start;
        }
        if (skip > 0) {
          size_t drop = static_cast<size_t>(std::min<uint64_t>(skip, data.size()));
          skip -= drop;
          data.remove_prefix(drop);
          if (data.empty()) return true;
        }
        offset += data.size();
        return sink(data);
      };
      try {
        Response r = client_.send(req, pull_scope());
        if (r.status == 200 || r.status == 206) return;
        throw_response_error(context("blob " + desc.digest.str()), r);
      } catch (const TransportError& e) {
        if (resumes == kMaxResumes) {
          throw Error(ErrorCode::Network, context("blob " + desc.digest.str() + ": connection lost after " +
                                                  std::to_string(offset) + " bytes: " + e.what()));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250 << resumes));
      }
    }
  };
  return make_verifying_reader(std::make_unique<StreamReader>(producer), desc);
}

bool Repository::exists(const Descriptor& desc) {
  Request req;
  req.method = "HEAD";
  if (is_manifest_like(desc.media_type)) {
    req.url = url("/manifests/" + desc.digest.str());
    req.headers.emplace("accept", manifest_accept());
  } else {
    req.url = url("/blobs/" + desc.digest.str());
  }
  Response r = client_.send(req, pull_scope());
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  throw_response_error(context(desc.digest.str()), r);
}

Descriptor Repository::resolve(const std::string& reference) {
  std::string ref = reference;
  if (reference.find('/') != std::string::npos) {
    Reference parsed = parse_reference(reference);
    ref = parsed.digest.empty() ? parsed.tag : parsed.digest;
  }
  Request req;
  req.method = "HEAD";
  req.url = url("/manifests/" + ref);
  req.headers.emplace("accept", manifest_accept());
  Response r = client_.send(req, pull_scope());
  if (r.status == 404) throw Error(ErrorCode::NotFound, context("manifest " + ref + " not found"));
  if (r.status != 200) throw_response_error(context("manifest " + ref), r);
  auto type = strip_params(r.header("content-type").value_or(""));
  auto digest = r.header("docker-content-digest");
  auto length = r.header("content-length");
  if (is_manifest_like(type) && digest && length) {
    Descriptor d;
    d.media_type = type;
    // Never trust the header over the digest we asked for.
    d.digest = ref.starts_with("sha256:") ? Digest::parse(ref) : Digest::parse(*digest);
    d.size = std::atoll(length->c_str());
    return d;
  }
  auto m = get_manifest(ref);
  if (!m) throw Error(ErrorCode::NotFound, context("manifest " + ref + " not found"));
  if (ref.starts_with("sha256:") && m->first.digest != Digest::parse(ref)) {
    throw Error(ErrorCode::DigestMismatch, context("manifest " + ref + ": content hashes to " +
                                                   m->first.digest.str()));
  }
  return m->first;
}

void Repository::upload_blob(const Descriptor& expected, Reader& content) {
  std::string location;
  if (!mount_from_.empty() && mount_from_ != repository_) {
    Request req;
    req.method = "POST";
    req.url = url("/blobs/uploads/?mount=" + url_escape(expected.digest.str()) + "&from=" + url_escape(mount_from_));
    auto scopes = push_scope();
    scopes.push_back("repository:" + mount_from_ + ":pull");
    Response r = client_.send(req, scopes);
    if (r.status == 201) return;  // mounted: nothing to upload
    if (r.status != 202) throw_response_error(context("mount blob " + expected.digest.str()), r);
    location = resolve_url(r.url, r.header("location").value_or(""));
  } else {
    Request req;
    req.method = "POST";
    req.url = url("/blobs/uploads/");
    Response r = client_.send(req, push_scope());
    if (r.status != 202 && r.status != 201)
      throw_response_error(context("start upload of blob " + expected.digest.str()), r);
    auto loc = r.header("location");
    if (!loc) throw Error(ErrorCode::Network, context("upload of " + expected.digest.str() + ": no Location"));
    location = resolve_url(r.url, *loc);
  }

  auto abort_upload = [&] {
    try {
      Request del;
      del.method = "DELETE";
      del.url = location;
      del.retry = false;
      client_.send(del, push_scope());
    } catch (...) {
      // Best effort: the registry expires abandoned sessions anyway.
    }
  };

  try {
    auto verified = make_verifying_reader(
        borrow_reader(content), expected);
    std::string chunk;
    uint64_t offset = 0;
    bool chunked = static_cast<uint64_t>(expected.size) > chunk_size_;
    if (chunked) {
      // Chunks are kept in memory so a chunk refused with 401 (token expired mid-upload) or
      // hit by a connection error is resent as is, with the newest Location. The next chunk is
      // read (and hashed) while this one is sent: the two overlap instead of adding up.
      auto read_chunk = [&] {
        std::string next;
        read_up_to(*verified, next, chunk_size_);
        return next;
      };
      // The future's destructor waits for the read, so an error while sending unwinds safely.
      std::future<std::string> next = std::async(std::launch::async, read_chunk);
      while (!(chunk = next.get()).empty()) {
        next = std::async(std::launch::async, read_chunk);
        Request req;
        req.method = "PATCH";
        req.url = location;
        req.headers.emplace("content-type", "application/octet-stream");
        req.headers.emplace("content-range", std::to_string(offset) + "-" +
                                                 std::to_string(offset + chunk.size() - 1));
        req.body = std::move(chunk);
        Response r = client_.send(req, push_scope());
        if (r.status != 202 && r.status != 201 && r.status != 204)
          throw_response_error(context("upload blob " + expected.digest.str()), r);
        offset += req.body->size();
        if (auto loc = r.header("location")) location = resolve_url(r.url, *loc);
        chunk.clear();
      }
    } else {
      read_up_to(*verified, chunk, static_cast<size_t>(expected.size));
      std::byte probe[1];
      // Lets the verifying reader check size and digest before anything is sent.
      verified->read(probe);
    }
    Request put;
    put.method = "PUT";
    put.url = with_query(location, "digest=" + url_escape(expected.digest.str()));
    put.headers.emplace("content-type", "application/octet-stream");
    put.body = std::move(chunk);
    Response r = client_.send(put, push_scope());
    if (r.status != 201 && r.status != 204)
      throw_response_error(context("upload blob " + expected.digest.str()), r);
  } catch (...) {
    abort_upload();
    throw;
  }
}

void Repository::push(const Descriptor& expected, Reader& content) {
  if (!is_manifest_like(expected.media_type)) {
    upload_blob(expected, content);
    return;
  }
  if (expected.size < 0 || static_cast<size_t>(expected.size) > kMaxManifestBytes)
    throw Error(ErrorCode::Unsupported, context("manifest " + expected.digest.str() + " is too large"));
  auto verified = make_verifying_reader(borrow_reader(content), expected);
  std::string bytes;
  read_up_to(*verified, bytes, static_cast<size_t>(expected.size));
  std::byte probe[1];
  verified->read(probe);
  put_manifest(expected, bytes, expected.digest.str());
  std::lock_guard lock(mutex_);
  pushed_manifests_[expected.digest] = bytes;
}

void Repository::put_manifest(const Descriptor& desc, const std::string& bytes, const std::string& ref) {
  Request req;
  req.method = "PUT";
  req.url = url("/manifests/" + ref);
  req.headers.emplace("content-type", desc.media_type);
  req.body = bytes;
  Response r = client_.send(req, push_scope());
  if (r.status != 201 && r.status != 200 && r.status != 202)
    throw_response_error(context("push manifest " + ref), r);
  if (auto d = r.header("docker-content-digest"); d && *d != desc.digest.str()) {
    throw Error(ErrorCode::DigestMismatch, context("push manifest " + ref + ": registry stored " + *d +
                                                   ", expected " + desc.digest.str()));
  }
  // Registries without the referrers API do not answer OCI-Subject: keep the tag index.
  if (!r.header("oci-subject") && ref.starts_with("sha256:")) update_referrers_tag(desc, bytes);
}

void Repository::update_referrers_tag(const Descriptor& desc, const std::string& bytes) {
  auto j = nlohmann::json::parse(bytes, nullptr, false);
  if (!j.is_object() || !j.contains("subject") || !j["subject"].is_object()) return;
  Digest subject = Digest::parse(json_string(j["subject"], "digest"));
  std::string tag = subject.algorithm() + "-" + subject.encoded();
  Index index;
  index.media_type = media_type::kImageIndex;
  if (auto existing = get_manifest(tag)) {
    if (!is_index_type(existing->first.media_type))
      throw Error(ErrorCode::InvalidArgument, context("referrers tag " + tag + " is not an index"));
    index = parse_index(existing->second);
    for (const auto& m : index.manifests) {
      if (m.digest == desc.digest) return;
    }
  }
  Descriptor entry;
  entry.media_type = desc.media_type;
  entry.digest = desc.digest;
  entry.size = desc.size;
  entry.artifact_type = json_string(j, "artifactType");
  if (entry.artifact_type.empty() && j.contains("config") && j["config"].is_object())
    entry.artifact_type = json_string(j["config"], "mediaType");
  if (j.contains("annotations") && j["annotations"].is_object()) {
    for (const auto& [k, v] : j["annotations"].items()) {
      if (v.is_string()) entry.annotations[k] = v.get<std::string>();
    }
  }
  index.manifests.push_back(entry);
  std::string out = serialize(index);
  put_manifest(describe(media_type::kImageIndex, out), out, tag);
}

std::string Repository::manifest_bytes(const Descriptor& desc) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = pushed_manifests_.find(desc.digest); it != pushed_manifests_.end()) return it->second;
  }
  auto m = get_manifest(desc.digest.str());
  if (!m) throw Error(ErrorCode::NotFound, context("manifest " + desc.digest.str() + " not found"));
  if (m->first.digest != desc.digest)
    throw Error(ErrorCode::DigestMismatch, context("manifest " + desc.digest.str() + ": content hashes to " +
                                                   m->first.digest.str()));
  return m->second;
}

void Repository::tag(const Descriptor& desc, const std::string& reference) {
  std::string ref = reference;
  if (reference.find('/') != std::string::npos) {
    Reference parsed = parse_reference(reference);
    ref = parsed.tag;
  }
  if (ref.empty() || ref.starts_with("sha256:")) return;  // digest references need no tag
  put_manifest(desc, manifest_bytes(desc), ref);
}

std::vector<std::string> Repository::tags() {
  std::vector<std::string> out;
  std::string next = url("/tags/list");
  while (!next.empty()) {
    Request req;
    req.url = next;
    Response r = client_.send(req, pull_scope());
    if (r.status != 200) throw_response_error(context("list tags"), r);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_object()) throw Error(ErrorCode::Network, context("list tags: malformed response"));
    if (j.contains("tags") && j["tags"].is_array()) {
      for (const auto& t : j["tags"]) {
        if (t.is_string()) out.push_back(t.get<std::string>());
      }
    }
    next.clear();
    // Link: </v2/<name>/tags/list?n=100&last=b>; rel="next"
    if (auto link = r.header("link"); link && link->find("rel=\"next\"") != std::string::npos) {
      auto b = link->find('<');
      auto e = link->find('>');
      if (b != std::string::npos && e != std::string::npos && e > b)
        next = resolve_url(r.url, link->substr(b + 1, e - b - 1));
    }
  }
  return out;
}

void Repository::remove(const Descriptor& desc) {
  Request req;
  req.method = "DELETE";
  req.url = url((is_manifest_like(desc.media_type) ? "/manifests/" : "/blobs/") + desc.digest.str());
  Response r = client_.send(req, {"repository:" + repository_ + ":delete"});
  if (r.status != 202 && r.status != 200 && r.status != 204)
    throw_response_error(context("delete " + desc.digest.str()), r);
}

std::vector<Descriptor> Repository::referrers(const Descriptor& subject, const std::string& artifact_type) {
  std::vector<Descriptor> out;
  auto keep = [&](const Descriptor& d) { return artifact_type.empty() || d.artifact_type == artifact_type; };
  Request req;
  req.url = url("/referrers/" + subject.digest.str());
  Response r = client_.send(req, pull_scope());
  if (r.status == 200 && strip_params(r.header("content-type").value_or("")) == media_type::kImageIndex) {
    while (true) {
      for (auto& d : parse_index(r.body).manifests) {
        if (keep(d)) out.push_back(std::move(d));
      }
      auto link = r.header("link");
      if (!link || link->find("rel=\"next\"") == std::string::npos) return out;
      auto b = link->find('<');
      auto e = link->find('>');
      if (b == std::string::npos || e == std::string::npos || e < b) return out;
      req.url = resolve_url(r.url, link->substr(b + 1, e - b - 1));
      r = client_.send(req, pull_scope());
      if (r.status != 200) throw_response_error(context("referrers of " + subject.digest.str()), r);
    }
  }
  if (r.status != 200 && r.status != 404) throw_response_error(context("referrers of " + subject.digest.str()), r);
  // No referrers API: the tag schema fallback.
  auto m = get_manifest(subject.digest.algorithm() + "-" + subject.digest.encoded());
  // Some registries resolve "sha256-<hex>" to the subject itself: that is not a referrers index.
  if (!m || !is_index_type(m->first.media_type) || m->first.digest == subject.digest) return out;
  for (auto& d : parse_index(m->second).manifests) {
    if (keep(d)) out.push_back(std::move(d));
  }
  return out;
}

}  // namespace ig::oci::remote
