// Completion walks a CLI11 tree shaped like ig's: subcommands, flags reachable through
// fallthrough, option values, local images for IMAGE arguments and a gadget's own flags.
#include "cli/completion.hpp"

#include <gtest/gtest.h>

#include "util/error.hpp"

namespace ig::cli {
namespace {

using Words = std::vector<std::string>;

class CompletionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app_.fallthrough();
    app_.add_option("--config", config_);
    app_.add_flag("-v,--verbose", verbose_);
    auto* image = app_.add_subcommand("image");
    image->add_subcommand("pull")->add_option("IMAGE", value_);
    image->add_subcommand("push")->add_option("IMAGE", value_);
    auto* tag = image->add_subcommand("tag");
    tag->add_option("SRC_IMAGE", value_);
    tag->add_option("DST_IMAGE", value_);
    image->add_subcommand("build")->add_option("PATH", value_);
    auto* run = app_.add_subcommand("run");
    run->fallthrough(false);
    run->allow_extras();
    run->add_option("IMAGE", value_);
    run->add_option("-o,--output", list_)->delimiter(',');
    run->add_option("--pull", value_)->check(CLI::IsMember({"always", "missing", "never"}));
    run->add_option("--verify-image", flag_)->expected(0, 1);
    run->add_flag("--host", flag_);
    app_.add_subcommand("__complete");
    sources_.images = [] { return Words{"trace_open:latest", "trace_exec:v1"}; };
    sources_.gadget_flags = [this](const std::string& image) {
      asked_ = image;
      return image == "trace_open:latest" ? Words{"--targ-pid", "--paths"} : Words{};
    };
  }

  Words complete(const Words& words) { return cli::complete(app_, words, sources_); }

  CLI::App app_{"test", "ig"};
  std::string config_, value_;
  bool verbose_ = false, flag_ = false;
  std::vector<std::string> list_;
  CompletionSources sources_;
  std::string asked_;
};

TEST_F(CompletionTest, SubcommandsButNotTheHiddenHelper) {
  EXPECT_EQ(complete({""}), (Words{"image", "run"}));
  EXPECT_EQ(complete({"image", "p"}), (Words{"pull", "push"}));
}

TEST_F(CompletionTest, FlagsIncludeTheRootsThroughFallthrough) {
  EXPECT_EQ(complete({"image", "pull", "--"}), (Words{"--help", "--config", "--verbose"}));
  EXPECT_EQ(complete({"image", "pull", "-"}), (Words{"-h", "--help", "--config", "-v", "--verbose"}));
}

TEST_F(CompletionTest, RunDoesNotFallThroughAndAddsTheGadgetsFlags) {
  EXPECT_EQ(complete({"run", "--ver"}), (Words{"--verify-image"}));
  EXPECT_EQ(complete({"run", "trace_open:latest", "--"}),
            (Words{"--help", "--output", "--pull", "--verify-image", "--host", "--targ-pid", "--paths"}));
  EXPECT_EQ(asked_, "trace_open:latest");
  EXPECT_EQ(complete({"run", "--host", "trace_open:latest", "--ta"}), (Words{"--targ-pid"}));
}

TEST_F(CompletionTest, OptionValues) {
  EXPECT_EQ(complete({"run", "--pull", ""}), (Words{"always", "missing", "never"}));
  EXPECT_EQ(complete({"run", "--pull", "m"}), (Words{"missing"}));
  EXPECT_EQ(complete({"run", "-o", "j"}), (Words{"json", "jsonpretty"}));
  EXPECT_EQ(complete({"run", "--pull=n"}), (Words{"--pull=never"}));
  // A path-like value has no candidates: the shell completes file names.
  EXPECT_EQ(complete({"image", "pull", "--config", ""}), Words{});
}

TEST_F(CompletionTest, ImagesWhereAnImageIsExpected) {
  EXPECT_EQ(complete({"run", "trace_o"}), (Words{"trace_open:latest"}));
  EXPECT_EQ(complete({"run", "--pull", "never", ""}), (Words{"trace_open:latest", "trace_exec:v1"}));
  EXPECT_EQ(complete({"run", "--verify-image", "trace_e"}), (Words{"trace_exec:v1"}));
  EXPECT_EQ(complete({"image", "tag", "trace_open:latest", "t"}), (Words{"trace_open:latest", "trace_exec:v1"}));
  EXPECT_EQ(complete({"image", "build", ""}), Words{});
  EXPECT_EQ(complete({"run", "trace_open:latest", ""}), Words{});  // gadget flags start with -
}

TEST(CompletionScript, KnowsTheThreeShells) {
  for (const char* shell : {"bash", "zsh", "fish"}) {
    EXPECT_NE(completion_script(shell).find("__complete"), std::string::npos) << shell;
  }
  EXPECT_THROW(completion_script("tcsh"), Error);
}

}  // namespace
}  // namespace ig::cli
