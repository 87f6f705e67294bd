// Data sources that operators fill without an eBPF program (operator-only images): an array
// data source whose records a RecordLayout describes, declared in the instance like the eBPF
// operator's, so formatters, filters, --sort, --max-entries and outputs apply alike.
#pragma once

#include <map>
#include <string>

#include "metadata/gadget_metadata.hpp"
#include "runner/fields/synthetic_btf.hpp"
#include "runner/instance/instance.hpp"

namespace ig::runner {

// Declares array data source `name`; `defaults` are the operator's field annotations, under
// gadget.yaml's (which win). The instance keeps the BTF and the pipeline.
EventPipeline& declare_array_source(GadgetInstance& instance, const std::string& name,
                                    const fields::RecordLayout& layout,
                                    const std::map<std::string, metadata::Annotations>& defaults);

}  // namespace ig::runner
