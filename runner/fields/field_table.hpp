// The fields of one data source as the runner prints them: the BTF schema plus the fields
// operators add, with templates and gadget.yaml annotations resolved into column attributes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metadata/field_schema.hpp"
#include "metadata/gadget_metadata.hpp"
#include "runner/format/text.hpp"

struct btf;

namespace ig::runner::fields {

struct Field {
  metadata::FieldSchema schema;
  std::string name;                   // last component of the full name: the JSON key
  int parent = -1;                    // index of the container field, -1 at top level
  std::vector<int> children;          // sorted by name (JSON/YAML key order)
  metadata::Annotations annotations;  // templates applied, then explicit annotations
  bool operator_field = false;        // added by an operator (runtime.*), not from BTF

  // Resolved column attributes.
  std::string alias;
  std::string description;
  bool hidden = false;
  bool json_skip = false;
  bool hex = false;
  bool fixed = false;
  int replace = -1;  // columns.replace: the column shows this field's value instead
  size_t width = 0;
  size_t min_width = 0;
  size_t max_width = 0;
  int precision = 2;  // columns.precision: digits after the point of a float column
  format::Align align = format::Align::Left;
  format::Ellipsis ellipsis = format::Ellipsis::End;
  // Default column order: struct members, then formatted fields (see order_formatted_fields);
  // operator fields are negative so they come first.
  int order = 0;
};

class FieldTable {
 public:
  // Throws Error(InvalidArgument) naming the field for a bad annotation value, Error(NotFound)
  // if the struct is missing.
  FieldTable(const struct btf* btf, const std::string& struct_name,
             const metadata::DataSourceMetadata* meta);
  // A record made of several structs back to back (a map iterator's key, then its value):
  // their fields in that order, offsets counted from the start of the record.
  FieldTable(const struct btf* btf, const std::vector<std::string>& struct_names,
             const metadata::DataSourceMetadata* meta);

  // Fields described elsewhere (a remote daemon's data source): each with its schema (full
  // name, kind, size), annotations and order set. Links them and resolves their columns as
  // for a local data source; throws Error(InvalidArgument) for a bad annotation value.
  explicit FieldTable(std::vector<Field> described);

  const std::vector<Field>& fields() const { return fields_; }
  const std::vector<int>& roots() const { return roots_; }  // top-level fields, sorted by name
  // Index of the field whose full name or alias equals `name` (case-insensitive), or -1.
  int find(std::string_view name) const;
  // Non-hidden leaf fields sorted by order.
  std::vector<int> default_columns() const;

 private:
  void order_formatted_fields();
  void add_operator_fields();
  void resolve_annotations(const metadata::DataSourceMetadata* meta);
  void resolve_columns();
  void link();

  std::vector<Field> fields_;
  std::vector<int> roots_;
};

// Applies the named template (spec ig-compat.md §3.1) into `dst` without overriding keys that
// are already set. Returns false for an unknown template.
bool apply_template(std::string_view name, metadata::Annotations& dst);

}  // namespace ig::runner::fields
