#include "oci/descriptor.hpp"

#include <nlohmann/json.hpp>

#include "oci/media_types.hpp"
#include "util/error.hpp"

namespace ig::oci {

namespace {

using nlohmann::json;

// ---- Writing: a tiny emitter reproducing Go encoding/json (json.Marshal) byte for byte. ----

// Decodes one UTF-8 sequence as Go's utf8.DecodeRune does; returns the code point and length,
// or length 0 for an invalid sequence (Go then consumes one byte and emits U+FFFD).
std::pair<uint32_t, size_t> decode_utf8(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(i);
  if (c >= 0xC2 && c <= 0xDF && cont(i + 1)) {
    return {((c & 0x1Fu) << 6) | (b(i + 1) & 0x3Fu), 2};
  }
  if (c >= 0xE0 && c <= 0xEF && cont(i + 1) && cont(i + 2)) {
    uint32_t cp = ((c & 0x0Fu) << 12) | ((b(i + 1) & 0x3Fu) << 6) | (b(i + 2) & 0x3Fu);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return {0, 0};  // overlong, surrogate
    return {cp, 3};
  }
  if (c >= 0xF0 && c <= 0xF4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
    uint32_t cp = ((c & 0x07u) << 18) | ((b(i + 1) & 0x3Fu) << 12) | ((b(i + 2) & 0x3Fu) << 6) |
                  (b(i + 3) & 0x3Fu);
    if (cp < 0x10000 || cp > 0x10FFFF) return {0, 0};
    return {cp, 4};
  }
  return {0, 0};
}

void write_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;  // Go >= 1.22
        case '\f': out += "\\f"; break;  // Go >= 1.22
        default:
          // Go escapes control characters and, for HTML safety, < > &.
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    auto [cp, len] = decode_utf8(s, i);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
    } else if (cp == 0x2028 || cp == 0x2029) {
      out += cp == 0x2028 ? "\\u2028" : "\\u2029";
      i += len;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  out += '"';
}

// Emits `"key":value` pairs with commas, in the order they are added (Go struct order).
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  ~ObjectWriter() { out_ += '}'; }
  std::string& key(std::string_view k) {
    if (!first_) out_ += ',';
    first_ = false;
    write_string(out_, k);
    out_ += ':';
    return out_;
  }
  void string(std::string_view k, std::string_view v) { write_string(key(k), v); }
  void string_omitempty(std::string_view k, std::string_view v) {
    if (!v.empty()) string(k, v);
  }

 private:
  std::string& out_;
  bool first_ = true;
};

void write_string_list(std::string& out, const std::vector<std::string>& list) {
  out += '[';
  for (size_t i = 0; i < list.size(); ++i) {
    if (i) out += ',';
    write_string(out, list[i]);
  }
  out += ']';
}

void write_annotations(ObjectWriter& w, const Annotations& a) {
  if (a.empty()) return;
  std::string& out = w.key("annotations");
  ObjectWriter map(out);  // std::map iterates in byte order, as Go sorts map keys
  for (const auto& [k, v] : a) map.string(k, v);
}

void write_platform(std::string& out, const Platform& p) {
  ObjectWriter w(out);
  w.string("architecture", p.architecture);
  w.string("os", p.os);
  w.string_omitempty("os.version", p.os_version);
  if (!p.os_features.empty()) write_string_list(w.key("os.features"), p.os_features);
  w.string_omitempty("variant", p.variant);
}

void write_descriptor(std::string& out, const Descriptor& d) {
  ObjectWriter w(out);
  w.string("mediaType", d.media_type);
  w.string("digest", d.digest.str());
  w.key("size") += std::to_string(d.size);
  if (!d.urls.empty()) write_string_list(w.key("urls"), d.urls);
  write_annotations(w, d.annotations);
  if (d.data && !d.data->empty()) w.string("data", *d.data);
  if (d.platform) write_platform(w.key("platform"), *d.platform);
  w.string_omitempty("artifactType", d.artifact_type);
}

void write_descriptor_list(std::string& out, const std::vector<Descriptor>& list) {
  out += '[';
  for (size_t i = 0; i < list.size(); ++i) {
    if (i) out += ',';
    write_descriptor(out, list[i]);
  }
  out += ']';
}

