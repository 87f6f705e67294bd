#include <bpf/btf.h>
#include <gtest/gtest.h>
#include <seccomp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "metadata/field_schema.hpp"
#include "metadata/gadget_metadata.hpp"
#include "runner/enrich/container.hpp"
#include "runner/instance/sink.hpp"
#include "runner/pipeline.hpp"
#include "util/error.hpp"

namespace ig::runner {
namespace {

// gadgets/audit_seccomp/gadget.yaml at upstream HEAD (spec ig-compat.md §5.5).
constexpr const char* kAuditSeccompYaml = R"(name: audit seccomp
datasources:
  seccomp:
    fields:
      syscall_raw:
        annotations:
          columns.hidden: true
      syscall:
        annotations:
          columns.width: 20
      code:
        annotations:
          description: Seccomp return code
          columns.width: 20
          columns.ellipsis: start
)";

struct BtfDeleter {
  void operator()(struct btf* b) const { btf__free(b); }
};

// A raw event record laid out by the BTF of the test structs.
class Record {
 public:
  Record(const struct btf* b, const std::string& struct_name)
      : fields_(metadata::event_fields(b, struct_name)) {
    const int id = btf__find_by_name_kind(b, struct_name.c_str(), BTF_KIND_STRUCT);
    bytes_.assign(static_cast<size_t>(btf__resolve_size(b, static_cast<uint32_t>(id))), 0);
  }
  void set(const std::string& name, uint64_t value) {
    const auto& f = field(name);
    std::memcpy(bytes_.data() + f.offset, &value, f.size);
  }
  void set(const std::string& name, const std::string& text) {
    const auto& f = field(name);
    std::memcpy(bytes_.data() + f.offset, text.data(), std::min<size_t>(text.size(), f.size));
  }
  const std::vector<unsigned char>& bytes() const { return bytes_; }
  unsigned char* data() { return bytes_.data(); }

 private:
  const metadata::FieldSchema& field(const std::string& name) const {
    for (const auto& f : fields_) {
      if (f.full_name == name) return f;
    }
    throw std::runtime_error("no field " + name);
  }
  std::vector<metadata::FieldSchema> fields_;
  std::vector<unsigned char> bytes_;
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    btf_.reset(btf__parse(IG_TEST_EVENTS_OBJECT, nullptr));
    ASSERT_NE(btf_, nullptr);
    meta_ = metadata::parse_metadata(kAuditSeccompYaml, "gadget.yaml").datasources.at("seccomp");
    passwd_ = ::testing::TempDir() + "/ig_pipeline_passwd";
    group_ = ::testing::TempDir() + "/ig_pipeline_group";
    std::ofstream(passwd_) << "root:x:0:0::/root:/bin/sh\n";
    std::ofstream(group_) << "root:x:0:\n";
    unshare_ = seccomp_syscall_resolve_name("unshare");
    ASSERT_GE(unshare_, 0);
  }
  void TearDown() override {
    std::remove(passwd_.c_str());
    std::remove(group_.c_str());
  }

  OutputOptions options(const std::string& mode, std::vector<std::string> fields = {}) {
    OutputOptions o;
    o.mode = mode;
    o.fields = std::move(fields);
    o.kernel_enums = false;
    o.passwd_path = passwd_;
    o.group_path = group_;
    return o;
  }

  Record seccomp_event(const std::string& comm = "unshare") {
    Record r(btf_.get(), "event");
    r.set("timestamp_raw", 1000);
    r.set("proc.comm", comm);
    r.set("proc.pid", 1234);
    r.set("proc.tid", 1235);
    r.set("proc.mntns_id", 4026531841);
    r.set("proc.parent.comm", "bash");
    r.set("proc.parent.pid", 1000);
    r.set("syscall_raw", static_cast<uint64_t>(unshare_));
    r.set("code_raw", 0);
    return r;
  }

  // Runs records through a pipeline and returns what it printed.
  std::string run(const std::string& struct_name, const metadata::DataSourceMetadata* meta,
                  const OutputOptions& opts,
                  const std::vector<std::vector<unsigned char>>& records) {
    char* buf = nullptr;
    size_t len = 0;
    std::FILE* out = open_memstream(&buf, &len);
    {
      FileSink sink(out, stderr);
      EventPipeline p(btf_.get(), {"seccomp", "events", struct_name}, meta, opts, sink);
      p.start();
      for (const auto& r : records) p.handle(r.data(), r.size());
      p.finish();
    }
    std::fclose(out);
    std::string text(buf, len);
    std::free(buf);
    return text;
  }

