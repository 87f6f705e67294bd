#include "oci/remote/mirrors.hpp"

#include "oci/remote/transfer.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <toml++/toml.h>

#include "oci/copy.hpp"
#include "oci/remote/repository.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;

namespace ig::oci::remote {

namespace {

constexpr std::string_view kSystemConf = "/etc/containers/registries.conf";
constexpr std::string_view kSystemConfDir = "/etc/containers/registries.conf.d";

[[noreturn]] void bad(const std::string& where, const std::string& problem) {
  throw Error(ErrorCode::InvalidArgument, where + ": " + problem);
}

std::string where_of(const std::string& source, const toml::node& node, const std::string& key) {
  const auto& src = node.source();
  std::string out = source;
  if (src.begin.line != 0) out += ":" + std::to_string(src.begin.line);
  return out + ": " + key;
}

std::string get_string(const toml::table& t, const std::string& key, const std::string& source) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return "";
  auto value = node->value<std::string>();
  if (!node->is_string() || !value) bad(where_of(source, *node, key), "must be a string");
  return *value;
}

bool get_bool(const toml::table& t, const std::string& key, const std::string& source) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return false;
  if (!node->is_boolean()) bad(where_of(source, *node, key), "must be true or false");
  return *node->value<bool>();
}

// "host[:port][/path]" without a scheme or trailing "/".
std::string clean_location(std::string value, const std::string& where) {
  if (value.find("://") != std::string::npos) bad(where, "\"" + value + "\" must not have a URL scheme");
  while (!value.empty() && value.back() == '/') value.pop_back();
  return value;
}

// Length of `ref_text` that `prefix` matches at a separator boundary, or -1.
long match_length(const std::string& ref_text, const std::string& prefix) {
  if (prefix.rfind("*.", 0) == 0) {
    // Wildcard: any subdomain depth of the host part.
    std::string_view suffix = std::string_view(prefix).substr(1);  // ".domain"
    size_t pos = ref_text.find(suffix);
    if (pos == std::string::npos || pos == 0) return -1;
    if (ref_text.substr(0, pos).find('/') != std::string::npos) return -1;
    size_t end = pos + suffix.size();
    if (end == ref_text.size()) return static_cast<long>(end);
    char c = ref_text[end];
    return (c == ':' || c == '/' || c == '@') ? static_cast<long>(end) : -1;
  }
  if (ref_text.compare(0, prefix.size(), prefix) != 0) return -1;
  if (ref_text.size() == prefix.size()) return static_cast<long>(prefix.size());
  char c = ref_text[prefix.size()];
  return (c == ':' || c == '/' || c == '@') ? static_cast<long>(prefix.size()) : -1;
}

// `ref` with `matched` characters of its text replaced by `location`.
Reference rewrite(const Reference& ref, size_t matched, const std::string& location) {
  std::string name = ref.name();
  std::string rest = matched <= name.size() ? name.substr(matched) : "";
  std::string rewritten = location + rest;
  Reference out = ref;
  auto slash = rewritten.find('/');
  out.registry = rewritten.substr(0, slash);
  out.repository = slash == std::string::npos ? "" : rewritten.substr(slash + 1);
  return out;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::Io, "cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void merge(RegistriesConf& into, RegistriesConf&& more) {
  for (auto& reg : more.registries) {
    auto it = std::find_if(into.registries.begin(), into.registries.end(),
                           [&](const RegistryConfig& r) { return r.prefix == reg.prefix; });
    if (it != into.registries.end()) {
      *it = std::move(reg);
    } else {
      into.registries.push_back(std::move(reg));
    }
  }
}

}  // namespace

RegistriesConf parse_registries_conf(std::string_view text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw Error(ErrorCode::InvalidArgument, source + ":" + std::to_string(where.line) + ":" +
                                                std::to_string(where.column) + ": " +
                                                std::string(e.description()));
  }
  if (root.contains("registries")) {
    bad(source, "the v1 format ([registries.search], [registries.insecure], [registries.block]) "
                "is not supported; use [[registry]] tables");
  }
  RegistriesConf conf;
  const toml::node* registry_node = root.get("registry");
  if (registry_node == nullptr) return conf;
  const toml::array* tables = registry_node->as_array();
  if (tables == nullptr) bad(where_of(source, *registry_node, "registry"), "must be [[registry]] tables");
  for (const toml::node& node : *tables) {
    const toml::table* t = node.as_table();
    if (t == nullptr) bad(where_of(source, node, "registry"), "must be [[registry]] tables");
    std::string here = where_of(source, node, "[[registry]]");
    RegistryConfig reg;
    reg.location = clean_location(get_string(*t, "location", source), here + " location");
    reg.prefix = clean_location(get_string(*t, "prefix", source), here + " prefix");
    reg.insecure = get_bool(*t, "insecure", source);
    reg.blocked = get_bool(*t, "blocked", source);
    reg.mirror_by_digest_only = get_bool(*t, "mirror-by-digest-only", source);
    if (reg.prefix.empty()) reg.prefix = reg.location;
    if (reg.prefix.empty()) bad(here, "needs a prefix or a location");
    if (reg.prefix.rfind("*.", 0) == 0) {
      if (!reg.location.empty()) bad(here, "a wildcard prefix (" + reg.prefix + ") takes no location");
    } else if (reg.location.empty()) {
      reg.location = reg.prefix;
    }
    if (const toml::node* mirrors = t->get("mirror")) {
      const toml::array* list = mirrors->as_array();
      if (list == nullptr) bad(where_of(source, *mirrors, "mirror"), "must be [[registry.mirror]] tables");
      for (const toml::node& m : *list) {
        const toml::table* mt = m.as_table();
        if (mt == nullptr) bad(where_of(source, m, "mirror"), "must be [[registry.mirror]] tables");
        std::string mhere = where_of(source, m, "[[registry.mirror]]");
        Mirror mirror;
        mirror.location = clean_location(get_string(*mt, "location", source), mhere + " location");
        if (mirror.location.empty()) bad(mhere, "needs a location");
        mirror.insecure = get_bool(*mt, "insecure", source);
        std::string pull_from = get_string(*mt, "pull-from-mirror", source);
        if (!pull_from.empty() && reg.mirror_by_digest_only) {
          bad(mhere, "pull-from-mirror cannot be combined with mirror-by-digest-only of its registry");
        }
        if (pull_from.empty() || pull_from == "all") {
          mirror.pull_from = Mirror::PullFrom::All;
        } else if (pull_from == "digest-only") {
          mirror.pull_from = Mirror::PullFrom::DigestOnly;
        } else if (pull_from == "tag-only") {
          mirror.pull_from = Mirror::PullFrom::TagOnly;
        } else {
          bad(mhere, "pull-from-mirror \"" + pull_from + "\" must be all, digest-only or tag-only");
        }
        reg.mirrors.push_back(std::move(mirror));
      }
    }
    conf.registries.push_back(std::move(reg));
  }
  return conf;
}

