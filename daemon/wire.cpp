#include "daemon/wire.hpp"

#include <algorithm>
#include <cstring>
#include <set>

#include "util/error.hpp"

namespace ig::daemon::wire {
namespace {

using metadata::FieldKind;
using runner::fields::Field;
using runner::output::Value;

bool has_value(const Field& f) { return f.schema.kind != FieldKind::Struct; }

api::Kind sized_kind(uint32_t size, api::Kind k1, api::Kind k2, api::Kind k4, api::Kind k8) {
  switch (size) {
    case 1:
      return k1;
    case 2:
      return k2;
    case 4:
      return k4;
    default:
      return k8;  // 8 bytes, and bitfields of wider storage
  }
}

api::Kind kind_of(const metadata::FieldSchema& s) {
  switch (s.kind) {
    case FieldKind::Int:
      return sized_kind(s.size, api::Int8, api::Int16, api::Int32, api::Int64);
    case FieldKind::Uint:
    case FieldKind::Enum:  // its name, when shown, is a formatted field of its own
      return sized_kind(s.size, api::Uint8, api::Uint16, api::Uint32, api::Uint64);
    case FieldKind::Bool:
      return api::Bool;
    case FieldKind::Float:
      return s.size == 4 ? api::Float32 : api::Float64;
    case FieldKind::Bytes:
      return api::Bytes;
    case FieldKind::String:
    case FieldKind::Formatted:
      return api::String;
    case FieldKind::Struct:
      return api::Invalid;
  }
  return api::Invalid;
}

// Bytes of a fixed-size kind; 0 for texts, bytes and containers.
uint32_t fixed_size(api::Kind kind) {
  switch (kind) {
    case api::Bool:
    case api::Int8:
    case api::Uint8:
      return 1;
    case api::Int16:
    case api::Uint16:
      return 2;
    case api::Int32:
    case api::Uint32:
    case api::Float32:
      return 4;
    case api::Int64:
    case api::Uint64:
    case api::Float64:
      return 8;
    default:
      return 0;
  }
}

FieldKind field_kind(api::Kind kind) {
  switch (kind) {
    case api::Bool:
      return FieldKind::Bool;
    case api::Int8:
    case api::Int16:
    case api::Int32:
    case api::Int64:
      return FieldKind::Int;
    case api::Uint8:
    case api::Uint16:
    case api::Uint32:
    case api::Uint64:
      return FieldKind::Uint;
    case api::Float32:
    case api::Float64:
      return FieldKind::Float;
    case api::String:
    case api::CString:
      return FieldKind::String;
    case api::Bytes:
      return FieldKind::Bytes;
    default:
      return FieldKind::Struct;  // no value: a container, or a kind this client cannot show
  }
}

void append_little_endian(std::string& out, uint64_t value, uint32_t size) {
  for (uint32_t i = 0; i < size; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

uint64_t read_little_endian(const char* p, uint32_t size) {
  uint64_t value = 0;
  for (uint32_t i = 0; i < size; ++i) value |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return value;
}

void encode_value(const Field& f, const Value& v, std::string& out) {
  const api::Kind kind = kind_of(f.schema);
  const uint32_t size = fixed_size(kind);
  switch (kind) {
    case api::Float32: {
      const float value = static_cast<float>(v.d);
      uint32_t bits;
      std::memcpy(&bits, &value, 4);
      append_little_endian(out, bits, 4);
      return;
    }
    case api::Float64: {
      uint64_t bits;
      std::memcpy(&bits, &v.d, 8);
      append_little_endian(out, bits, 8);
      return;
    }
    case api::Int8:
    case api::Int16:
    case api::Int32:
    case api::Int64:
      append_little_endian(out, static_cast<uint64_t>(v.i), size);
      return;
    case api::String:
    case api::Bytes:
      out = v.s;
      return;
    default:
      append_little_endian(out, v.u, size);  // unsigned and bool
  }
}

void decode_value(api::Kind kind, const char* p, uint32_t size, Value& v) {
  switch (kind) {
    case api::Float32: {
      const uint32_t bits = static_cast<uint32_t>(read_little_endian(p, 4));
      float value;
      std::memcpy(&value, &bits, 4);
      v.d = value;
      return;
    }
    case api::Float64: {
      const uint64_t bits = read_little_endian(p, 8);
      std::memcpy(&v.d, &bits, 8);
      return;
    }
    case api::String:
    case api::CString:
      v.s.assign(p, strnlen(p, size));  // a C string ends at its NUL
      return;
    case api::Bytes:
      v.s.assign(p, size);
      return;
    default:
      break;
  }
  v.u = read_little_endian(p, size);
  const uint32_t bits = size * 8;
  if (bits > 0 && bits < 64 && field_kind(kind) == FieldKind::Int) {
    const uint64_t sign = uint64_t{1} << (bits - 1);
    v.i = static_cast<int64_t>((v.u ^ sign) - sign);
  } else {
    v.i = static_cast<int64_t>(v.u);
  }
}

}  // namespace

void describe(const runner::fields::FieldTable& table, api::DataSource& out) {
  const auto& fields = table.fields();
  uint32_t payload = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    const Field& f = fields[i];
    api::Field* d = out.add_fields();
    d->set_name(f.name);
    d->set_fullname(f.schema.full_name);
    d->set_index(static_cast<uint32_t>(i));
    d->set_kind(kind_of(f.schema));
    // Numbers have their kind's size; fixed arrays and structs theirs (columns print it as
    // "<N bytes>"); texts and the bytes after a record any length.
    const bool sized = f.schema.kind == FieldKind::Struct || (f.schema.kind == FieldKind::Bytes && !f.schema.rest);
    d->set_size(sized ? f.schema.size : fixed_size(d->kind()));
    d->set_order(f.order);
    uint32_t flags = 0;
    if (has_value(f)) {
      d->set_payloadindex(payload++);
    } else {
      flags |= kFieldEmpty | kFieldContainer;
    }
    if (f.parent >= 0) {
      flags |= kFieldHasParent;
      d->set_parent(static_cast<uint32_t>(f.parent));
    }
    d->set_flags(flags);
    for (const auto& [key, value] : f.annotations) (*d->mutable_annotations())[key] = value;
  }
}

void encode(const runner::fields::FieldTable& table, const runner::output::Row& row,
            api::DataElement& out) {
  const auto& fields = table.fields();
  for (size_t i = 0; i < fields.size(); ++i) {
    if (has_value(fields[i])) encode_value(fields[i], row[i], *out.add_payload());
  }
}

namespace {

// A daemon may describe "runtime.containerName" without a "runtime" field; the client adds
// the container before its first member, as the field table links parents that come first.
void add_missing_parents(std::vector<Field>& fields, std::vector<api::Field>& kept) {
  std::set<std::string> names;
  for (const auto& f : fields) names.insert(f.schema.full_name);
  std::vector<Field> with_parents;
  std::vector<api::Field> kept_with_parents;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string& name = fields[i].schema.full_name;
    for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
      const std::string parent = name.substr(0, dot);
      if (!names.insert(parent).second) continue;
      Field container;
      container.schema.full_name = parent;
      container.schema.kind = FieldKind::Struct;
      container.schema.depth = static_cast<int>(std::count(parent.begin(), parent.end(), '.'));
      container.order = fields[i].order;
      with_parents.push_back(std::move(container));
      api::Field described;
      described.set_flags(kFieldEmpty | kFieldContainer);
      kept_with_parents.push_back(std::move(described));
    }
    with_parents.push_back(std::move(fields[i]));
    kept_with_parents.push_back(std::move(kept[i]));
  }
  fields = std::move(with_parents);
  kept = std::move(kept_with_parents);
}

constexpr const char* kNodeField = "k8s.node";

// A run on several daemons prints as kubectl-gadget does: K8S.NODE K8S.NAMESPACE K8S.PODNAME
// K8S.CONTAINERNAME first, instead of RUNTIME.CONTAINERNAME. A daemon that sends no k8s.node
// gets one the client fills.
void show_kubernetes_columns(std::vector<Field>& fields, std::vector<api::Field>& kept) {
  int first = 0;
  for (const auto& f : fields) first = std::min(first, f.order);
  const bool has_node = std::any_of(fields.begin(), fields.end(),
                                    [](const Field& f) { return f.schema.full_name == kNodeField; });
  if (!has_node) {
    Field node;
    node.schema.full_name = kNodeField;
    node.schema.kind = FieldKind::String;
    node.schema.depth = 1;
    node.annotations["description"] = "Node the event comes from";
    fields.push_back(std::move(node));
    kept.emplace_back();  // no payload: decode() fills it
    add_missing_parents(fields, kept);
  }
  static constexpr const char* kShown[] = {kNodeField, "k8s.namespace", "k8s.podName", "k8s.containerName"};
  for (auto& f : fields) {
    for (int i = 0; i < 4; ++i) {
      if (f.schema.full_name == kShown[i]) {
        f.order = first - 4 + i;
        f.annotations["columns.hidden"] = "false";
      }
    }
    if (f.schema.full_name == "runtime.containerName") f.annotations["columns.hidden"] = "true";
  }
}

// The fields of a described data source, and where each one's value is.
std::vector<Field> described_fields(const api::DataSource& described, std::vector<api::Field>& kept) {
  std::vector<Field> fields;
  for (const api::Field& d : described.fields()) {
    if (d.flags() & kFieldUnreferenced) continue;  // replaced by another field of its name
    Field f;
    f.schema.full_name = d.fullname();
    f.schema.kind = (d.flags() & kFieldEmpty) ? FieldKind::Struct : field_kind(d.kind());
    f.schema.size = fixed_size(d.kind()) != 0 ? fixed_size(d.kind()) : d.size();
    f.schema.rest = f.schema.kind == FieldKind::Bytes && d.size() == 0;
    f.schema.depth = static_cast<int>(std::count(d.fullname().begin(), d.fullname().end(), '.'));
    f.order = d.order();
    for (const auto& [key, value] : d.annotations()) f.annotations[key] = value;
    if (d.flags() & kFieldHidden) f.annotations["columns.hidden"] = "true";
    fields.push_back(std::move(f));
    kept.push_back(d);
  }
  add_missing_parents(fields, kept);
  return fields;
}

}  // namespace