  std::unique_ptr<struct btf, BtfDeleter> btf_;
  metadata::DataSourceMetadata meta_;
  std::string passwd_;
  std::string group_;
  int unshare_ = -1;
};

std::string pad_right(const std::string& s, size_t w) { return s + std::string(w - s.size(), ' '); }
std::string pad_left(const std::string& s, size_t w) { return std::string(w - s.size(), ' ') + s; }

TEST_F(PipelineTest, AuditSeccompColumns) {
  const std::string text = run("event", &meta_, options("columns"), {seccomp_event().bytes()});
  // Widths: container template 30, comm 16, pid/tid the default 16 (right; their max of 10
  // only bounds scaling to a terminal), code/syscall 20.
  const std::string header = pad_right("RUNTIME.CONTAINERNAME", 30) + " " + pad_right("COMM", 16) +
                             " " + pad_left("PID", 16) + " " + pad_left("TID", 16) + " " +
                             pad_right("CODE", 20) + " " + pad_right("SYSCALL", 20) + "\n";
  const std::string row = std::string(30, ' ') + " " + pad_right("unshare", 16) + " " +
                          pad_left("1234", 16) + " " + pad_left("1235", 16) + " " +
                          "\xE2\x80\xA6"
                          "OMP_RET_KILL_THREAD" +
                          " " + pad_right("SYS_UNSHARE", 20) + "\n";
  EXPECT_EQ(text, header + row);
}

TEST_F(PipelineTest, ColumnsFillATerminal) {
  OutputOptions tty = options("columns");
  tty.terminal_width = 80;
  const std::string text = run("event", &meta_, tty, {seccomp_event().bytes()});
  // 75 characters besides the dividers, shared by weights 30:16:16:16:20:20 (floors 19, 10,
  // 10, 10, 12, 12; pid and tid within their 7..10), the 2 left over to the first columns.
  // Headers are shortened like cells, always at the end.
  const std::string header = std::string("RUNTIME.CONTAINERNA\xE2\x80\xA6") + " " +
                             pad_right("COMM", 11) + " " + pad_left("PID", 10) + " " +
                             pad_left("TID", 10) + " " + pad_right("CODE", 12) + " " +
                             pad_right("SYSCALL", 12) + "\n";
  ASSERT_EQ(text.substr(0, text.find('\n') + 1), header);
  EXPECT_EQ(header.size(), 81u + 2);  // 80 characters, the ellipsis takes 3 bytes
  // A terminal narrower than every minimum: the table keeps its minimums.
  tty.terminal_width = 10;
  const std::string narrow = run("event", &meta_, tty, {seccomp_event().bytes()});
  const std::string narrow_header = narrow.substr(0, narrow.find('\n'));
  const auto characters = std::count_if(narrow_header.begin(), narrow_header.end(),
                                        [](char c) { return (c & 0xC0) != 0x80; });
  EXPECT_EQ(characters, 1 + 1 + 7 + 7 + 1 + 1 + 5) << narrow_header;
}

TEST_F(PipelineTest, FilterKeepsEventsMatchingEveryRule) {
  const auto rec = seccomp_event().bytes();
  const auto kept = [&](const std::string& rules) {
    OutputOptions o = options("json");
    o.filter = rules;
    return !run("event", &meta_, o, {rec}).empty();
  };
  // Text, formatted and numeric fields (numbers compare as numbers, not text).
  EXPECT_TRUE(kept("proc.comm==unshare"));
  EXPECT_TRUE(kept("comm=unshare"));  // alias, "=" like "=="
  EXPECT_FALSE(kept("proc.comm!=unshare"));
  EXPECT_TRUE(kept("code==SECCOMP_RET_KILL_THREAD"));
  EXPECT_TRUE(kept("syscall~^SYS_UN,proc.pid>=1234"));
  EXPECT_FALSE(kept("syscall~^SYS_UN,proc.pid>1234"));
  EXPECT_TRUE(kept("proc.pid<999999"));
  EXPECT_FALSE(kept("syscall!~UNSHARE"));
  EXPECT_TRUE(kept("proc.comm~a\\,|share"));  // "\," is a comma in the expression
  for (const char* bad : {"nosuch==1", "proc.pid==abc", "proc.comm", "proc.comm~("}) {
    OutputOptions o = options("json");
    o.filter = bad;
    EXPECT_THROW(run("event", &meta_, o, {rec}), Error) << bad;
  }
}

