#include "runner/instance/instance.hpp"
#include "runner/instance/operators.hpp"
#include "runner/instance/sink.hpp"

namespace ig::runner {
namespace {

// Last in the declared order: headers once the programs run, output handed to the sink after
// every wait, summaries (lost events) once every reader is done.
class OutputOperator : public GadgetOperator {
 public:
  std::string_view name() const override { return "output"; }

  void start(GadgetInstance& instance) override {
    for (auto& ds : instance.datasources()) ds->start();
  }

  Clock::time_point tick(GadgetInstance& instance, Clock::time_point) override {
    for (auto& ds : instance.datasources()) ds->flush();
    instance.sink().flush();
    return kNever;
  }

  void stop(GadgetInstance& instance) override {
    for (auto& ds : instance.datasources()) ds->finish();
    instance.sink().flush();
  }
};

}  // namespace

namespace operators {
std::unique_ptr<GadgetOperator> make_output_operator() {
  return std::make_unique<OutputOperator>();
}
}  // namespace operators

}  // namespace ig::runner
