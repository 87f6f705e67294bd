#include <bpf/libbpf.h>

#include <algorithm>
#include <set>

#include <yaml-cpp/yaml.h>

#include "metadata/declared_fields.hpp"
#include "oci/reference.hpp"
#include "runner/acquire.hpp"
#include "runner/instance/instance.hpp"
#include "runner/instance/operators.hpp"
#include "runner/operators/dns_decoder.hpp"
#include "runner/stats/operator_settings.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

std::vector<std::string> split_items(const std::string& text) {
  std::vector<std::string> parts;
  size_t at = 0;
  while (at <= text.size()) {
    size_t comma = text.find(',', at);
    if (comma == std::string::npos) comma = text.size();
    if (comma > at) parts.push_back(text.substr(at, comma - at));
    at = comma + 1;
  }
  return parts;
}

// --annotate "ds:key=value,ds.field:key=value": annotations given at run time, over
// gadget.yaml's (upstream's flag).
void apply_annotate(const std::vector<std::string>& entries, metadata::GadgetMetadata& meta) {
  for (const auto& entry : entries) {
    for (const auto& item : split_items(entry)) {
      const size_t colon = item.find(':');
      const size_t equals = item.find('=', colon == std::string::npos ? 0 : colon);
      if (colon == std::string::npos || colon == 0 || equals == std::string::npos ||
          equals == colon + 1) {
        throw Error(ErrorCode::InvalidArgument,
                    "--annotate \"" + item + "\": expected datasource[.field]:key=value");
      }
      const std::string target = item.substr(0, colon);
      const std::string key = item.substr(colon + 1, equals - colon - 1);
      const std::string value = item.substr(equals + 1);
      const size_t dot = target.find('.');
      auto& ds = meta.datasources[target.substr(0, dot)];
      if (dot == std::string::npos) {
        ds.annotations[key] = value;
      } else {
        ds.fields[target.substr(dot + 1)].annotations[key] = value;
      }
    }
  }
}

// Whether ig's DNS decoder fills `field` of data source `ds` (upstream's trace_dns).
bool decoded_natively(const PreparedGadget& g, const std::string& ds, const std::string& field) {
  const auto& dns = operators::dns_fields();
  if (std::none_of(dns.begin(), dns.end(), [&](const auto& f) { return field == f.name; })) {
    return false;
  }
  const auto structs = metadata::datasource_structs(g.markers);
  const auto it = structs.find(ds);
  if (it == structs.end() || it->second.size() != 1) return false;
  return operators::carries_dns_messages(metadata::event_fields(
      bpf_object__btf(g.spec.get()), it->second.front(), datasource_metadata(g.meta, ds)));
}

// The wasm module of upstream's images computes fields and data sources gadget.yaml declares;
// without it they stay empty (unless ig computes them natively), and the user is told which.
std::string wasm_loss(const std::string& image, const PreparedGadget& g) {
  std::string lost;
  for (const auto& entry :
       metadata::unprovided_entries(g.meta, g.markers, bpf_object__btf(g.spec.get()))) {
    if (decoded_natively(g, entry.datasource, entry.field)) continue;
    lost += lost.empty() ? "" : ", ";
    lost += entry.field.empty() ? entry.datasource : entry.datasource + "." + entry.field;
  }
  return "image \"" + image + "\" has a wasm module, which ig does not run: running its eBPF " +
         "part only; " +
         (lost.empty() ? "no declared field depends on it" : "empty without it: " + lost);
}

class ImageOperator : public GadgetOperator {
 public:
  std::string_view name() const override { return "image"; }
  void instantiate(GadgetInstance& instance) override {
    instance.gadget() = prepare_gadget(instance.options(), instance.store(),
                                       [&instance](const std::string& l) { instance.warn(l); });
    PreparedGadget& g = instance.gadget();
    g.custom_values = stats::take_custom_params(g.image.metadata_yaml, instance.gadget_args());
  }
};

// An image without an eBPF program runs when gadget.yaml enables operators that ig has
// (operator.<name>.emitstats); it names the ones it lacks.
void check_operator_only(const std::string& image, const std::string& metadata_yaml) {
  static const std::set<std::string> kImplemented = {"process", "ebpf", "cgroup"};
  std::string missing;
  bool runnable = false;
  YAML::Node operators;
  try {
    operators = YAML::Load(metadata_yaml)["operator"];
  } catch (const YAML::Exception&) {
  }
  if (operators && operators.IsMap()) {
    for (const auto& entry : operators) {
      const std::string name = entry.first.as<std::string>();
      if (kImplemented.count(name) != 0) {
        runnable = true;
      } else {
        missing += (missing.empty() ? "" : ", ") + name;
      }
    }
  }
  if (runnable && missing.empty()) return;
  std::string message = "image \"" + image + "\" has no eBPF program layer";
  if (!missing.empty()) message += ", and ig does not implement its operators (" + missing + ")";
  throw Error(ErrorCode::Unsupported, message);
}

}  // namespace

PreparedGadget prepare_gadget(const RunOptions& options, oci::LayoutStore& store,
                              const std::function<void(const std::string&)>& warn) {
  oci::Reference ref = acquire_image(options, store, warn);
  PreparedGadget g;
  g.image = open_image(store, ref, warn);
  const std::string& repo = ref.repository;
  g.object_name = repo.substr(repo.rfind('/') + 1);
  if (!g.image.metadata_yaml.empty()) {
    g.meta = metadata::parse_metadata(g.image.metadata_yaml, ref.str() + ": gadget.yaml");
  }
  apply_annotate(options.annotate, g.meta);
  if (g.image.ebpf_object.empty()) {
    check_operator_only(ref.str(), g.image.metadata_yaml);
    return g;  // its data sources come from operators
  }
  g.spec = open_object(g.image.ebpf_object, g.object_name);
  const struct btf* btf = bpf_object__btf(g.spec.get());
  if (!btf) {
    throw Error(ErrorCode::Unsupported, "image \"" + ref.str() + "\": the eBPF object has no BTF");
  }
  g.markers = metadata::discover_markers(btf);
  g.params = collect_params(g.spec.get(), g.markers, g.meta);
  if (g.image.has_wasm && warn) warn(wasm_loss(ref.str(), g));
  return g;
}

namespace operators {
std::unique_ptr<GadgetOperator> make_image_operator() { return std::make_unique<ImageOperator>(); }
}  // namespace operators

}  // namespace ig::runner
