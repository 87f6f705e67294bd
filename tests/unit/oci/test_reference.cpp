#include <gtest/gtest.h>

#include "oci/reference.hpp"
#include "util/error.hpp"

namespace ig::oci {
namespace {

TEST(Reference, NormalisesLikeUpstreamIg) {
  const std::pair<std::string, std::string> table[] = {
      {"audit_seccomp", "ghcr.io/inspektor-gadget/gadget/audit_seccomp:latest"},
      {"audit_seccomp:v0.55.0", "ghcr.io/inspektor-gadget/gadget/audit_seccomp:v0.55.0"},
      {"xyz/gadget/trace_exec", "ghcr.io/xyz/gadget/trace_exec:latest"},
      {"localhost:5000/trace_exec:v1.0.3", "localhost:5000/trace_exec:v1.0.3"},
      {"inspektor-gadget/ig:foobar", "ghcr.io/inspektor-gadget/ig:foobar"},
      {"ghcr.io/inspektor-gadget/gadget/trace_open", "ghcr.io/inspektor-gadget/gadget/trace_open:latest"},
      {"ghcr.io/trace_open", "ghcr.io/inspektor-gadget/gadget/trace_open:latest"},
      {"localhost/trace_exec", "localhost/trace_exec:latest"},
      {"registry.example.com:8443/a/b-c__d.e:1.0_rc-1", "registry.example.com:8443/a/b-c__d.e:1.0_rc-1"},
      {"docker.io/ubuntu", "docker.io/library/ubuntu:latest"},
      {"index.docker.io/x/y:1", "docker.io/x/y:1"},
      {"Registry.Example/x", "Registry.Example/x:latest"},
      {"Foo/bar", "Foo/bar:latest"},
      {"[::1]:5000/x", "[::1]:5000/x:latest"},
  };
  for (const auto& [in, out] : table) {
    EXPECT_EQ(parse_reference(in).str(), out) << in;
  }
}

TEST(Reference, SplitsParts) {
  std::string digest = "sha256:" + std::string(64, 'c');
  Reference r = parse_reference("localhost:5000/gadget/trace_exec:v1@" + digest);
  EXPECT_EQ(r.registry, "localhost:5000");
  EXPECT_EQ(r.repository, "gadget/trace_exec");
  EXPECT_EQ(r.tag, "v1");
  EXPECT_EQ(r.digest, digest);
  EXPECT_EQ(r.name(), "localhost:5000/gadget/trace_exec");

  Reference by_digest = parse_reference("trace_exec@" + digest);
  EXPECT_EQ(by_digest.tag, "");  // no :latest when a digest is given
  EXPECT_EQ(by_digest.str(), "ghcr.io/inspektor-gadget/gadget/trace_exec@" + digest);
}

TEST(Reference, CustomShortNameRules) {
  ShortNameRules rules{"mirror.local:5000", "gadgets/"};
  EXPECT_EQ(parse_reference("trace_open", rules).str(), "mirror.local:5000/gadgets/trace_open:latest");
  EXPECT_EQ(short_repository(parse_reference("trace_open", rules), rules), "trace_open");
}

TEST(Reference, ShortRepository) {
  EXPECT_EQ(short_repository(parse_reference("trace_open:v1")), "trace_open");
  EXPECT_EQ(short_repository(parse_reference("xyz/gadget/trace_exec")), "ghcr.io/xyz/gadget/trace_exec");
  EXPECT_EQ(short_repository(parse_reference("localhost:5000/trace_exec")), "localhost:5000/trace_exec");
}

TEST(Reference, RefusesInvalid) {
  const std::pair<std::string, std::string> bad[] = {
      {"", "empty"},
      {"Audit_Seccomp", "lower-case"},
      {"ghcr.io/Foo/bar", "lower-case"},
      {"trace_open:", "tag"},
      {"trace_open:-x", "tag"},
      {"trace_open:" + std::string(129, 'a'), "tag"},
      {"trace_open@sha256:abc", "digest"},
      {"trace_open@md5", "digest"},
      {"a//b", "component"},
      {"ghcr.io/a_-b", "component"},
      {"ghcr.io/a.", "component"},
      {"ghcr.io/a___b", "component"},
      {"ghcr.io/", "repository"},
      {"-bad.host/x", "registry"},
      {"host.:5000/x", "registry"},
      {"localhost:port/x", "registry"},
      {"ghcr.io/x y", "component"},
      {"ghcr.io/" + std::string(250, 'a'), "255"},
  };
  for (const auto& [in, fragment] : bad) {
    try {
      parse_reference(in);
      ADD_FAILURE() << "accepted " << in;
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << in;
      EXPECT_NE(msg.find("\"" + in + "\""), std::string::npos) << msg;
      EXPECT_NE(msg.find(fragment), std::string::npos) << in << " -> " << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace ig::oci
