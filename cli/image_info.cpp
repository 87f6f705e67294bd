#include "cli/image_info.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "metadata/object_info.hpp"
#include "oci/media_types.hpp"
#include "oci/reference.hpp"
#include "runner/image.hpp"
#include "util/error.hpp"

namespace ig::cli {

namespace {

// Upstream copies the annotations into index.json; images copied in by other tools only carry
// them in the index itself.
std::string created_annotation(oci::LayoutStore& store, const oci::Descriptor& desc) {
  const std::string key(oci::annotation::kCreated);
  if (auto it = desc.annotations.find(key); it != desc.annotations.end()) return it->second;
  if (!oci::is_index_type(desc.media_type)) return {};
  auto index = oci::parse_index(oci::read_all(store, desc));
  auto it = index.annotations.find(key);
  return it == index.annotations.end() ? std::string() : it->second;
}

}  // namespace

std::vector<ImageSummary> list_images(oci::LayoutStore& store) {
  std::vector<ImageSummary> images;
  for (const auto& entry : store.list()) {
    // Images are stored under full references; bare tags (sha256-<hex>.sig, sha256-<hex>) hold
    // their signatures and referrers.
    if (entry.reference.find('/') == std::string::npos) continue;
    oci::Reference ref;
    try {
      ref = oci::parse_reference(entry.reference);
    } catch (const Error&) {
      continue;  // not written by ig; nothing we can name
    }
    if (ref.tag.empty()) continue;
    std::string created = created_annotation(store, entry.descriptor);
    images.push_back({oci::short_repository(ref), ref.tag, entry.descriptor.digest.str(), created});
  }
  std::sort(images.begin(), images.end(), [](const auto& a, const auto& b) {
    return std::tie(a.repository, a.tag) < std::tie(b.repository, b.tag);
  });
  return images;
}

nlohmann::json inspect_image(oci::LayoutStore& store, const std::string& image) {
  auto ref = oci::parse_reference(image);
  auto gadget = runner::open_image(store, ref);
  auto entry = [](std::string content_type, std::string content) {
    return nlohmann::json{{"contentType", std::move(content_type)},
                          {"content", std::move(content)}};
  };
  std::string created;
  if (auto it = gadget.manifest.annotations.find(std::string(oci::annotation::kCreated));
      it != gadget.manifest.annotations.end())
    created = it->second;
  nlohmann::json info;
  info["oci.manifest"] = entry("application/json", gadget.manifest_json);
  info["oci.metadata"] = entry("text/yaml", gadget.metadata_yaml);
  info["oci.repository"] = entry("text/plain", ref.name());
  info["oci.tag"] = entry("text/plain", ref.tag);
  info["oci.digest"] = entry("text/plain", gadget.manifest.config.digest.str());
  info["oci.created"] = entry("text/plain", created);
  if (!gadget.ebpf_object.empty()) {
    const auto object = metadata::describe_object(gadget.ebpf_object);
    nlohmann::json maps = nlohmann::json::array();
    for (const auto& m : object.maps) {
      // Upstream leaves these two out of the list (not out of the sections).
      if (m.name == ".rodata" || m.name == ".bss") continue;
      maps.push_back({{"Name", m.name}, {"Type", metadata::map_type_name(m.type)}});
    }
    nlohmann::json programs = nlohmann::json::array();
    for (const auto& p : object.programs) programs.push_back({{"Section", p.section}});
    nlohmann::json variables = nlohmann::json::array();
    for (const auto& v : object.variables) {
      variables.push_back(
          {{"Name", v.name}, {"Offset", v.offset}, {"Size", v.size}, {"Map", v.section}});
    }
    info["ebpf.sections"] = entry("application/json", nlohmann::json(object.sections).dump());
    info["ebpf.maps"] = entry("application/json", maps.dump());
    info["ebpf.programs"] = entry("application/json", programs.dump());
    info["ebpf.variables"] = entry("application/json", variables.dump());
    info["ebpf.flowchart"] = entry("text/mermaid", metadata::flowchart(object));
    info["ebpf.sequence"] = entry("text/mermaid", metadata::sequence_diagram(object));
  }
  return info;
}

namespace {

// YAML -> JSON with the scalar typing of sigs.k8s.io/yaml: unquoted true/false, null, integers
// and floats become JSON values, everything else strings.
nlohmann::json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& child : node) out.push_back(yaml_to_json(child));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() == "!") return text;  // quoted
      if (text == "true" || text == "false") return text == "true";
      if (text == "null" || text == "~") return nullptr;
      char* end = nullptr;
      errno = 0;
      const long long integer = std::strtoll(text.c_str(), &end, 10);
      if (!text.empty() && *end == '\0' && errno == 0) return integer;
      const double number = std::strtod(text.c_str(), &end);
      if (!text.empty() && *end == '\0' && errno == 0) return number;
      return text;
    }
    default:
      return nullptr;
  }
}

}  // namespace

std::string render_extra_info(const nlohmann::json& entry, const std::string& output) {
  const std::string& type = entry.at("contentType").get_ref<const std::string&>();
  const std::string& content = entry.at("content").get_ref<const std::string&>();
  nlohmann::json value;
  if (type == "application/json") {
    value = nlohmann::json::parse(content, nullptr, false);
  } else if (type == "text/yaml") {
    try {
      value = yaml_to_json(YAML::Load(content));
    } catch (const YAML::Exception&) {
      value = nlohmann::json::value_t::discarded;
    }
  } else {
    return content + "\n";  // text: as it is, in every output mode
  }
  if (value.is_discarded()) return content + "\n";
  if (output == "yaml") return to_yaml(value);
  return value.dump(output == "json" ? -1 : 2) + "\n";
}

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); i++) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); i++) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

namespace {

void emit(YAML::Emitter& out, const nlohmann::ordered_json& value) {
  if (value.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [key, child] : value.items()) {
      out << YAML::Key << key << YAML::Value;
      emit(out, child);
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& child : value) emit(out, child);
    out << YAML::EndSeq;
  } else if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text.find('\n') != std::string::npos)
      out << YAML::Literal << text;
    else
      out << text;
  } else if (value.is_null()) {
    out << YAML::Null;
  } else {
    out << value.dump();
  }
}

}  // namespace

std::string to_yaml(const nlohmann::ordered_json& value) {
  YAML::Emitter out;
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace ig::cli
