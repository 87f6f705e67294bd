// The data operators a data source can have, one file each under operators/; a factory
// returns null when the data source has nothing for that operator to do.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runner/fields/field_table.hpp"
#include "runner/operators/data_operator.hpp"

struct btf;

namespace ig::runner::metrics {
class Registry;
}

namespace ig::runner::operators {

// runtime.* fields from the container of the event's gadget_mntns_id; drops unselected ones.
std::unique_ptr<DataOperator> make_container_enricher(const fields::FieldTable& table,
                                                      const EventEnrichers& enrichers);

// gadget_user_stack fields -> addresses, symbols and build ids (--collect-ustack).
std::unique_ptr<DataOperator> make_ustack_enricher(const fields::FieldTable& table,
                                                   const EventEnrichers& enrichers);

struct FormatterOptions {
  bool kernel_enums = true;  // enum names from the running kernel's BTF when it has the enum
  std::string passwd_path = "/etc/passwd";
  std::string group_path = "/etc/group";
};

// Formatted fields (timestamps, syscalls, enums, errno, uid/gid, addresses, kernel stacks).
std::unique_ptr<DataOperator> make_formatters(const struct btf* btf,
                                              const fields::FieldTable& table,
                                              const EventEnrichers& enrichers,
                                              const FormatterOptions& options);

// -F/--filter rules; null for no rules.
std::unique_ptr<DataOperator> make_filter(const fields::FieldTable& table,
                                          const std::string& rules);

// --sort "f1,-f2" for every array data source, or "ds1:f1,-f2;ds2:f3" each its own: the
// fields for each of `arrays` that has some. Throws Error(InvalidArgument) naming the flag.
std::map<std::string, std::string> sort_by_datasource(const std::string& spec,
                                                      const std::vector<std::string>& arrays);

// Orders an array batch by "f1,-f2" ('-': descending), stable; null for no fields. Throws
// Error(InvalidArgument) for an unknown field or one that cannot be compared.
std::unique_ptr<DataOperator> make_sort(const fields::FieldTable& table, const std::string& fields);

// --max-entries "N" for every array data source or "ds1:N,ds2:M"; -1 (the default) for no
// limit. Returns the limit of each of `arrays` that has one. Throws Error(InvalidArgument).
std::map<std::string, size_t> max_entries_by_datasource(const std::string& spec,
                                                        const std::vector<std::string>& arrays);

// The metrics of a data source with metrics.collect (its annotations `datasource`), recorded in
// `registry` under otel scope `scope`; null when no field is a metric. Throws
// Error(InvalidArgument) naming a field whose metrics annotations cannot apply.
std::unique_ptr<DataOperator> make_metrics_collector(const struct btf* btf, const fields::FieldTable& table,
                                                     const metadata::Annotations& datasource,
                                                     const std::string& scope, metrics::Registry& registry);

// Keeps the first `max_entries` rows of each batch (after sort).
std::unique_ptr<DataOperator> make_limit(size_t max_entries);

}  // namespace ig::runner::operators
