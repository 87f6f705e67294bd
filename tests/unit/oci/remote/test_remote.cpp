#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "oci/remote/client.hpp"
#include "oci/remote/credentials.hpp"
#include "oci/remote/http_client.hpp"
#include "util/error.hpp"

namespace ig::oci::remote {
namespace {

TEST(Challenge, ParsesBearerWithQuotedParamsAndScopeList) {
  auto c = parse_challenges(
      R"(Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull repository:c:pull,push")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].params.at("realm"), "https://ghcr.io/token");
  EXPECT_EQ(c[0].params.at("service"), "ghcr.io");
  EXPECT_EQ(c[0].params.at("scope"), "repository:a/b:pull repository:c:pull,push");
}

TEST(Challenge, ParsesSeveralChallengesAndTokenValues) {
  auto c = parse_challenges(R"(Basic realm="r, with comma", Bearer realm=https://x/token, error="insufficient_scope")");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].scheme, "basic");
  EXPECT_EQ(c[0].params.at("realm"), "r, with comma");
  EXPECT_EQ(c[1].params.at("realm"), "https://x/token");
  EXPECT_EQ(c[1].params.at("error"), "insufficient_scope");
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  for (std::string s : {"", "a", "ab", "abc", "user:pa:ss"}) EXPECT_EQ(base64_decode(base64_encode(s)), s);
  EXPECT_EQ(base64_encode("testuser:testpass"), "dGVzdHVzZXI6dGVzdHBhc3M=");
  EXPECT_THROW(base64_decode("a*b"), Error);
}

TEST(Url, ResolvesRelativeLocationsAndKeepsQueries) {
  EXPECT_EQ(resolve_url("http://h:5000/v2/x/blobs/uploads/", "/v2/x/blobs/uploads/u?_state=s"),
            "http://h:5000/v2/x/blobs/uploads/u?_state=s");
  EXPECT_EQ(resolve_url("https://h/v2/", "https://cdn.example/b"), "https://cdn.example/b");
  EXPECT_EQ(url_host_port("https://h:5000/v2/"), "h:5000");
  EXPECT_EQ(url_host_port("https://h/v2/"), "h");
}

TEST(Url, OriginsDifferBySchemeHostOrPortOnly) {
  EXPECT_EQ(url_origin("https://H/v2/"), "https://h:443");
  EXPECT_EQ(url_origin("https://h:443/v2/x?y"), url_origin("https://h/other"));
  EXPECT_NE(url_origin("https://h/v2/"), url_origin("http://h/v2/"));
  EXPECT_NE(url_origin("http://h:5000/v2/"), url_origin("http://h:5001/v2/"));
  EXPECT_EQ(url_scheme("HTTP://h/"), "http");
}

TEST(PlainHttp, OnlyToHostsTheUserListed) {
  const std::vector<std::string> listed = {"127.0.0.1:5000", "reg.lan", "[::1]:5000"};
  EXPECT_TRUE(plain_http_allowed("127.0.0.1:5000", listed));
  EXPECT_TRUE(plain_http_allowed("127.0.0.1:5001", listed));  // its token server
  EXPECT_TRUE(plain_http_allowed("reg.lan:8080", listed));
  EXPECT_TRUE(plain_http_allowed("[::1]:80", listed));
  EXPECT_FALSE(plain_http_allowed("localhost:5000", listed));
  EXPECT_FALSE(plain_http_allowed("127.0.0.10:5000", listed));
  EXPECT_FALSE(plain_http_allowed("reg.lan.evil:80", listed));
  EXPECT_FALSE(plain_http_allowed("reg.lan", {}));
}

TEST(ErrorJson, ShowsCodeAndMessage) {
  Response r;
  r.status = 403;
  r.body = R"({"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]})";
  EXPECT_EQ(describe_error(r), "denied: requested access to the resource is denied");
  r.body = "<html>nginx</html>";
  EXPECT_EQ(describe_error(r), "HTTP 403");
}

// Found by fuzz_registry: a code or message that is not a string threw nlohmann's type_error.
TEST(ErrorJson, MembersOfOtherTypesAreIgnored) {
  Response r;
  r.status = 400;
  r.body = R"({"errors":[{"code":{"x":1},"message":7,"detail":{"Tag":"v1"}}]})";
  EXPECT_EQ(describe_error(r), R"(unknown ({"Tag":"v1"}))");
}

class Credentials : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ig-cred-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::filesystem::path dir_;
};

TEST_F(Credentials, AuthFieldNamespaceKeysAndLegacyUrls) {
  RegistryOptions o;
  o.authfile = write("a.json", R"({"auths":{
      "reg.io/team":{"auth":")" + base64_encode("teamuser:tp") + R"("},
      "https://reg.io/v1/":{"username":"u","password":"p"},
      "tok.io":{"identitytoken":"refresh"}}})");
  auto team = find_credential(o, "reg.io", "team/app");
  ASSERT_TRUE(team);
  EXPECT_EQ(team->username, "teamuser");
  EXPECT_EQ(team->password, "tp");
  auto other = find_credential(o, "reg.io", "other/app");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->username, "u");
  EXPECT_EQ(find_credential(o, "tok.io", "x")->identity_token, "refresh");
  EXPECT_FALSE(find_credential(o, "none.io", "x"));
}

TEST_F(Credentials, MalformedFileNamesTheFile) {
  RegistryOptions o;
  o.authfile = write("bad.json", R"({"auths":{"r.io":{"auth":"bm9jb2xvbg=="}}})");  // "nocolon"
  try {
    find_credential(o, "r.io", "x");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json: auths.r.io.auth"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ig::oci::remote
