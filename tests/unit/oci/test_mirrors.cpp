#include "oci/remote/mirrors.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "util/error.hpp"

namespace ig::oci::remote {
namespace {

constexpr const char* kConf = R"(
unqualified-search-registries = ["docker.io"]
short-name-mode = "enforcing"

[[registry]]
prefix = "ghcr.io/inspektor-gadget"
location = "ghcr.io/inspektor-gadget"

[[registry.mirror]]
location = "mirror-a.local:5000/ig"
insecure = true

[[registry.mirror]]
location = "mirror-b.local/ig"
pull-from-mirror = "digest-only"

[[registry.mirror]]
location = "mirror-c.local/ig"
pull-from-mirror = "tag-only"

[[registry]]
prefix = "ghcr.io"
location = "ghcr-proxy.local"
insecure = true

[[registry]]
prefix = "ghcr.io/inspektor-gadget/gadget/secure"
location = "ghcr.io/inspektor-gadget/gadget/secure"
mirror-by-digest-only = true

[[registry.mirror]]
location = "mirror-d.local/secure"

[[registry]]
location = "quay.io/blocked"
blocked = true

[[registry]]
prefix = "*.corp.example"

[[registry.mirror]]
location = "corp-mirror.local"
)";

std::vector<std::string> names(const std::vector<Endpoint>& endpoints) {
  std::vector<std::string> out;
  for (const auto& e : endpoints) out.push_back(e.reference.str());
  return out;
}

TEST(RegistriesConf, ParsesTheSubset) {
  RegistriesConf conf = parse_registries_conf(kConf, "test.conf");
  ASSERT_EQ(conf.registries.size(), 5u);
  const auto& ig = conf.registries[0];
  EXPECT_EQ(ig.prefix, "ghcr.io/inspektor-gadget");
  ASSERT_EQ(ig.mirrors.size(), 3u);
  EXPECT_TRUE(ig.mirrors[0].insecure);
  EXPECT_EQ(ig.mirrors[1].pull_from, Mirror::PullFrom::DigestOnly);
  EXPECT_EQ(ig.mirrors[2].pull_from, Mirror::PullFrom::TagOnly);
  EXPECT_TRUE(conf.registries[1].insecure);
  EXPECT_TRUE(conf.registries[2].mirror_by_digest_only);
  EXPECT_EQ(conf.registries[3].prefix, "quay.io/blocked");  // prefix defaults to location
  EXPECT_TRUE(conf.registries[3].blocked);
  EXPECT_EQ(conf.registries[4].location, "");
}

TEST(RegistriesConf, RefusesWhatItCannotHonour) {
  auto message = [](const std::string& text) {
    try {
      parse_registries_conf(text, "bad.conf");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_NE(message("[registries.search]\nregistries = [\"docker.io\"]\n").find("v1 format"), std::string::npos);
  EXPECT_NE(message("[[registry]]\nprefix = \"*.x.io\"\nlocation = \"y.io\"\n").find("wildcard"), std::string::npos);
  EXPECT_NE(message("[[registry]]\nlocation = \"a.io\"\nmirror-by-digest-only = true\n"
                    "[[registry.mirror]]\nlocation = \"m.io\"\npull-from-mirror = \"all\"\n")
                .find("cannot be combined"),
            std::string::npos);
  EXPECT_NE(message("[[registry]]\nlocation = \"a.io\"\ninsecure = \"yes\"\n").find("bad.conf:3: insecure"),
            std::string::npos);
  EXPECT_NE(message("[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\nlocation = \"m\"\n"
                    "pull-from-mirror = \"sometimes\"\n")
                .find("must be all, digest-only or tag-only"),
            std::string::npos);
  EXPECT_NE(message("[[registry]]\ninsecure = true\n").find("needs a prefix or a location"), std::string::npos);
  EXPECT_NE(message("[[registry]]\nlocation = \"https://a.io\"\n").find("URL scheme"), std::string::npos);
  EXPECT_NE(message("[[registry]\n").find("bad.conf:1:"), std::string::npos);
}

TEST(PullEndpoints, LongestPrefixWinsMirrorsFirstFilteredByTagOrDigest) {
  RegistriesConf conf = parse_registries_conf(kConf, "test.conf");
  auto tag_ref = parse_reference("ghcr.io/inspektor-gadget/gadget/trace_open:v1");
  auto eps = pull_endpoints(tag_ref, conf);
  EXPECT_EQ(names(eps), (std::vector<std::string>{
                            "mirror-a.local:5000/ig/gadget/trace_open:v1",
                            "mirror-c.local/ig/gadget/trace_open:v1",
                            "ghcr.io/inspektor-gadget/gadget/trace_open:v1"}));
  EXPECT_TRUE(eps[0].mirror && eps[0].insecure);
  EXPECT_FALSE(eps[1].insecure);
  EXPECT_FALSE(eps[2].mirror || eps[2].insecure);

  std::string digest = "sha256:" + std::string(64, 'a');
  auto digest_ref = parse_reference("ghcr.io/inspektor-gadget/gadget/trace_open@" + digest);
  EXPECT_EQ(names(pull_endpoints(digest_ref, conf)),
            (std::vector<std::string>{"mirror-a.local:5000/ig/gadget/trace_open@" + digest,
                                      "mirror-b.local/ig/gadget/trace_open@" + digest,
                                      "ghcr.io/inspektor-gadget/gadget/trace_open@" + digest}));
}

TEST(PullEndpoints, PrefixMustEndAtASeparator) {
  RegistriesConf conf = parse_registries_conf(kConf, "test.conf");
  // "ghcr.io/inspektor-gadget" does not match ".../inspektor-gadgetx": the ghcr.io table does.
  auto eps = pull_endpoints(parse_reference("ghcr.io/inspektor-gadgetx/foo:v1"), conf);
  EXPECT_EQ(names(eps), std::vector<std::string>{"ghcr-proxy.local/inspektor-gadgetx/foo:v1"});
  EXPECT_TRUE(eps[0].insecure);
  // No table matches: the reference itself.
  EXPECT_EQ(names(pull_endpoints(parse_reference("docker.io/library/busybox:1"), conf)),
            std::vector<std::string>{"docker.io/library/busybox:1"});
}

TEST(PullEndpoints, MirrorByDigestOnlySkipsMirrorsForTags) {
  RegistriesConf conf = parse_registries_conf(kConf, "test.conf");
  EXPECT_EQ(names(pull_endpoints(parse_reference("ghcr.io/inspektor-gadget/gadget/secure:v1"), conf)),
            std::vector<std::string>{"ghcr.io/inspektor-gadget/gadget/secure:v1"});
  std::string digest = "sha256:" + std::string(64, 'b');
  EXPECT_EQ(names(pull_endpoints(parse_reference("ghcr.io/inspektor-gadget/gadget/secure@" + digest), conf)),
            (std::vector<std::string>{"mirror-d.local/secure@" + digest,
                                      "ghcr.io/inspektor-gadget/gadget/secure@" + digest}));
  // The longer prefix table applies to sub-repositories too.
  EXPECT_EQ(pull_endpoints(parse_reference("ghcr.io/inspektor-gadget/gadget/secure/sub:v1"), conf).size(), 1u);
}

TEST(PullEndpoints, BlockedAndWildcard) {
  RegistriesConf conf = parse_registries_conf(kConf, "test.conf");
  try {
    pull_endpoints(parse_reference("quay.io/blocked/x:v1"), conf);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Denied);
    EXPECT_NE(std::string(e.what()).find("blocked"), std::string::npos);
  }
  EXPECT_EQ(pull_endpoints(parse_reference("quay.io/blockedother/x:v1"), conf).size(), 1u);
  EXPECT_EQ(names(pull_endpoints(parse_reference("reg.a.corp.example/team/g:v1"), conf)),
            (std::vector<std::string>{"corp-mirror.local/team/g:v1", "reg.a.corp.example/team/g:v1"}));
  // Not a subdomain: no match.
  EXPECT_EQ(pull_endpoints(parse_reference("corp.example/team/g:v1"), conf).size(), 1u);
}

TEST(PullEndpoints, LoadsTheFileNamedByTheEnvironment) {
  char tmpl[] = "/tmp/ig-registries-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  std::string text = "[[registry]]\nlocation = \"ghcr.io\"\n[[registry.mirror]]\nlocation = \"m.local\"\n";
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  setenv("CONTAINERS_REGISTRIES_CONF", tmpl, 1);
  RegistriesConf conf = load_registries_conf();
  unsetenv("CONTAINERS_REGISTRIES_CONF");
  unlink(tmpl);
  ASSERT_EQ(conf.registries.size(), 1u);
  EXPECT_EQ(conf.registries[0].mirrors.at(0).location, "m.local");
}

TEST(ShortNames, DefaultRegistryAndPrefixAreConfigurable) {
  unsetenv("IG_DEFAULT_REGISTRY");
  unsetenv("IG_DEFAULT_PREFIX");
  EXPECT_EQ(parse_reference("audit_seccomp").str(),
            "ghcr.io/inspektor-gadget/gadget/audit_seccomp:latest");
  setenv("IG_DEFAULT_REGISTRY", "registry.corp.example:5000", 1);
  setenv("IG_DEFAULT_PREFIX", "mirrors/ig", 1);
  EXPECT_EQ(parse_reference("audit_seccomp:v1").str(),
            "registry.corp.example:5000/mirrors/ig/audit_seccomp:v1");
  EXPECT_EQ(parse_reference("ghcr.io/x/y:v1").str(), "ghcr.io/x/y:v1");
  setenv("IG_DEFAULT_PREFIX", "", 1);
  EXPECT_EQ(parse_reference("audit_seccomp").str(), "registry.corp.example:5000/audit_seccomp:latest");
  setenv("IG_DEFAULT_REGISTRY", "not a host", 1);
  EXPECT_THROW(parse_reference("audit_seccomp"), Error);
  setenv("IG_DEFAULT_REGISTRY", "ghcr.io", 1);
  setenv("IG_DEFAULT_PREFIX", "Upper/Case", 1);
  EXPECT_THROW(parse_reference("audit_seccomp"), Error);
  unsetenv("IG_DEFAULT_REGISTRY");
  unsetenv("IG_DEFAULT_PREFIX");
}

}  // namespace
}  // namespace ig::oci::remote
