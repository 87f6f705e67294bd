#include <bpf/libbpf.h>

#include "runner/instance/instance.hpp"
#include "runner/instance/operators.hpp"
#include "runner/kstack/kernel_stacks.hpp"
#include "runner/ustack/symbolizer.hpp"

namespace ig::runner {
namespace {

// A map of the loaded object that feeds the stacks, -1 when the gadget lacks it.
int map_fd(struct bpf_object* obj, const char* name) {
  struct bpf_map* map = bpf_object__find_map_by_name(obj, name);
  return map ? bpf_map__fd(map) : -1;
}

class StacksOperator : public GadgetOperator {
 public:
  std::string_view name() const override { return "stacks"; }

  void loaded(GadgetInstance& instance, GadgetProgram& program) override {
    struct bpf_object* obj = program.object();
    kernel_stacks_ = std::make_unique<kstack::KernelStacks>(map_fd(obj, "ig_kstack"));
    symbolizer_ = std::make_unique<ustack::Symbolizer>(
        map_fd(obj, "ig_ustack"), map_fd(obj, "ig_build_id"),
        ustack::KernelMappings(map_fd(obj, "ig_ustack_mappings"), map_fd(obj, "ig_ustack_files"),
                               "/proc/self/mountinfo"));
    instance.enrichers().ustack = symbolizer_.get();
    instance.enrichers().kernel_stacks = kernel_stacks_.get();
  }

 private:
  std::unique_ptr<kstack::KernelStacks> kernel_stacks_;
  std::unique_ptr<ustack::Symbolizer> symbolizer_;
};

}  // namespace

namespace operators {
std::unique_ptr<GadgetOperator> make_stacks_operator() {
  return std::make_unique<StacksOperator>();
}
}  // namespace operators

}  // namespace ig::runner
