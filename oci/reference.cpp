#include "oci/reference.hpp"

#include <cstdlib>

#include <cctype>

#include "oci/digest.hpp"
#include "util/error.hpp"

namespace ig::oci {

namespace {

// Docker reference grammar (distribution/reference), used after ig's short-name rules.
constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | "__" | "-"+
bool valid_path_component(std::string_view s) {
  if (s.empty() || !is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) return false;
  for (size_t i = 0; i < s.size();) {
    if (is_lower_alnum(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && !is_lower_alnum(s[j])) ++j;
    std::string_view sep = s.substr(i, j - i);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = j;
  }
  return true;
}

// domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_domain_component(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  for (char c : s) {
    if (!is_alnum(c) && c != '-') return false;
  }
  return true;
}

// domain := host (":" port)?, host := domain-component ("." domain-component)* | "[" ipv6 "]"
bool valid_domain(std::string_view s) {
  std::string_view host = s;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : s.substr(1, close - 1)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':') return false;
    }
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (port.empty()) return false;
    }
    host = {};
  } else if (auto colon = s.rfind(':'); colon != std::string_view::npos) {
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (port.empty()) return false;
  }
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  while (!host.empty()) {
    auto dot = host.find('.');
    if (!valid_domain_component(host.substr(0, dot))) return false;
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
    if (host.empty()) return false;
  }
  return true;
}

// tag := [\w][\w.-]{0,127}
bool valid_tag(std::string_view s) {
  if (s.empty() || s.size() > kMaxTagLength) return false;
  auto word = [](char c) { return is_alnum(c) || c == '_'; };
  if (!word(s.front())) return false;
  for (char c : s) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool is_lower(std::string_view s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return false;
  }
  return true;
}

}  // namespace

std::string Reference::str() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

ShortNameRules ShortNameRules::from_environment() {
  ShortNameRules rules;
  if (const char* registry = std::getenv("IG_DEFAULT_REGISTRY"); registry != nullptr && *registry) {
    std::string value = registry;
    // Checked with the reference grammar: a full reference on that registry must parse.
    try {
      parse_reference(value + "/x", ShortNameRules{});
    } catch (const Error&) {
      throw Error(ErrorCode::InvalidArgument, "IG_DEFAULT_REGISTRY=" + value + ": not a host[:port]");
    }
    if (value.find('/') != std::string::npos || value.find_first_of(".:") == std::string::npos) {
      if (value != "localhost") {
        throw Error(ErrorCode::InvalidArgument,
                    "IG_DEFAULT_REGISTRY=" + value + ": not a host[:port] (needs a '.' or ':', or localhost)");
      }
    }
    rules.registry = value;
  }
  if (const char* prefix = std::getenv("IG_DEFAULT_PREFIX"); prefix != nullptr) {
    std::string value = prefix;
    while (!value.empty() && value.front() == '/') value.erase(0, 1);
    if (!value.empty() && value.back() != '/') value += '/';
    if (!value.empty()) {
      try {
        parse_reference(rules.registry + "/" + value + "x", ShortNameRules{});
      } catch (const Error& e) {
        throw Error(ErrorCode::InvalidArgument, "IG_DEFAULT_PREFIX=" + std::string(prefix) +
                                                    ": not a repository path: " + e.what());
      }
    }
    rules.prefix = value;
  }
  return rules;
}

Reference parse_reference(std::string_view text, const ShortNameRules& rules) {
  const std::string input(text);
  auto fail = [&](const std::string& problem) -> Error {
    return Error(ErrorCode::InvalidArgument,
                 "invalid image reference \"" + input + "\": " + problem);
  };
  if (text.empty()) throw fail("empty");

  // ig's SplitIGDomain: a first component is a registry only if it looks like a host.
  std::string domain;
  std::string remainder;
  auto slash = text.find('/');
  std::string_view first = text.substr(0, slash);
  if (slash == std::string_view::npos ||
      (first.find_first_of(".:") == std::string_view::npos && first != "localhost" &&
       is_lower(first))) {
    domain = rules.registry;
    remainder = text;
  } else {
    domain = first;
    remainder = text.substr(slash + 1);
  }
  if (domain == rules.registry && remainder.find('/') == std::string::npos) {
    remainder = rules.prefix + remainder;
  }

  // Docker's normalisation of Docker Hub names, which ParseNormalizedNamed applies as well.
  if (domain == "index.docker.io") domain = "docker.io";
  if (domain == "docker.io" && remainder.find('/') == std::string::npos) {
    remainder = "library/" + remainder;
  }

  Reference ref;
  ref.registry = domain;
  std::string_view rest = remainder;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    std::string_view digest = rest.substr(at + 1);
    try {
      ref.digest = Digest::parse(digest).str();
    } catch (const Error& e) {
      throw fail(e.what());
    }
    rest = rest.substr(0, at);
  }
  // A tag follows the last ':' that comes after the last '/'.
  auto last_slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    ref.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (!valid_tag(ref.tag)) {
      throw fail("tag \"" + ref.tag + "\" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    }
  }
  ref.repository = rest;

  if (!valid_domain(ref.registry)) throw fail("registry \"" + ref.registry + "\" is not a host");
  if (ref.repository.empty()) throw fail("missing repository name");
  if (!is_lower(ref.repository)) {
    throw fail("repository name \"" + ref.repository + "\" must be lower-case");
  }
  std::string_view repo = ref.repository;
  while (true) {
    auto s = repo.find('/');
    std::string_view component = repo.substr(0, s);
    if (!valid_path_component(component)) {
      throw fail("repository component \"" + std::string(component) +
                 "\" must be lower-case letters and digits separated by '.', '_', '__' or '-'");
    }
    if (s == std::string_view::npos) break;
    repo.remove_prefix(s + 1);
  }
  if (ref.name().size() > kMaxNameLength) {
    throw fail("name longer than " + std::to_string(kMaxNameLength) + " characters");
  }
  // TagNameOnly: a bare name means ":latest".
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

std::string short_repository(const Reference& ref, const ShortNameRules& rules) {
  std::string full = ref.name();
  std::string prefix = rules.registry + "/" + rules.prefix;
  if (full.size() > prefix.size() && full.compare(0, prefix.size(), prefix) == 0) {
    return full.substr(prefix.size());
  }
  return full;
}

}  // namespace ig::oci