// ---- Reading ----

[[noreturn]] void bad(std::string_view what, std::string_view path, std::string_view problem) {
  std::string msg(what);
  msg += ": ";
  if (!path.empty()) {
    msg += path;
    msg += ": ";
  }
  msg += problem;
  throw Error(ErrorCode::InvalidArgument, msg);
}

struct Ctx {
  std::string_view what;  // "manifest" / "index"
};

std::string join(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : std::string(path) + "." + std::string(key);
}

const json* member(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string get_string(const Ctx& c, const json& obj, const std::string& path, const char* key,
                       bool required = false) {
  const json* v = member(obj, key);
  if (v == nullptr) {
    if (required) bad(c.what, join(path, key), "missing");
    return {};
  }
  if (!v->is_string()) bad(c.what, join(path, key), "must be a string");
  return v->get<std::string>();
}

Annotations get_annotations(const Ctx& c, const json& obj, const std::string& path) {
  Annotations out;
  const json* v = member(obj, "annotations");
  if (v == nullptr) return out;
  std::string p = join(path, "annotations");
  if (!v->is_object()) bad(c.what, p, "must be an object");
  for (const auto& [k, val] : v->items()) {
    if (!val.is_string()) bad(c.what, p + "." + k, "must be a string");
    out.emplace(k, val.get<std::string>());
  }
  return out;
}

std::vector<std::string> get_string_list(const Ctx& c, const json& obj, const std::string& path,
                                         const char* key) {
  std::vector<std::string> out;
  const json* v = member(obj, key);
  if (v == nullptr) return out;
  if (!v->is_array()) bad(c.what, join(path, key), "must be an array");
  for (const auto& e : *v) {
    if (!e.is_string()) bad(c.what, join(path, key), "must contain strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Descriptor read_descriptor(const Ctx& c, const json& obj, const std::string& path) {
  if (!obj.is_object()) bad(c.what, path, "must be an object");
  Descriptor d;
  d.media_type = get_string(c, obj, path, "mediaType");
  std::string digest = get_string(c, obj, path, "digest", true);
  try {
    d.digest = Digest::parse(digest);
  } catch (const Error& e) {
    bad(c.what, join(path, "digest"), e.what());
  }
  const json* size = member(obj, "size");
  if (size == nullptr) bad(c.what, join(path, "size"), "missing");
  if (!size->is_number_integer()) bad(c.what, join(path, "size"), "must be an integer");
  if (size->is_number_unsigned() ? size->get<uint64_t>() > INT64_MAX : size->get<int64_t>() < 0) {
    bad(c.what, join(path, "size"), "out of range");
  }
  d.size = size->get<int64_t>();
  d.urls = get_string_list(c, obj, path, "urls");
  d.annotations = get_annotations(c, obj, path);
  if (member(obj, "data") != nullptr) d.data = get_string(c, obj, path, "data");
  if (const json* p = member(obj, "platform")) {
    std::string pp = join(path, "platform");
    if (!p->is_object()) bad(c.what, pp, "must be an object");
    Platform pl;
    pl.architecture = get_string(c, *p, pp, "architecture");
    pl.os = get_string(c, *p, pp, "os");
    pl.os_version = get_string(c, *p, pp, "os.version");
    pl.os_features = get_string_list(c, *p, pp, "os.features");
    pl.variant = get_string(c, *p, pp, "variant");
    d.platform = pl;
  }
  d.artifact_type = get_string(c, obj, path, "artifactType");
  return d;
}

json parse_object(const Ctx& c, std::string_view text) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    bad(c.what, "", std::string("malformed JSON: ") + e.what());
  }
  if (!doc.is_object()) bad(c.what, "", "not a JSON object");
  const json* v = member(doc, "schemaVersion");
  if (v == nullptr) bad(c.what, "schemaVersion", "missing");
  if (!v->is_number_integer() || v->get<int64_t>() != 2) {
    bad(c.what, "schemaVersion", "unsupported value " + v->dump() + " (expected 2)");
  }
  return doc;
}

}  // namespace

std::string serialize(const Descriptor& d) {
  std::string out;
  write_descriptor(out, d);
  return out;
}