TEST_F(PipelineTest, ColumnNamesWithoutMetadata) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* out = open_memstream(&buf, &len);
  {
    FileSink sink(out, stderr);
    EventPipeline p(btf_.get(), {"seccomp", "events", "event"}, nullptr, options("columns"), sink);
    // Without gadget.yaml syscall_raw is still hidden behind its formatted sibling.
    EXPECT_EQ(p.column_names(), (std::vector<std::string>{"RUNTIME.CONTAINERNAME", "COMM", "PID",
                                                          "TID", "CODE", "SYSCALL"}));
  }
  std::fclose(out);
  std::free(buf);
}

TEST_F(PipelineTest, CellsAreEscapedAndTruncated) {
  const std::string text = run("event", &meta_, options("columns", {"comm"}),
                               {seccomp_event("a\tverylongcommand").bytes()});
  // The 16-byte comm keeps "a\tverylongcomman"; escaped that is 17 characters, so the cell
  // keeps 15 of them and ends with an ellipsis.
  EXPECT_EQ(text, pad_right("COMM", 16) + "\n" +
                      "a\\tverylongcomm\xE2\x80\xA6"
                      "\n");
}

TEST_F(PipelineTest, FieldsSelection) {
  const auto rec = seccomp_event().bytes();
  EXPECT_EQ(run("event", &meta_, options("columns", {"Comm,SYSCALL"}), {rec}),
            pad_right("COMM", 16) + " " + pad_right("SYSCALL", 20) + "\n" +
                pad_right("unshare", 16) + " " + pad_right("SYS_UNSHARE", 20) + "\n");
  // -f removes from the default set, +f appends (full names and aliases both work).
  const std::string modified =
      run("event", &meta_,
          options("columns", {"-runtime.containerName,-tid,-code", "+proc.parent.comm"}), {rec});
  EXPECT_EQ(modified.substr(0, modified.find('\n')),
            pad_right("COMM", 16) + " " + pad_left("PID", 16) + " " + pad_right("SYSCALL", 20) +
                " " + pad_right("COMM", 16));
  // Entries for another data source are ignored.
  const std::string other = run("event", &meta_, options("columns", {"other:comm"}), {rec});
  EXPECT_EQ(other.substr(0, 21), "RUNTIME.CONTAINERNAME");
}

