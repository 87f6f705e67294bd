// The DNS message of upstream's trace_dns, decoded natively. Its wasm module reads the packet
// bytes (rest field "data", message at "dns_off") and adds id, qr, qtype, name, rcode,
// num_answers, addresses, tc, ra and rd; ig runs no wasm, so a data source of that shape gets
// the same fields from this decoder, as the module fills them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "metadata/field_schema.hpp"
#include "runner/operators/data_operator.hpp"

namespace ig::runner::fields {
class FieldTable;
}

namespace ig::runner::operators {

struct DnsField {
  const char* name;
  metadata::FieldKind kind;
  uint32_t size;  // bytes of a number
};

// The fields the decoder adds, in the module's order.
const std::vector<DnsField>& dns_fields();

// Whether a data source with these fields carries DNS messages: a rest field "data" and an
// unsigned "dns_off".
bool carries_dns_messages(const std::vector<metadata::FieldSchema>& fields);

// The decoder, or null for a data source without DNS messages.
std::unique_ptr<DataOperator> make_dns_decoder(const fields::FieldTable& table);

}  // namespace ig::runner::operators
