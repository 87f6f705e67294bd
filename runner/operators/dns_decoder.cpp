#include "runner/operators/dns_decoder.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "runner/fields/field_table.hpp"

namespace ig::runner::operators {
namespace {

using metadata::FieldKind;

// Names the module gives; others print as their number.
std::string type_name(uint16_t type) {
  switch (type) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 11: return "WKS";
    case 12: return "PTR";
    case 13: return "HINFO";
    case 14: return "MINFO";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 33: return "SRV";
    case 41: return "OPT";
    case 252: return "AXFR";
    case 255: return "ALL";
  }
  return std::to_string(type);
}

std::string rcode_name(uint16_t rcode) {
  static const char* const kNames[] = {"Success",   "FormatError",    "ServerFailure",
                                       "NameError", "NotImplemented", "Refused"};
  return rcode < 6 ? kNames[rcode] : std::to_string(rcode);
}

// A DNS message (RFC 1035 §4) as far as the module reads it.
class Message {
 public:
  Message(const unsigned char* data, size_t size) : data_(data), size_(size) {}

  std::optional<uint16_t> u16() {
    if (at_ + 2 > size_) return std::nullopt;
    const uint16_t v = static_cast<uint16_t>(data_[at_] << 8 | data_[at_ + 1]);
    at_ += 2;
    return v;
  }
  bool skip(size_t n) {
    if (at_ + n > size_) return false;
    at_ += n;
    return true;
  }
  const unsigned char* here() const { return data_ + at_; }

  // A name with compression pointers, "example.com." (Go's dnsmessage.Name), "." for the root.
  std::optional<std::string> name() {
    std::string out;
    size_t at = at_;
    bool jumped = false;
    for (int hops = 0; hops < 64; ++hops) {
      if (at >= size_) return std::nullopt;
      const unsigned char length = data_[at];
      if (length == 0) {
        if (!jumped) at_ = at + 1;
        return out.empty() ? "." : out;
      }
      if ((length & 0xC0) == 0xC0) {
        if (at + 1 >= size_) return std::nullopt;
        if (!jumped) at_ = at + 2;
        jumped = true;
        at = static_cast<size_t>((length & 0x3F) << 8 | data_[at + 1]);
        continue;
      }
      if (at + 1 + length > size_ || out.size() + length > 255) return std::nullopt;
      out.append(reinterpret_cast<const char*>(data_ + at + 1), length);
      out += '.';
      at += 1 + length;
    }
    return std::nullopt;  // a pointer loop
  }

 private:
  const unsigned char* data_;
  size_t size_;
  size_t at_ = 0;
};

class DnsDecoder : public DataOperator {
 public:
  DnsDecoder(int data, int offset, std::vector<int> targets)
      : data_(data), offset_(offset), targets_(std::move(targets)) {}
  std::string_view name() const override { return "dns"; }

  bool on_event(output::Row& row) override {
    for (int t : targets_) row[t] = output::Value{};
    const std::string& packet = row[data_].s;
    const uint64_t offset = row[offset_].u;
    if (offset < packet.size()) {
      decode(reinterpret_cast<const unsigned char*>(packet.data()) + offset, packet.size() - offset, row);
    }
    return true;  // an undecodable message keeps its event, without the fields (as the module)
  }

 private:
  enum Target { Id, QrRaw, Qr, QtypeRaw, Qtype, Name, RcodeRaw, Rcode, NumAnswers, Addresses, Tc, Ra, Rd };
  output::Value& at(output::Row& row, Target t) { return row[targets_[t]]; }

  void decode(const unsigned char* data, size_t size, output::Row& row) {
    Message m(data, size);
    const auto id = m.u16(), flags = m.u16(), questions = m.u16(), answers = m.u16();
    if (!id || !m.skip(4)) return;
    char hex[8];
    std::snprintf(hex, sizeof hex, "%.4x", *id);
    at(row, Id).s = hex;
    const bool response = *flags & 0x8000;
    at(row, QrRaw).u = response;
    at(row, Qr).s = response ? "R" : "Q";
    if (response) {
      at(row, RcodeRaw).u = *flags & 0xF;
      at(row, Rcode).s = rcode_name(*flags & 0xF);
    }
    at(row, Tc).u = (*flags & 0x0200) != 0;
    at(row, Rd).u = (*flags & 0x0100) != 0;
    at(row, Ra).u = (*flags & 0x0080) != 0;
    for (uint16_t q = 0; q < *questions; ++q) {
      const auto name = m.name();
      const auto type = m.u16();
      if (!name || !type || !m.skip(2)) return;
      if (q > 0) continue;
      at(row, QtypeRaw).u = *type;
      at(row, Qtype).s = type_name(*type);
      at(row, Name).s = *name;
    }
    at(row, NumAnswers).i = *answers;
    std::string& addresses = at(row, Addresses).s;
    for (uint16_t a = 0; a < *answers; ++a) {
      const auto name = m.name();
      const auto type = m.u16();
      if (!name || !type || !m.skip(6)) return;
      const auto length = m.u16();
      if (!length) return;
      const unsigned char* rdata = m.here();
      if (!m.skip(*length)) return;
      char text[INET6_ADDRSTRLEN];
      const int family = *type == 1 && *length == 4 ? AF_INET : *type == 28 && *length == 16 ? AF_INET6 : 0;
      if (family == 0 || !inet_ntop(family, rdata, text, sizeof text)) continue;
      if (!addresses.empty()) addresses += ',';
      addresses += text;
    }
  }

  int data_, offset_;
  std::vector<int> targets_;
};

}  // namespace

const std::vector<DnsField>& dns_fields() {
  static const std::vector<DnsField> fields = {
      {"id", FieldKind::String, 0},        {"qr_raw", FieldKind::Bool, 1},
      {"qr", FieldKind::String, 0},        {"qtype_raw", FieldKind::Uint, 2},
      {"qtype", FieldKind::String, 0},     {"name", FieldKind::String, 0},
      {"rcode_raw", FieldKind::Uint, 2},   {"rcode", FieldKind::String, 0},
      {"num_answers", FieldKind::Int, 4},  {"addresses", FieldKind::String, 0},
      {"tc", FieldKind::Bool, 1},          {"ra", FieldKind::Bool, 1},
      {"rd", FieldKind::Bool, 1}};
  return fields;
}

bool carries_dns_messages(const std::vector<metadata::FieldSchema>& fields) {
  const auto has = [&](const char* name, auto test) {
    return std::any_of(fields.begin(), fields.end(), [&](const metadata::FieldSchema& f) {
      return f.full_name == name && test(f);
    });
  };
  return has("data", [](const metadata::FieldSchema& f) { return f.rest; }) &&
         has("dns_off", [](const metadata::FieldSchema& f) { return f.kind == FieldKind::Uint; });
}

std::unique_ptr<DataOperator> make_dns_decoder(const fields::FieldTable& table) {
  std::vector<metadata::FieldSchema> schemas;
  for (const auto& f : table.fields()) schemas.push_back(f.schema);
  if (!carries_dns_messages(schemas)) return nullptr;
  std::vector<int> targets;
  for (const auto& f : dns_fields()) {
    const int index = table.find(f.name);
    if (index < 0) return nullptr;
    targets.push_back(index);
  }
  return std::make_unique<DnsDecoder>(table.find("data"), table.find("dns_off"), std::move(targets));
}

}  // namespace ig::runner::operators