TEST_F(PipelineTest, UnknownFieldIsAnError) {
  try {
    run("event", &meta_, options("columns", {"nosuch"}), {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("\"nosuch\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("proc.comm"), std::string::npos) << msg;
  }
}

TEST_F(PipelineTest, BadAlignmentNamesField) {
  metadata::DataSourceMetadata meta = meta_;
  meta.fields["code"].annotations["columns.alignment"] = "center";
  try {
    run("event", &meta, options("columns"), {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "field code: invalid columns.alignment \"center\"");
  }
}

// As upstream's enrichment by network namespace: a packet whose owner is unknown (mntns 0)
// takes the container of its namespace, if that namespace is one container's.
TEST_F(PipelineTest, PacketsWithoutAnOwnerTakeTheirNamespacesContainer) {
  auto web = std::make_shared<enrich::Container>();
  web->name = "web";
  web->netns = 4026532000;
  auto db = std::make_shared<enrich::Container>();
  db->name = "db";
  db->mntns = 4026531999;
  EventEnrichers enrichers;
  enrichers.container = [&](uint64_t mntns) {
    return mntns == db->mntns ? db : std::shared_ptr<const enrich::Container>();
  };
  enrichers.container_by_netns = [&](uint64_t netns) {
    return netns == web->netns ? web : std::shared_ptr<const enrich::Container>();
  };
  const auto packet = [&](uint64_t netns, uint64_t mntns) {
    Record r(btf_.get(), "packet_event");
    r.set("netns_id", netns);
    r.set("mntns_id", mntns);
    return r.bytes();
  };
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* out = open_memstream(&buf, &len);
  {
    FileSink sink(out, stderr);
    EventPipeline p(btf_.get(), {"packets", "events", "packet_event"}, nullptr, options("json"),
                    sink);
    p.set_enrichers(enrichers);
    p.start();
    for (const auto& r : {packet(web->netns, 0), packet(web->netns, db->mntns),
                          packet(4026532001, 0)}) {
      p.handle(r.data(), r.size());
    }
    p.finish();
  }
  std::fclose(out);
  std::istringstream lines(std::string(buf, len));
  std::free(buf);
  std::vector<std::string> names;
  for (std::string line; std::getline(lines, line);) {
    names.push_back(nlohmann::json::parse(line)["runtime"]["containerName"]);
  }
  // The owner's mount namespace wins over the packet's network namespace.
  EXPECT_EQ(names, (std::vector<std::string>{"web", "db", ""}));
}

// The bytes after the struct become the rest field, bounded by its length field; a DNS
// message in them is decoded into the fields upstream's trace_dns computes in wasm.
TEST_F(PipelineTest, RestBytesAndTheirDnsMessageAreDecoded) {
  metadata::DataSourceMetadata meta;
  meta.annotations = {{"ebpf.rest.name", "data"}, {"ebpf.rest.len", "data_len"}};
  // A response for example.com: one A and one AAAA answer (compressed names), behind 4 bytes
  // standing in for the headers before the message.
  const std::vector<unsigned char> message = {
      0xbe, 0xef, 0x81, 0x83, 0, 1, 0, 2, 0, 0, 0, 0,                     // NXDOMAIN, RD, RA
      7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,  // question
      0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 93, 184, 216, 34,          // A
      0xc0, 12, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16, 0x26, 0x06, 0x28, 0, 0x02, 0x20, 0, 1, 0x2, 0x48,
      0x18, 0x93, 0x25, 0xc8, 0x19, 0x46};                                 // AAAA
  Record r(btf_.get(), "dns_event");
  r.set("data_len", 4 + message.size());
  r.set("dns_off", 4);
  std::vector<unsigned char> record = r.bytes();
  record.insert(record.end(), {1, 2, 3, 4});
  record.insert(record.end(), message.begin(), message.end());
  record.insert(record.end(), {0, 0, 0});  // perf's padding, beyond data_len
  const std::string out = run("dns_event", &meta, options("json"), {record});
  const auto json = nlohmann::json::parse(out);
  EXPECT_EQ(json["data"], "AQIDBL7vgYMAAQACAAAAAAdleGFtcGxlA2NvbQAAAQABwAwAAQABAAAAPAAEXbjYIsAMABwAAQAAADwAECYGKAACIAABAkgYkyXIGUY=");
  EXPECT_EQ(json["id"], "beef");
  EXPECT_EQ(json["qr"], "R");
  EXPECT_EQ(json["qr_raw"], true);
  EXPECT_EQ(json["name"], "example.com.");
  EXPECT_EQ(json["qtype"], "A");
  EXPECT_EQ(json["qtype_raw"], 1);
  EXPECT_EQ(json["rcode"], "NameError");
  EXPECT_EQ(json["rcode_raw"], 3);
  EXPECT_EQ(json["num_answers"], 2);
  EXPECT_EQ(json["addresses"], "93.184.216.34,2606:2800:220:1:248:1893:25c8:1946");
  EXPECT_EQ(json["rd"], true);
  EXPECT_EQ(json["ra"], true);
  EXPECT_EQ(json["tc"], false);

  // A message cut short keeps its event, without the fields it lacks.
  Record cut(btf_.get(), "dns_event");
  cut.set("data_len", 4 + 20);
  cut.set("dns_off", 4);
  std::vector<unsigned char> short_record = cut.bytes();
  short_record.insert(short_record.end(), {1, 2, 3, 4});
  short_record.insert(short_record.end(), message.begin(), message.begin() + 20);
  const auto partial = nlohmann::json::parse(run("dns_event", &meta, options("json"), {short_record}));
  EXPECT_EQ(partial["id"], "beef");
  EXPECT_EQ(partial["name"], "");
  EXPECT_EQ(partial["num_answers"], 0);
}

TEST_F(PipelineTest, JsonHasAllFieldsSortedAndNested) {
  const std::string text = run("event", &meta_, options("json"), {seccomp_event("<x>").bytes()});
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  EXPECT_EQ(text.find(' '), std::string::npos);  // compact
  EXPECT_NE(text.find("\"comm\":\"\\u003cx\\u003e\""), std::string::npos) << text;

  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["code"], "SECCOMP_RET_KILL_THREAD");
  EXPECT_EQ(j["code_raw"], 0);
  EXPECT_EQ(j["syscall"], "SYS_UNSHARE");
  EXPECT_EQ(j["syscall_raw"], unshare_);
  EXPECT_EQ(j["runtime"]["containerName"], "");
  EXPECT_EQ(j["proc"]["pid"], 1234);
  EXPECT_EQ(j["proc"]["mntns_id"], 4026531841u);
  EXPECT_EQ(j["proc"]["creds"]["user"], "root");
  EXPECT_EQ(j["proc"]["creds"]["group"], "root");
  EXPECT_EQ(j["proc"]["parent"]["comm"], "bash");
  EXPECT_TRUE(j["ustack"].is_object());
  EXPECT_EQ(j["ustack"]["stack_id"], 0);
  // The raw timestamp becomes wall-clock ns; the formatted one is RFC 3339 with ns.
  EXPECT_GT(j["timestamp_raw"].get<uint64_t>(), uint64_t{1600000000} * 1000000000);
  const std::string ts = j["timestamp"];
  ASSERT_EQ(ts.size() >= 30, true) << ts;
  EXPECT_EQ(ts[4], '-');
  EXPECT_EQ(ts[10], 'T');
  EXPECT_EQ(ts[19], '.');

  // Keys sorted at each level, in the raw text.
  const std::vector<std::string> top = {
      "\"code\":",        "\"code_raw\":",  "\"proc\":",          "\"runtime\":", "\"syscall\":",
      "\"syscall_raw\":", "\"timestamp\":", "\"timestamp_raw\":", "\"ustack\":"};
  size_t last = 0;
  for (const auto& k : top) {
    const size_t at = text.find(k);
    ASSERT_NE(at, std::string::npos) << k;
    EXPECT_GT(at, last) << k;
    last = at;
  }
  const size_t proc = text.find("\"proc\":{");
  ASSERT_NE(proc, std::string::npos);
  EXPECT_EQ(text.substr(proc, 20), "\"proc\":{\"comm\":\"\\u00");
  EXPECT_LT(text.find("\"creds\":{\"gid\":0,\"group\":\"root\",\"uid\":0,\"user\":\"root\"}"),
            text.find("\"mntns_id\":"));
}

TEST_F(PipelineTest, JsonPrettyAndSkip) {
  metadata::DataSourceMetadata meta = meta_;
  meta.fields["ustack"].annotations["json.skip"] = "true";
  const std::string text = run("event", &meta, options("jsonpretty"), {seccomp_event().bytes()});
  EXPECT_EQ(text.rfind("{\n  \"code\": \"SECCOMP_RET_KILL_THREAD\",\n  \"code_raw\": 0,\n", 0), 0u)
      << text;
  EXPECT_NE(
      text.find("\n  \"proc\": {\n    \"comm\": \"unshare\",\n    \"creds\": {\n      \"gid\": 0,"),
      std::string::npos)
      << text;
  EXPECT_EQ(text.find("ustack"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 2), "}\n");
  EXPECT_NO_THROW(nlohmann::json::parse(text));
}

TEST_F(PipelineTest, Yaml) {
  const std::string text =
      run("event", &meta_, options("yaml"), {seccomp_event().bytes(), seccomp_event().bytes()});
  // Upstream's k8s subtree, empty outside Kubernetes.
  EXPECT_EQ(text.rfind("---\ncode: SECCOMP_RET_KILL_THREAD\ncode_raw: 0\nk8s:\n  containerName: \"\"\n"
                       "  hostnetwork: false\n  namespace: \"\"\n  node: \"\"\n  owner:\n    kind: \"\"\n"
                       "    name: \"\"\n  podLabels: \"\"\n  podName: \"\"\nproc:\n  comm: unshare\n"
                       "  creds:\n    gid: 0\n    group: root\n",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("\nruntime:\n  containerId: \"\"\n  containerImageDigest: \"\"\n"
                      "  containerImageName: \"\"\n  containerName: \"\"\n  containerPid: 0\n"
                      "  runtimeName: \"\"\nsyscall: SYS_UNSHARE\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\ntimestamp: \"2"), std::string::npos) << text;  // quoted timestamp
  size_t docs = 0;
  for (size_t at = text.find("---\n"); at != std::string::npos; at = text.find("---\n", at + 1)) {
    ++docs;
  }
  EXPECT_EQ(docs, 2u);
}

TEST_F(PipelineTest, NoneModePrintsNothing) {
  EXPECT_EQ(run("event", &meta_, options("none"), {seccomp_event().bytes()}), "");
  EXPECT_THROW(run("event", &meta_, options("xml"), {}), Error);
}

TEST_F(PipelineTest, ShortRecordIsZeroPaddedLongIsTruncated) {
  Record r = seccomp_event("unshare-long");
  std::vector<unsigned char> shorter(r.bytes().begin(), r.bytes().begin() + 16);
  const auto j = nlohmann::json::parse(run("event", &meta_, options("json"), {shorter}));
  EXPECT_EQ(j["proc"]["comm"], "unshare-");  // only 8 bytes of comm arrived
  EXPECT_EQ(j["proc"]["pid"], 0);
  std::vector<unsigned char> longer = r.bytes();
  longer.resize(longer.size() + 64, 0xAB);
  const auto k = nlohmann::json::parse(run("event", &meta_, options("json"), {longer}));
  EXPECT_EQ(k["proc"]["pid"], 1234);
}

TEST_F(PipelineTest, MiscKindsAndFormatters) {
  Record r(btf_.get(), "misc_event");
  r.set("sig_raw", 9);
  r.set("error_raw", 2);
  r.set("mode_raw", 0644);
  r.set("flags_raw", 02000002);
  r.set("size_raw", 1234);
  r.set("latency_raw", 2500000);
  r.set("owner", 0);
  r.set("group_id", 77);
  r.set("name", std::string("ab\0cd", 5));
  r.set("blob", std::string("\x01\x02\x03\x04", 4));
  r.set("delta", static_cast<uint32_t>(-5));
  r.set("ok", 1);
  r.set("perms_raw", 6);
  r.set("color_raw", 0xFFFFFFFFu);
  r.set("anon_u.as_u32", 0x00020001);
  r.set("wide", 0x1122334455667788ull);
  r.set("offset", static_cast<uint64_t>(-7));
  // Bitfields low:4, high:12 share their storage unit.
  const auto fields = metadata::event_fields(btf_.get(), "misc_event");
  const auto low = *std::find_if(fields.begin(), fields.end(),
                                 [](const auto& f) { return f.full_name == "low"; });
  const uint32_t packed = (0xABCu << 4) | 0x9u;
  uint32_t storage = 0;
  std::memcpy(&storage, r.data() + low.offset, 4);
  storage |= packed << low.bit_offset;
  std::memcpy(r.data() + low.offset, &storage, 4);

  const auto j = nlohmann::json::parse(run("misc_event", nullptr, options("json"), {r.bytes()}));
  EXPECT_EQ(j["sig"], "SIGKILL");
  EXPECT_EQ(j["error"], "ENOENT");
  EXPECT_EQ(j["mode"], "-rw-r--r--");
  EXPECT_EQ(j["flags"], "O_RDWR|O_CLOEXEC");
  EXPECT_EQ(j["size"], "1.2 kB");
  EXPECT_EQ(j["latency"], "2.50ms");
  EXPECT_EQ(j["user"], "root");
  EXPECT_EQ(j["group"], "gid:77");
  EXPECT_EQ(j["name"], "ab");
  EXPECT_EQ(j["blob"], "AQIDBA==");
  EXPECT_EQ(j["delta"], -5);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["perms"], "PERM_WRITE|PERM_EXEC");
  EXPECT_EQ(j["color"], "COLOR_RED");
  EXPECT_EQ(j["anon_u"]["as_u32"], 0x00020001);
  EXPECT_EQ(j["wide"], 0x1122334455667788ull);
  EXPECT_EQ(j["offset"], -7);
  EXPECT_EQ(j["low"], 0x9);
  EXPECT_EQ(j["high"], 0xABC);
  EXPECT_EQ(j["ts"], 0);  // no converter without _raw: the raw value is left alone
  EXPECT_FALSE(j.contains("__reserved"));
}

TEST_F(PipelineTest, DescribeFieldsListsDescriptions) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* out = open_memstream(&buf, &len);
  {
    FileSink sink(out, stderr);
    EventPipeline p(btf_.get(), {"seccomp", "events", "event"}, &meta_, options("columns"), sink);
    const auto d = p.describe_fields();
    const auto find = [&](const std::string& n) {
      for (const auto& [name, desc] : d) {
        if (name == n) return desc;
      }
      return std::string("<missing>");
    };
    EXPECT_EQ(find("code"), "Seccomp return code");
    EXPECT_EQ(find("proc.comm"), "Process name");
    EXPECT_EQ(find("proc.pid"), "Process ID");
    EXPECT_EQ(find("proc"), "<missing>");  // containers are not fields of their own
  }
  std::fclose(out);
  std::free(buf);
}

}  // namespace
}  // namespace ig::runner
