// Gadget params from a clang-built object's BTF: typing, defaults, renames, metadata overrides,
// argument parsing and writing values into .rodata.
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "metadata/btf_markers.hpp"
#include "runner/params.hpp"
#include "runner/program.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class ParamsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    elf_ = read_file(IG_TEST_RUNNER_OBJECT);
    ASSERT_FALSE(elf_.empty()) << IG_TEST_RUNNER_OBJECT;
    obj_ = open_object(elf_, "params_test");
    markers_ = metadata::discover_markers(bpf_object__btf(obj_.get()));
  }
  std::vector<GadgetParam> collect(const metadata::GadgetMetadata& meta = {}) {
    return collect_params(obj_.get(), markers_, meta);
  }
  static const GadgetParam& by_key(const std::vector<GadgetParam>& params, const std::string& key) {
    for (const auto& p : params) {
      if (p.key == key) return p;
    }
    throw std::runtime_error("no param " + key);
  }
  const unsigned char* rodata(size_t* size) {
    struct bpf_map* map;
    bpf_object__for_each_map(map, obj_.get()) {
      if (std::string_view(bpf_map__name(map)).ends_with(".rodata")) {
        return static_cast<const unsigned char*>(bpf_map__initial_value(map, size));
      }
    }
    return nullptr;
  }

  std::string elf_;
  ObjectPtr obj_;
  metadata::GadgetMarkers markers_;
};

TEST_F(ParamsTest, TypesAndDefaultsComeFromBtfAndRodata) {
  auto params = collect();
  ASSERT_EQ(params.size(), 9u);

  const auto& verbose = by_key(params, "verbose");
  EXPECT_EQ(verbose.type, ParamType::Bool);
  EXPECT_EQ(verbose.default_value, "true");
  EXPECT_EQ(verbose.section, ".rodata");

  const auto& small = by_key(params, "small");
  EXPECT_EQ(small.type, ParamType::Uint);
  EXPECT_EQ(small.size, 1u);
  EXPECT_EQ(small.default_value, "200");

  const auto& delta = by_key(params, "delta");
  EXPECT_EQ(delta.type, ParamType::Int);
  EXPECT_EQ(delta.size, 2u);
  EXPECT_EQ(delta.default_value, "-12");

  EXPECT_EQ(by_key(params, "big_negative").default_value, "-5000000000");
  EXPECT_EQ(by_key(params, "huge").default_value, "18446744073709551615");

  const auto& comm = by_key(params, "comm");  // targ_comm: well-known rename
  EXPECT_EQ(comm.variable, "targ_comm");
  EXPECT_EQ(comm.type, ParamType::String);
  EXPECT_EQ(comm.size, 8u);
  EXPECT_EQ(comm.default_value, "abc");

  const auto& pid = by_key(params, "pid");
  EXPECT_EQ(pid.variable, "targ_pid");
  EXPECT_EQ(pid.type, ParamType::Int);
  EXPECT_EQ(pid.size, 4u);

  const auto& level = by_key(params, "level");
  EXPECT_EQ(level.size, 4u);
  EXPECT_EQ(level.default_value, "7");
}

TEST_F(ParamsTest, MetadataOverridesKeyDefaultAndDescription) {
  metadata::GadgetMetadata meta;
  meta.ebpf_params["renamed_in_yaml"] = {"renamed", "9", "a renamed param"};
  auto params = collect(meta);
  const auto& p = by_key(params, "renamed");
  EXPECT_EQ(p.variable, "renamed_in_yaml");
  EXPECT_EQ(p.default_value, "9");
  EXPECT_EQ(p.description, "a renamed param");
}

TEST_F(ParamsTest, ParsesSeparateEqualsAndBareBoolForms) {
  auto params = collect();
  auto values = parse_gadget_args({"--pid", "42", "--comm=xyz", "--verbose", "--small=7"}, params);
  EXPECT_EQ(values.at("pid"), "42");
  EXPECT_EQ(values.at("comm"), "xyz");
  EXPECT_EQ(values.at("verbose"), "true");
  EXPECT_EQ(values.at("small"), "7");
  EXPECT_EQ(parse_gadget_args({"--verbose=false"}, params).at("verbose"), "false");
}

TEST_F(ParamsTest, UnknownParamIsNamedWithTheKnownOnes) {
  auto params = collect();
  try {
    parse_gadget_args({"--pid", "1", "--nope", "3"}, params);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    std::string msg = e.what();
    EXPECT_NE(msg.find("unknown gadget parameter \"--nope\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("--pid"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--comm"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST_F(ParamsTest, RejectsValuesThatDoNotFitTheType) {
  auto params = collect();
  auto expect_invalid = [&](std::vector<std::string> args, const std::string& fragment) {
    try {
      parse_gadget_args(args, params);
      ADD_FAILURE() << args[0] << ": no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect_invalid({"--small", "256"}, "--small: invalid value \"256\": out of range for 8 bits");
  expect_invalid({"--small", "-1"}, "--small");
  expect_invalid({"--delta", "40000"}, "out of range for 16 bits");
  expect_invalid({"--pid", "12abc"}, "expected a signed integer");
  expect_invalid({"--comm", "12345678"}, "longer than 7 bytes");
  expect_invalid({"--verbose=maybe"}, "expected true or false");
  expect_invalid({"--pid"}, "needs a value");
  expect_invalid({"pid"}, "unexpected argument \"pid\"");
}

TEST_F(ParamsTest, ApplyWritesValuesAndDefaultsIntoRodata) {
  auto params = collect();
  auto values = parse_gadget_args({"--pid", "-3", "--comm", "hello", "--verbose=false",
                                   "--huge", "1"},
                                  params);
  apply_params(obj_.get(), params, values);
  size_t size = 0;
  const unsigned char* data = rodata(&size);
  ASSERT_NE(data, nullptr);
  auto at = [&](const std::string& key) { return data + by_key(params, key).offset; };
  int32_t pid;
  std::memcpy(&pid, at("pid"), 4);
  EXPECT_EQ(pid, -3);
  EXPECT_STREQ(reinterpret_cast<const char*>(at("comm")), "hello");
  EXPECT_EQ(at("verbose")[0], 0);
  uint64_t huge;
  std::memcpy(&huge, at("huge"), 8);
  EXPECT_EQ(huge, 1u);
  // Params not given keep their defaults.
  EXPECT_EQ(at("small")[0], 200);
  int16_t delta;
  std::memcpy(&delta, at("delta"), 2);
  EXPECT_EQ(delta, -12);
}

}  // namespace
}  // namespace ig::runner
