// The configuration's precedence (flag > environment > file > default), read through a real
// CLI11 command tree as ig builds it.
#include "cli/config.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "util/error.hpp"

namespace ig::cli {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ig-config-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write_config(const std::string& text) {
    const auto path = (dir_ / "config.yaml").string();
    std::ofstream(path) << text;
    return path;
  }

  // Parses `args` with a `run` command whose flags are bound as ig binds them.
  void parse(std::vector<std::string> args) {
    app_ = std::make_unique<CLI::App>("test", "ig");
    app_->fallthrough();
    config_ = std::make_unique<Configuration>(*app_, [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    });
    auto* run = app_->add_subcommand("run");
    config_->bind(*run, run->add_option("--verify-image", verify_)->expected(0, 1)->default_str("true"),
                  "operator.oci.verify-image");
    config_->bind(*run, run->add_option("--insecure-registries", insecure_)->delimiter(','),
                  "operator.oci.insecure-registries");
    config_->bind(*run, run->add_option("--pull", pull_)->check(CLI::IsMember({"always", "missing", "never"})),
                  "operator.oci.pull");
    std::vector<const char*> argv = {"ig"};
    for (const auto& arg : args) argv.push_back(arg.c_str());
    app_->parse(static_cast<int>(argv.size()), argv.data());
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<CLI::App> app_;
  std::unique_ptr<Configuration> config_;
  bool verify_ = true;
  std::vector<std::string> insecure_;
  std::string pull_ = "missing";
};

TEST(EnvName, UpperCasesAndReplacesDotsAndDashes) {
  EXPECT_EQ(env_name("operator.oci.verify-image"), "INSPEKTOR_GADGET_OPERATOR_OCI_VERIFY_IMAGE");
  EXPECT_EQ(env_name("verbose"), "INSPEKTOR_GADGET_VERBOSE");
}

TEST_F(ConfigTest, DefaultWhenNothingSetsTheKey) {
  const auto path = write_config("operator:\n  localmanager:\n    runtimes: docker\n");
  parse({"--config", path, "run"});
  EXPECT_TRUE(verify_);
  EXPECT_TRUE(insecure_.empty());
}

TEST_F(ConfigTest, FileOverridesTheDefault) {
  const auto path = write_config(
      "operator:\n  oci:\n    verify-image: false\n    insecure-registries: [a:5000, b]\n    pull: never\n");
  parse({"--config", path, "run"});
  EXPECT_FALSE(verify_);
  EXPECT_EQ(insecure_, (std::vector<std::string>{"a:5000", "b"}));
  EXPECT_EQ(pull_, "never");
}

TEST_F(ConfigTest, CommaSeparatedScalarIsAList) {
  const auto path = write_config("operator:\n  oci:\n    insecure-registries: a:5000,b\n");
  parse({"--config", path, "run"});
  EXPECT_EQ(insecure_, (std::vector<std::string>{"a:5000", "b"}));
}

TEST_F(ConfigTest, EnvironmentOverridesTheFile) {
  const auto path = write_config("operator:\n  oci:\n    verify-image: false\n    insecure-registries: [a]\n");
  env_["INSPEKTOR_GADGET_OPERATOR_OCI_VERIFY_IMAGE"] = "true";
  env_["INSPEKTOR_GADGET_OPERATOR_OCI_INSECURE_REGISTRIES"] = "c,d";
  parse({"--config", path, "run"});
  EXPECT_TRUE(verify_);
  EXPECT_EQ(insecure_, (std::vector<std::string>{"c", "d"}));
}

TEST_F(ConfigTest, FlagOverridesEnvironmentAndFile) {
  const auto path = write_config("operator:\n  oci:\n    verify-image: true\n    insecure-registries: [a]\n");
  env_["INSPEKTOR_GADGET_OPERATOR_OCI_VERIFY_IMAGE"] = "true";
  parse({"--config", path, "run", "--verify-image=false", "--insecure-registries", "z"});
  EXPECT_FALSE(verify_);
  EXPECT_EQ(insecure_, (std::vector<std::string>{"z"}));
}

TEST_F(ConfigTest, ConfigFlagAfterTheSubcommandIsHonoured) {
  const auto path = write_config("operator:\n  oci:\n    pull: always\n");
  parse({"run", "--config", path});
  EXPECT_EQ(pull_, "always");
}

TEST_F(ConfigTest, KeysMatchWhateverTheirCase) {
  const auto path = write_config("Operator:\n  OCI:\n    Pull: always\n");
  parse({"--config", path, "run"});
  EXPECT_EQ(pull_, "always");
}

TEST_F(ConfigTest, InvalidValueNamesItsSourceAndKey) {
  const auto path = write_config("operator:\n  oci:\n    pull: sometimes\n");
  try {
    parse({"--config", path, "run"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": operator.oci.pull: invalid value \"sometimes\""), std::string::npos)
        << e.what();
  }
  env_["INSPEKTOR_GADGET_OPERATOR_OCI_VERIFY_IMAGE"] = "maybe";
  write_config("");
  try {
    parse({"--config", path, "run"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("INSPEKTOR_GADGET_OPERATOR_OCI_VERIFY_IMAGE: invalid value \"maybe\""),
              std::string::npos)
        << e.what();
  }
}

TEST_F(ConfigTest, NamedFileMustExistTheDefaultNeedNot) {
  EXPECT_THROW(parse({"--config", (dir_ / "absent.yaml").string(), "run"}), Error);
  EXPECT_NO_THROW(ConfigFile::read((dir_ / "absent.yaml").string(), false));
}

TEST_F(ConfigTest, MalformedFileIsAnErrorNamingIt) {
  const auto path = write_config("operator: [unclosed\n");
  try {
    ConfigFile::read(path, true);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("reading config " + path), std::string::npos) << e.what();
  }
  write_config("- just\n- a list\n");
  EXPECT_THROW(ConfigFile::read(path, true), Error);
}

TEST_F(ConfigTest, GetReadsScalarsListsAndRefusesMappings) {
  const auto file = ConfigFile::read(write_config("a:\n  b: x\n  c: [1, 2]\n  e: []\n"), true);
  EXPECT_EQ(file.get("a.b"), (std::vector<std::string>{"x"}));
  EXPECT_EQ(file.get("a.c"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(file.get("a.e"), std::nullopt);  // as upstream: [] leaves the default
  EXPECT_EQ(file.get("a.d"), std::nullopt);
  EXPECT_EQ(file.get("a.b.z"), std::nullopt);
  EXPECT_THROW(file.get("a"), Error);
  // Looking keys up leaves the tree as it was.
  EXPECT_EQ(file.get("a.b"), (std::vector<std::string>{"x"}));
}

}  // namespace
}  // namespace ig::cli