std::string serialize(const Manifest& m) {
  std::string out;
  {
    ObjectWriter w(out);
    w.key("schemaVersion") += std::to_string(m.schema_version);
    w.string_omitempty("mediaType", m.media_type);
    w.string_omitempty("artifactType", m.artifact_type);
    write_descriptor(w.key("config"), m.config);
    write_descriptor_list(w.key("layers"), m.layers);
    if (m.subject) write_descriptor(w.key("subject"), *m.subject);
    write_annotations(w, m.annotations);
  }
  return out;
}

std::string serialize(const Index& i) {
  std::string out;
  {
    ObjectWriter w(out);
    w.key("schemaVersion") += std::to_string(i.schema_version);
    w.string_omitempty("mediaType", i.media_type);
    w.string_omitempty("artifactType", i.artifact_type);
    write_descriptor_list(w.key("manifests"), i.manifests);
    if (i.subject) write_descriptor(w.key("subject"), *i.subject);
    write_annotations(w, i.annotations);
  }
  return out;
}

Manifest parse_manifest(std::string_view text) {
  Ctx c{"manifest"};
  json doc = parse_object(c, text);
  Manifest m;
  m.media_type = get_string(c, doc, "", "mediaType");
  if (is_index_type(m.media_type)) bad(c.what, "mediaType", "\"" + m.media_type + "\" is an index");
  m.artifact_type = get_string(c, doc, "", "artifactType");
  const json* config = member(doc, "config");
  if (config == nullptr) bad(c.what, "config", "missing");
  m.config = read_descriptor(c, *config, "config");
  if (const json* layers = member(doc, "layers")) {
    if (!layers->is_array()) bad(c.what, "layers", "must be an array");
    for (size_t k = 0; k < layers->size(); ++k) {
      m.layers.push_back(read_descriptor(c, (*layers)[k], "layers[" + std::to_string(k) + "]"));
    }
  }
  if (const json* subject = member(doc, "subject")) {
    m.subject = read_descriptor(c, *subject, "subject");
  }
  m.annotations = get_annotations(c, doc, "");
  return m;
}

Index parse_index(std::string_view text) {
  Ctx c{"index"};
  json doc = parse_object(c, text);
  Index idx;
  idx.media_type = get_string(c, doc, "", "mediaType");
  if (is_manifest_type(idx.media_type)) {
    bad(c.what, "mediaType", "\"" + idx.media_type + "\" is a manifest");
  }
  idx.artifact_type = get_string(c, doc, "", "artifactType");
  if (const json* list = member(doc, "manifests")) {
    if (!list->is_array()) bad(c.what, "manifests", "must be an array");
    for (size_t k = 0; k < list->size(); ++k) {
      idx.manifests.push_back(
          read_descriptor(c, (*list)[k], "manifests[" + std::to_string(k) + "]"));
    }
  }
  if (const json* subject = member(doc, "subject")) {
    idx.subject = read_descriptor(c, *subject, "subject");
  }
  idx.annotations = get_annotations(c, doc, "");
  return idx;
}

Descriptor describe(std::string_view media_type, std::string_view content) {
  Descriptor d;
  d.media_type = media_type;
  d.digest = sha256_of(content);
  d.size = static_cast<int64_t>(content.size());
  return d;
}

bool is_manifest_type(std::string_view media_type) {
  return media_type == media_type::kImageManifest || media_type == media_type::kDockerManifest;
}

bool is_index_type(std::string_view media_type) {
  return media_type == media_type::kImageIndex || media_type == media_type::kDockerManifestList;
}

std::vector<Descriptor> successors(const Descriptor& node, std::string_view content) {
  std::vector<Descriptor> out;
  if (is_manifest_type(node.media_type)) {
    Manifest m = parse_manifest(content);
    out.push_back(std::move(m.config));
    for (auto& l : m.layers) out.push_back(std::move(l));
    if (m.subject) out.push_back(std::move(*m.subject));
  } else if (is_index_type(node.media_type)) {
    Index i = parse_index(content);
    out = std::move(i.manifests);
    if (i.subject) out.push_back(std::move(*i.subject));
  }
  return out;
}

}  // namespace ig::oci
