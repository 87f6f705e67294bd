// How the container cache merges what its sources list over refreshes: new containers are
// announced once, and a container counts as stopped only when no source lists it any more (a
// source that cannot be read keeps its last answer).
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "runner/enrich/container_cache.hpp"
#include "util/error.hpp"

namespace ig::runner::enrich {
namespace {

// A source whose answer the test sets; `reachable = false` makes it throw as an engine whose
// socket stopped answering does.
struct ScriptedSource : ContainerSource {
  std::vector<Container> answer;
  bool reachable = true;
  int ranked = 0;
  std::string describe() const override { return "scripted"; }
  int rank() const override { return ranked; }
  std::vector<Container> list(const std::function<void(const std::string&)>&) override {
    if (!reachable) throw Error(ErrorCode::Network, "scripted source unreachable");
    return answer;
  }
  bool present() const override { return true; }
};

Container container(const std::string& name, uint64_t mntns) {
  Container c;
  c.id = name + "-id";
  c.name = name;
  c.mntns = mntns;
  return c;
}

struct Fixture : ::testing::Test {
  ScriptedSource* first = nullptr;
  ScriptedSource* second = nullptr;
  std::unique_ptr<ContainerCache> cache;
  std::vector<std::string> added, stopped;

  void SetUp() override {
    auto a = std::make_unique<ScriptedSource>();
    auto b = std::make_unique<ScriptedSource>();
    first = a.get();
    second = b.get();
    std::vector<std::unique_ptr<ContainerSource>> sources;
    sources.push_back(std::move(a));
    sources.push_back(std::move(b));
    cache = std::make_unique<ContainerCache>(std::move(sources), [](const std::string&) {});
    cache->on_added([this](const Container& c) { added.push_back(c.name); });
    cache->on_stopped([this](const Container& c) { stopped.push_back(c.name); });
  }
};

using ContainerCacheTest = Fixture;

TEST_F(ContainerCacheTest, StoppedOnceWhenNoSourceListsItAndStillEnriched) {
  first->answer = {container("a", 101), container("b", 102)};
  cache->refresh();
  EXPECT_EQ(added, (std::vector<std::string>{"a", "b"}));
  first->answer = {container("a", 101)};
  cache->refresh();
  cache->refresh();
  EXPECT_EQ(stopped, (std::vector<std::string>{"b"}));
  // Late events of the stopped container are still enriched.
  ASSERT_NE(cache->lookup(102), nullptr);
  EXPECT_EQ(cache->lookup(102)->name, "b");
}

TEST_F(ContainerCacheTest, ListedByAnotherSourceIsNotStopped) {
  first->answer = {container("a", 101)};
  second->answer = {container("a", 101)};
  cache->refresh();
  first->answer = {};
  cache->refresh();
  EXPECT_TRUE(stopped.empty());
  second->answer = {};
  cache->refresh();
  EXPECT_EQ(stopped, (std::vector<std::string>{"a"}));
}

TEST_F(ContainerCacheTest, UnreachableSourceKeepsItsContainersRunning) {
  first->answer = {container("a", 101)};
  cache->refresh();
  first->reachable = false;
  cache->refresh();
  EXPECT_TRUE(stopped.empty());
}

TEST_F(ContainerCacheTest, NewContainerInAReusedNamespaceIsAddedAgain) {
  first->answer = {container("a", 101)};
  cache->refresh();
  first->answer = {};
  cache->refresh();
  first->answer = {container("c", 101)};
  cache->refresh();
  EXPECT_EQ(added, (std::vector<std::string>{"a", "c"}));
  first->answer = {};
  cache->refresh();
  EXPECT_EQ(stopped, (std::vector<std::string>{"a", "c"}));
}

}  // namespace
}  // namespace ig::runner::enrich