RemoteDataSource::RemoteDataSource(const api::DataSource& described, bool node_field)
    : table_([&] {
        if (described.flags() & kDataSourceBigEndian) {
          throw Error(ErrorCode::Unsupported,
                      "data source " + described.name() + ": big-endian payloads are not supported");
        }
        std::vector<api::Field> kept;
        std::vector<Field> fields = described_fields(described, kept);
        if (node_field) show_kubernetes_columns(fields, kept);
        adds_node_ = node_field;
        for (const api::Field& d : kept) {
          slots_.push_back({d.payloadindex(), d.offs(), d.size(), d.kind()});
          if (d.flags() & kFieldEmpty) slots_.back().kind = api::Invalid;
        }
        return runner::fields::FieldTable(std::move(fields));
      }()),
      array_(described.type() == kTypeArray) {
  if (adds_node_) node_index_ = table_.find(kNodeField);
}

void RemoteDataSource::decode(const api::DataElement& element, const std::string& node,
                              runner::output::Row& row) const {
  decode(element, row);
  // A daemon that knows no node name of its own leaves it empty.
  if (node_index_ >= 0 && row[node_index_].s.empty()) row[node_index_].s = node;
}

void RemoteDataSource::decode(const api::DataElement& element, runner::output::Row& row) const {
  row.assign(slots_.size(), Value{});
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot& slot = slots_[i];
    if (slot.kind == api::Invalid || slot.payload >= static_cast<uint32_t>(element.payload_size())) {
      continue;
    }
    const std::string& payload = element.payload(static_cast<int>(slot.payload));
    if (slot.offset > payload.size()) continue;
    const size_t available = payload.size() - slot.offset;
    const uint32_t fixed = fixed_size(slot.kind);
    uint32_t size = slot.size != 0 ? slot.size : static_cast<uint32_t>(available);
    if (fixed != 0) size = fixed;
    if (size > available) continue;
    decode_value(slot.kind, payload.data() + slot.offset, size, row[i]);
  }
}

}  // namespace ig::daemon::wire
