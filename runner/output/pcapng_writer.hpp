// -o pcap-ng: a data source of packets (annotations pcap.payload, pcap.timestamp,
// pcap.packet-length, as upstream's tcpdump gadget sets them) written as a pcapng capture that
// Wireshark reads: one interface per distinct value of the pcap.interface-key and
// pcap.interface-var fields, described by "VAR=value;..." of the interface-var fields.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "runner/fields/field_table.hpp"
#include "runner/output/event_writers.hpp"

namespace ig::runner::output {

class PcapNgWriter {
 public:
  // Throws Error(InvalidArgument) naming the data source when an annotation or its field is
  // missing.
  PcapNgWriter(const fields::FieldTable& table, const metadata::Annotations& annotations,
               const std::string& datasource);

  void start(std::string& out) const;  // the section header
  void row(std::string& out, const Row& row);

 private:
  int field(const metadata::Annotations& annotations, const std::string& key,
            const std::string& datasource) const;
  uint32_t interface_of(std::string& out, const Row& row);

  const fields::FieldTable& table_;
  int payload_ = -1, timestamp_ = -1, length_ = -1;
  std::vector<int> key_fields_;
  std::vector<std::pair<std::string, int>> variables_;  // interface-var name, field
  std::map<std::string, uint32_t> interfaces_;          // key -> interface id
};

}  // namespace ig::runner::output