namespace ig::runner::enrich {
namespace {

TEST_F(ContainerCacheTest, NetworkNamespaceNamesItsOnlyContainer) {
  Container a = container("a", 101), b = container("b", 102), c = container("c", 103);
  a.netns = 201;
  b.netns = 202;
  c.netns = 202;  // b and c share a namespace, as the containers of a pod do
  Container host = container("host-network", 104);
  host.netns = netns_of(static_cast<uint32_t>(getpid()));  // --network host
  first->answer = {a, b, c, host};
  cache->refresh();
  ASSERT_NE(cache->lookup_netns(201), nullptr);
  EXPECT_EQ(cache->lookup_netns(201)->name, "a");
  EXPECT_EQ(cache->lookup_netns(202), nullptr);
  EXPECT_EQ(cache->lookup_netns(203), nullptr);
  EXPECT_EQ(cache->lookup_netns(0), nullptr);
  EXPECT_EQ(cache->lookup_netns(host.netns), nullptr);
}

// An engine knows a pod's sandbox for what it is; a runtime's state dir (lower rank) lists it as
// a container. It is neither announced, looked up, listed nor a netns's owner.
TEST_F(ContainerCacheTest, SandboxOutranksTheStateDirsViewAndIsNoContainer) {
  Container sandbox = container("pause", 101);
  sandbox.pod_sandbox = true;
  sandbox.netns = 201;
  Container app = container("app", 102);
  app.netns = 201;  // the pod's network namespace
  Container seen_by_runc = sandbox;
  seen_by_runc.pod_sandbox = false;
  first->answer = {sandbox, app};
  second->answer = {seen_by_runc, app};
  second->ranked = 2;
  cache->refresh();
  EXPECT_EQ(added, (std::vector<std::string>{"app"}));
  EXPECT_EQ(cache->lookup(101), nullptr);
  ASSERT_EQ(cache->containers().size(), 1u);
  EXPECT_EQ(cache->containers()[0]->name, "app");
  ASSERT_NE(cache->lookup_netns(201), nullptr);
  EXPECT_EQ(cache->lookup_netns(201)->name, "app");
  first->answer = {app};
  second->answer = {app};
  cache->refresh();
  EXPECT_TRUE(stopped.empty());
}

// --k8s-selector: every key=value carried, no !key=value carried (upstream's matching).
TEST(LabelSelectorTest, IncludesAndExcludes) {
  const std::map<std::string, std::string> web = {{"app", "web"}, {"tier", "front"}};
  const std::map<std::string, std::string> db = {{"app", "db"}, {"tier", "back"}};
  const LabelSelector app_web({"app=web"});
  EXPECT_TRUE(app_web.matches(web));
  EXPECT_FALSE(app_web.matches(db));
  EXPECT_FALSE(app_web.matches({}));
  const LabelSelector both({"app=web", "tier=back"});
  EXPECT_FALSE(both.matches(web));
  const LabelSelector not_front({"!tier=front"});
  EXPECT_FALSE(not_front.matches(web));
  EXPECT_TRUE(not_front.matches(db));
  EXPECT_TRUE(not_front.matches({}));
  EXPECT_TRUE(LabelSelector({"empty="}).matches({{"empty", ""}}));
  EXPECT_TRUE(LabelSelector(std::vector<std::string>{}).empty());
}

TEST(LabelSelectorTest, EntryWithoutKeyValueIsRefused) {
  for (const char* bad : {"app", "=web", "!app"}) {
    try {
      LabelSelector selector({bad});
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
      EXPECT_NE(std::string(e.what()).find(std::string("--k8s-selector ") + bad + ": expected key=value"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(PodLabelsTest, SandboxLabelsWithoutKubeletsAndPrintedInKeyOrder) {
  const auto labels = pod_labels_of_sandbox({{"io.kubernetes.pod.name", "web-7d9"},
                                             {"io.kubernetes.pod.namespace", "shop"},
                                             {"io.kubernetes.pod.uid", "u1"},
                                             {"io.kubernetes.docker.type", "podsandbox"},
                                             {"annotation.kubernetes.io/config.seen", "now"},
                                             {"tier", "front"},
                                             {"app", "web"}});
  EXPECT_EQ(labels, (std::map<std::string, std::string>{{"app", "web"}, {"tier", "front"}}));
  EXPECT_EQ(join_pod_labels(labels), "app=web,tier=front");
  EXPECT_EQ(join_pod_labels({}), "");
}

TEST(ContainerSelectorTest, PodLabelsTakePartInTheSelection) {
  Container c = container("nginx", 101);
  c.k8s.namespace_name = "shop";
  c.k8s.pod_labels = {{"app", "web"}};
  EXPECT_TRUE(ContainerSelector({{}, {"shop"}, {}, {}, {"app=web"}}).matches(c));
  EXPECT_FALSE(ContainerSelector({{}, {"shop"}, {}, {}, {"app=db"}}).matches(c));
  EXPECT_FALSE(ContainerSelector({{}, {"other"}, {}, {}, {"app=web"}}).matches(c));
  EXPECT_FALSE(ContainerSelector({{}, {}, {}, {}, {"app=web"}}).empty());
}

}  // namespace
}  // namespace ig::runner::enrich
