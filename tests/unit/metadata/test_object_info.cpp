// describe_object and the diagrams of `ig image inspect` on a clang-compiled object whose map
// accesses are known (tests/data/metadata/inspect.bpf.c). The expected diagrams are the ones
// upstream's image_inspect test pins for the same access pattern.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "metadata/object_info.hpp"
#include "util/error.hpp"

namespace ig::metadata {
namespace {

std::string read_object() {
  std::ifstream in(IG_TEST_INSPECT_OBJECT, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

TEST(ObjectInfo, MapsVariablesProgramsAndSections) {
  const ObjectInfo info = describe_object(read_object());
  ASSERT_EQ(info.maps.size(), 4u);
  EXPECT_EQ(info.maps[0].name, ".bss");
  EXPECT_EQ(map_type_name(info.maps[0].type), "Array");
  EXPECT_EQ(info.maps[2].name, "map1");
  EXPECT_EQ(map_type_name(info.maps[2].type), "Hash");
  ASSERT_EQ(info.variables.size(), 2u);
  EXPECT_EQ(info.variables[0].name, "ifindex");
  EXPECT_EQ(info.variables[0].section, ".bss");
  EXPECT_EQ(info.variables[1].name, "targ_ms");
  EXPECT_EQ(info.variables[1].size, 4u);
  ASSERT_EQ(info.programs.size(), 4u);  // forget() in .text is a function, not a program
  EXPECT_EQ(info.programs[0].name, "consume_skb");
  EXPECT_EQ(info.programs[0].section, "raw_tp/consume_skb");
  ASSERT_FALSE(info.sections.empty());
  EXPECT_EQ(info.sections[0], "");
  EXPECT_NE(std::find(info.sections.begin(), info.sections.end(), ".BTF"), info.sections.end());
}

TEST(ObjectInfo, AccessesFollowCalledFunctions) {
  const ObjectInfo info = describe_object(read_object());
  // consume_skb deletes through forget(): the callee's access counts for the program.
  EXPECT_EQ(info.programs[0].accesses,
            (std::vector<MapAccess>{{"map2", "Lookup"}, {"map2", "Delete"}}));
  EXPECT_TRUE(info.programs[1].accesses.empty());  // kfree_skb
}

TEST(ObjectInfo, FlowchartAsUpstream) {
  EXPECT_EQ(flowchart(describe_object(read_object())),
            "flowchart LR\n"
            "map1[(\"map1\")]\n"
            "map2[(\"map2\")]\n"
            "consume_skb -- \"Lookup+Delete\" --> map2\n"
            "consume_skb[\"consume_skb\"]\n"
            "kfree_skb[\"kfree_skb\"]\n"
            "qdisc_dequeue -- \"Lookup+Update\" --> map1\n"
            "qdisc_dequeue[\"qdisc_dequeue\"]\n"
            "qdisc_enqueue -- \"Update\" --> map2\n"
            "qdisc_enqueue[\"qdisc_enqueue\"]\n");
}

TEST(ObjectInfo, SequenceDiagramAsUpstream) {
  EXPECT_EQ(sequence_diagram(describe_object(read_object())),
            "sequenceDiagram\n"
            "box eBPF Programs\n"
            "participant consume_skb\n"
            "participant kfree_skb\n"
            "participant qdisc_dequeue\n"
            "participant qdisc_enqueue\n"
            "end\n"
            "box eBPF Maps\n"
            "participant map2\n"
            "participant map1\n"
            "end\n"
            "consume_skb->>map2: Lookup\n"
            "consume_skb->>map2: Delete\n"
            "qdisc_dequeue->>map1: Lookup\n"
            "qdisc_dequeue->>map1: Update\n"
            "qdisc_enqueue->>map2: Update\n");
}

TEST(ObjectInfo, NotAnObject) {
  EXPECT_THROW(describe_object("not an ELF file"), Error);
  EXPECT_EQ(map_type_name(27), "RingBuf");
  EXPECT_EQ(map_type_name(99), "MapType(99)");
}

}  // namespace
}  // namespace ig::metadata