RegistriesConf load_registries_conf() {
  if (const char* env = std::getenv("CONTAINERS_REGISTRIES_CONF"); env != nullptr && *env != '\0') {
    if (!fs::exists(env)) return {};
    return parse_registries_conf(read_text(env), env);
  }
  RegistriesConf conf;
  if (fs::exists(kSystemConf)) {
    conf = parse_registries_conf(read_text(kSystemConf), std::string(kSystemConf));
  }
  std::error_code ec;
  std::vector<fs::path> drop_ins;
  for (const auto& entry : fs::directory_iterator(kSystemConfDir, ec)) {
    if (entry.path().extension() == ".conf") drop_ins.push_back(entry.path());
  }
  std::sort(drop_ins.begin(), drop_ins.end());
  for (const auto& path : drop_ins) merge(conf, parse_registries_conf(read_text(path), path.string()));
  return conf;
}

std::vector<Endpoint> pull_endpoints(const Reference& ref, const RegistriesConf& conf) {
  const std::string text = ref.str();
  const RegistryConfig* best = nullptr;
  long best_length = -1;
  for (const auto& reg : conf.registries) {
    long length = match_length(text, reg.prefix);
    if (length > best_length) {
      best = &reg;
      best_length = length;
    }
  }
  if (best == nullptr) return {Endpoint{ref, false, false}};
  if (best->blocked) {
    throw Error(ErrorCode::Denied, "pulling " + text + " is blocked by registries.conf ([[registry]] prefix \"" +
                                       best->prefix + "\")");
  }
  const bool by_digest = !ref.digest.empty();
  const bool wildcard = best->prefix.rfind("*.", 0) == 0;
  auto matched = static_cast<size_t>(best_length);
  std::vector<Endpoint> out;
  if (!by_digest && best->mirror_by_digest_only) {
    // Tags are resolved only by the primary: the digest, not a mirror, is the authority.
  } else {
    for (const auto& m : best->mirrors) {
      if (by_digest && m.pull_from == Mirror::PullFrom::TagOnly) continue;
      if (!by_digest && m.pull_from == Mirror::PullFrom::DigestOnly) continue;
      out.push_back(Endpoint{rewrite(ref, matched, m.location), m.insecure, true});
    }
  }
  out.push_back(Endpoint{wildcard ? ref : rewrite(ref, matched, best->location), best->insecure, false});
  return out;
}

MirroredPull pull_with_mirrors(const Reference& ref, LayoutStore& store,
                               const RegistryOptions& options, const RegistriesConf& conf,
                               const std::string& platform, const CopyOptions& copy) {
  const CopyOptions copy_opts = platform_copy_options(platform, copy);
  std::vector<std::string> failures;
  ErrorCode code = ErrorCode::Network;
  for (const Endpoint& endpoint : pull_endpoints(ref, conf)) {
    RegistryOptions endpoint_options = options;
    if (endpoint.insecure) endpoint_options.insecure_registries.push_back(endpoint.reference.registry);
    try {
      Repository repo(endpoint.reference, endpoint_options);
      Descriptor root = oci::copy(repo, endpoint.reference.str(), store, ref.str(), copy_opts);
      return MirroredPull{root, endpoint};
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Interrupted) throw;
      code = e.code();
      failures.push_back(std::string(endpoint.mirror ? "mirror " : "") + endpoint.reference.str() +
                         ": " + e.what());
    }
  }
  std::string message = "every endpoint failed: ";
  for (size_t i = 0; i < failures.size(); ++i) message += (i ? "; " : "") + failures[i];
  throw Error(code, message);
}

}  // namespace ig::oci::remote
