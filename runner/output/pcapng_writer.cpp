#include "runner/output/pcapng_writer.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "util/error.hpp"

namespace ig::runner::output {
namespace {

// Block types and options of the pcapng format (IETF draft-ietf-opsawg-pcapng).
constexpr uint32_t kSectionHeader = 0x0A0D0D0A, kInterfaceDescription = 1, kEnhancedPacket = 6;
constexpr uint16_t kEndOfOptions = 0, kIfName = 2, kIfDescription = 3, kIfTsresol = 9, kIfOs = 12;
constexpr uint16_t kLinkTypeEthernet = 1;

template <typename T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void pad4(std::string& out, size_t from) {
  while ((out.size() - from) % 4 != 0) out += '\0';
}

void put_option(std::string& out, uint16_t code, std::string_view value) {
  put<uint16_t>(out, code);
  put<uint16_t>(out, static_cast<uint16_t>(value.size()));
  const size_t at = out.size();
  out.append(value);
  pad4(out, at);
}

// A block: type, total length, body, total length again.
template <typename Body>
void put_block(std::string& out, uint32_t type, Body body) {
  const size_t start = out.size();
  put<uint32_t>(out, type);
  put<uint32_t>(out, 0);
  body();
  pad4(out, start);
  const auto length = static_cast<uint32_t>(out.size() - start + sizeof(uint32_t));
  std::memcpy(&out[start + sizeof(uint32_t)], &length, sizeof length);
  put<uint32_t>(out, length);
}

// "a b" -> "a+b", as Go's url.QueryEscape.
std::string query_escape(std::string_view text) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

}  // namespace

int PcapNgWriter::field(const metadata::Annotations& annotations, const std::string& key,
                        const std::string& datasource) const {
  const auto it = annotations.find(key);
  const int index = it == annotations.end() ? -1 : table_.find(it->second);
  if (index < 0) {
    throw Error(ErrorCode::InvalidArgument,
                "-o pcap-ng: data source " + datasource +
                    (it == annotations.end() ? " has no " + key + " annotation"
                                             : ": " + key + " names no field \"" + it->second + "\""));
  }
  return index;
}

PcapNgWriter::PcapNgWriter(const fields::FieldTable& table, const metadata::Annotations& annotations,
                           const std::string& datasource)
    : table_(table) {
  payload_ = field(annotations, "pcap.payload", datasource);
  timestamp_ = field(annotations, "pcap.timestamp", datasource);
  length_ = field(annotations, "pcap.packet-length", datasource);
  // A formatted timestamp: its raw source holds the wall-clock nanoseconds.
  const auto& ts = table_.fields()[timestamp_];
  if (ts.schema.kind == metadata::FieldKind::Formatted) timestamp_ = table_.find(ts.schema.source);
  const auto& fields = table_.fields();
  for (size_t i = 0; i < fields.size(); ++i) {
    const auto& a = fields[i].annotations;
    if (auto key = a.find("pcap.interface-key"); key != a.end() && key->second == "true") {
      key_fields_.push_back(static_cast<int>(i));
    }
    if (auto var = a.find("pcap.interface-var"); var != a.end()) {
      variables_.emplace_back(var->second, static_cast<int>(i));
      key_fields_.push_back(static_cast<int>(i));
    }
  }
}

void PcapNgWriter::start(std::string& out) const {
  put_block(out, kSectionHeader, [&] {
    put<uint32_t>(out, 0x1A2B3C4D);  // byte-order magic
    put<uint16_t>(out, 1);
    put<uint16_t>(out, 0);
    put<int64_t>(out, -1);  // section length unknown: it streams
  });
}

uint32_t PcapNgWriter::interface_of(std::string& out, const Row& row) {
  std::string key;
  for (int f : key_fields_) {
    key += table_.fields()[f].schema.kind == metadata::FieldKind::Uint ||
                   table_.fields()[f].schema.kind == metadata::FieldKind::Int
               ? std::to_string(row[f].u)
               : row[f].s;
    key += ':';
  }
  const auto [it, added] = interfaces_.emplace(key, static_cast<uint32_t>(interfaces_.size()));
  if (!added) return it->second;
  std::string description;
  for (const auto& [name, f] : variables_) {
    if (!description.empty()) description += ';';
    description += name + "=" + query_escape(row[f].s);
  }
  put_block(out, kInterfaceDescription, [&] {
    put<uint16_t>(out, kLinkTypeEthernet);
    put<uint16_t>(out, 0);
    put<uint32_t>(out, 0);  // no snap length limit
    put_option(out, kIfName, "virtual");
    if (!description.empty()) put_option(out, kIfDescription, description);
    put_option(out, kIfTsresol, std::string_view("\x09", 1));  // nanoseconds
    put_option(out, kIfOs, "linux");
    put_option(out, kEndOfOptions, {});
  });
  return it->second;
}

void PcapNgWriter::row(std::string& out, const Row& row) {
  const uint32_t interface = interface_of(out, row);
  const std::string& payload = row[payload_].s;
  const uint64_t ns = row[timestamp_].u;
  put_block(out, kEnhancedPacket, [&] {
    put<uint32_t>(out, interface);
    put<uint32_t>(out, static_cast<uint32_t>(ns >> 32));
    put<uint32_t>(out, static_cast<uint32_t>(ns));
    put<uint32_t>(out, static_cast<uint32_t>(payload.size()));
    put<uint32_t>(out, static_cast<uint32_t>(std::max<uint64_t>(row[length_].u, payload.size())));
    const size_t at = out.size();
    out += payload;
    pad4(out, at);
  });
}

}  // namespace ig::runner::output
