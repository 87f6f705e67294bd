#include "runner/metrics/registry.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "util/error.hpp"

namespace ig::runner::metrics {
namespace {

// The unit suffixes of OpenTelemetry's Prometheus translation; other units add none.
std::string unit_suffix(const std::string& unit) {
  static const std::map<std::string, std::string> kSuffixes = {
      {"s", "seconds"},   {"ms", "milliseconds"}, {"us", "microseconds"}, {"ns", "nanoseconds"},
      {"min", "minutes"}, {"h", "hours"},         {"d", "days"},          {"By", "bytes"},
      {"KiBy", "kibibytes"}, {"MiBy", "mebibytes"}, {"GiBy", "gibibytes"}, {"KBy", "kilobytes"},
      {"MBy", "megabytes"},  {"GBy", "gigabytes"},  {"%", "percent"},      {"Hz", "hertz"}};
  const auto it = kSuffixes.find(unit);
  return it == kSuffixes.end() ? "" : it->second;
}

bool ends_with_word(const std::string& name, const std::string& word) {
  return name.size() > word.size() && name.ends_with(word) && name[name.size() - word.size() - 1] == '_';
}

std::string exposed_name(Kind kind, const std::string& name, const std::string& unit) {
  std::string exposed = sanitize_name(name);
  const std::string suffix = unit_suffix(unit);
  if (!suffix.empty() && !ends_with_word(exposed, suffix)) exposed += "_" + suffix;
  if (kind == Kind::Counter && !ends_with_word(exposed, "total")) exposed += "_total";
  return exposed;
}

std::string escape_label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// {a="x",b="y"} with an optional extra last label (le).
std::string label_text(const Labels& labels, const std::string& le = "") {
  std::string out;
  for (const auto& [name, value] : labels) {
    out += (out.empty() ? "{" : ",") + name + "=\"" + escape_label_value(value) + "\"";
  }
  if (!le.empty()) out += (out.empty() ? "{" : ",") + std::string("le=\"") + le + "\"";
  return out.empty() ? out : out + "}";
}

const char* type_name(Kind kind) {
  switch (kind) {
    case Kind::Counter: return "counter";
    case Kind::Gauge: return "gauge";
    case Kind::Histogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[64];
  auto end = std::to_chars(text, text + sizeof text, value, std::chars_format::scientific).ptr;
  std::string scientific(text, end);
  const int exponent = std::atoi(scientific.c_str() + scientific.find('e') + 1);
  if (exponent < -4 || exponent >= 6) return scientific;
  end = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed).ptr;
  return std::string(text, end);
}

std::string sanitize_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(0, "_");
  return out;
}

int Registry::declare(Kind kind, const std::string& name, const std::string& help, const std::string& unit,
                      std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  const std::string exposed = exposed_name(kind, name, unit);
  for (size_t i = 0; i < families_.size(); ++i) {
    if (families_[i].name != exposed) continue;
    if (families_[i].kind != kind) {
      throw Error(ErrorCode::InvalidArgument, "metric " + exposed + " is declared as both " +
                                                  type_name(families_[i].kind) + " and " + type_name(kind));
    }
    return static_cast<int>(i);
  }
  families_.push_back({kind, exposed, help, std::move(bounds)});
  series_.emplace_back();
  return static_cast<int>(families_.size() - 1);
}

Registry::Series& Registry::series(int family, const Labels& labels) {
  auto [it, inserted] = series_[family].try_emplace(labels);
  if (inserted && families_[family].kind == Kind::Histogram) {
    it->second.buckets.assign(families_[family].bounds.size() + 1, 0);
  }
  return it->second;
}

void Registry::add(int family, const Labels& labels, double delta) {
  std::lock_guard lock(mutex_);
  series(family, labels).value += delta;
}

void Registry::set(int family, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  series(family, labels).value = value;
}

void Registry::observe(int family, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  const auto& bounds = families_[family].bounds;
  Series& s = series(family, labels);
  size_t bucket = 0;
  while (bucket < bounds.size() && value > bounds[bucket]) ++bucket;  // (b[i-1], b[i]]
  ++s.buckets[bucket];
  ++s.count;
  s.sum += value;
}

void Registry::observe_counts(int family, const Labels& labels, const std::vector<uint64_t>& counts, double sum) {
  std::lock_guard lock(mutex_);
  Series& s = series(family, labels);
  for (size_t i = 0; i < counts.size() && i < s.buckets.size(); ++i) {
    s.buckets[i] += counts[i];
    s.count += counts[i];
  }
  s.sum += sum;
}

void Registry::write_family(std::string& out, const Family& family, const std::map<Labels, Series>& series) const {
  if (!family.help.empty()) out += "# HELP " + family.name + " " + family.help + "\n";
  out += "# TYPE " + family.name + " " + type_name(family.kind) + "\n";
  for (const auto& [labels, s] : series) {
    if (family.kind != Kind::Histogram) {
      out += family.name + label_text(labels) + " " + format_value(s.value) + "\n";
      continue;
    }
    uint64_t cumulative = 0;
    for (size_t i = 0; i < s.buckets.size(); ++i) {
      cumulative += s.buckets[i];
      const std::string le = i < family.bounds.size() ? format_value(family.bounds[i]) : "+Inf";
      out += family.name + "_bucket" + label_text(labels, le) + " " + std::to_string(cumulative) + "\n";
    }
    out += family.name + "_sum" + label_text(labels) + " " + format_value(s.sum) + "\n";
    out += family.name + "_count" + label_text(labels) + " " + std::to_string(s.count) + "\n";
  }
}

std::string Registry::exposition() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, size_t> by_name;
  for (size_t i = 0; i < families_.size(); ++i) by_name.emplace(families_[i].name, i);
  std::string out;
  for (const auto& [name, index] : by_name) {
    if (!series_[index].empty()) write_family(out, families_[index], series_[index]);
  }
  return out;
}

}  // namespace ig::runner::metrics
