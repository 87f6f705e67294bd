#include "runner/output/histogram.hpp"

#include <bpf/btf.h>

#include <cstdio>
#include <cstring>

namespace ig::runner::output {

size_t histogram_slot_size(const struct btf* btf, uint32_t type_id) {
  const struct btf_type* t = btf__type_by_id(btf, type_id);
  if (t == nullptr || !btf_is_array(t)) return 0;
  uint32_t id = btf_array(t)->type;
  for (t = btf__type_by_id(btf, id); t != nullptr; t = btf__type_by_id(btf, id)) {
    if (btf_is_typedef(t)) {
      const std::string name = btf__name_by_offset(btf, t->name_off);
      if (name == "gadget_histogram_slot__u32") return 4;
      if (name == "gadget_histogram_slot__u64") return 8;
    }
    if (!btf_is_typedef(t) && !btf_is_mod(t)) return 0;
    id = t->type;
  }
  return 0;
}

namespace {

std::string annotation(const fields::Field& field, const char* key) {
  const auto it = field.annotations.find(key);
  return it == field.annotations.end() ? std::string() : it->second;
}

}  // namespace

std::string render_log2_histogram(const std::string& unit, const std::vector<uint64_t>& counts) {
  constexpr int kStars = 40;
  uint64_t max = 0;
  for (uint64_t c : counts) max = std::max(max, c);
  std::string out(8, ' ');
  out += unit;
  // Go pads to 16 runes, not bytes: "µs" is two.
  size_t runes = 0;
  for (unsigned char ch : unit) runes += (ch & 0xc0) != 0x80;
  out.append(runes < 16 ? 16 - runes : 0, ' ');
  out += " : count    distribution\n";
  char line[128];
  for (size_t i = 0; i < counts.size(); ++i) {
    const uint64_t start = i == 0 ? 0 : uint64_t{1} << (i - 1);
    const uint64_t end = uint64_t{1} << i;
    const uint64_t stars = max == 0 ? 0 : counts[i] * kStars / max;
    std::snprintf(line, sizeof line, "%10llu -> %-10llu : %-8llu |",
                  static_cast<unsigned long long>(start), static_cast<unsigned long long>(end),
                  static_cast<unsigned long long>(counts[i]));
    out += line;
    out.append(stars, '*');
    out.append(kStars - stars, ' ');
    out += "|\n";
  }
  return out;
}

HistogramPrinter::HistogramPrinter(const struct btf* btf, const fields::FieldTable& table) {
  const auto& fields = table.fields();
  for (size_t i = 0; i < fields.size(); ++i) {
    const auto& f = fields[i];
    if (f.operator_field || f.schema.kind != metadata::FieldKind::Bytes) continue;
    const size_t size = histogram_slot_size(btf, f.schema.btf_type_id);
    if (size == 0) continue;
    std::string name = annotation(f, "metrics.name");
    fields_.push_back({static_cast<int>(i), name.empty() ? f.schema.full_name : name,
                       annotation(f, "metrics.unit"), size,
                       std::vector<uint64_t>(f.schema.size / size, 0)});
  }
}

void HistogramPrinter::add(const std::vector<Row>& rows) {
  for (const auto& row : rows) {
    for (auto& h : fields_) {
      const std::string& bytes = row[h.field].s;
      for (size_t i = 0; i < h.counts.size() && (i + 1) * h.slot_size <= bytes.size(); ++i) {
        uint64_t value = 0;
        if (h.slot_size == 4) {
          uint32_t v32;
          std::memcpy(&v32, bytes.data() + i * 4, 4);
          value = v32;
        } else {
          std::memcpy(&value, bytes.data() + i * 8, 8);
        }
        h.counts[i] += value;
        counted_ = counted_ || value != 0;
      }
    }
  }
}

std::string HistogramPrinter::render() const {
  if (!counted_) return {};
  std::string out;
  for (const auto& h : fields_)
    out += h.name + "\n" + render_log2_histogram(h.unit, h.counts) + "\n";
  return out;
}

}  // namespace ig::runner::output
