#include "builder/build.hpp"

#include <bpf/btf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "builder/build_config.hpp"
#include "builder/compile.hpp"
#include "builder/metadata_check.hpp"
#include "builder/pack.hpp"
#include "oci/media_types.hpp"
#include "oci/reference.hpp"
#include "util/error.hpp"

namespace ig::builder {
namespace fs = std::filesystem;
namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::NotFound, path.string() + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Removes the temporary output directory unless the user asked to keep the files (-o).
class WorkDir {
 public:
  explicit WorkDir(const fs::path& requested) {
    if (!requested.empty()) {
      fs::create_directories(requested);
      path_ = requested;
      return;
    }
    std::string pattern = (fs::temp_directory_path() / "ig-build-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw Error(ErrorCode::Io,
                  "creating temporary directory: " + std::string(std::strerror(errno)));
    path_ = pattern;
    owned_ = true;
  }
  ~WorkDir() {
    std::error_code ec;
    if (owned_) fs::remove_all(path_, ec);
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  bool owned_ = false;
};

struct BtfDeleter {
  void operator()(struct btf* b) const { btf__free(b); }
};

std::unique_ptr<struct btf, BtfDeleter> load_btf(const fs::path& object) {
  struct btf* btf = btf__parse_elf(object.c_str(), nullptr);
  if (!btf)
    throw Error(ErrorCode::InvalidArgument,
                object.string() + ": no BTF in eBPF object: " + std::strerror(errno));
  return std::unique_ptr<struct btf, BtfDeleter>(btf);
}

// Upstream oras lists manifests pushed without a tag in index.json; keep that shape (and keep
// the blobs reachable for garbage collection).
void record_untagged(oci::LayoutStore& store, const std::vector<oci::Descriptor>& descriptors,
                     const oci::Descriptor* tagged) {
  store.update_index([&](oci::Index& index) {
    // A tagged node is listed once, under its tag (as oras does).
    if (tagged) {
      std::erase_if(index.manifests, [&](const oci::Descriptor& d) {
        return d.digest == tagged->digest &&
               !d.annotations.contains(std::string(oci::annotation::kRefName));
      });
    }
    for (const auto& desc : descriptors) {
      const bool listed =
          std::any_of(index.manifests.begin(), index.manifests.end(),
                      [&](const oci::Descriptor& d) { return d.digest == desc.digest; });
      if (!listed) index.manifests.push_back(desc);
    }
  });
}

}  // namespace

BuildResult build(const BuildOptions& options, oci::LayoutStore& store) {
  const fs::path source_dir = options.source_dir.empty() ? fs::path(".") : options.source_dir;
  if (!fs::is_directory(source_dir))
    throw Error(ErrorCode::NotFound, source_dir.string() + ": not a directory");
  const BuildConfig config = load_build_config(source_dir, options.build_file);
  const auto warn = [&options](const std::string& line) {
    if (options.warn) {
      options.warn(line);
    } else {
      std::fprintf(stderr, "warning: %s\n", line.c_str());
    }
  };
  if (!config.wasm.empty()) {
    warn("wasm module \"" + config.wasm + "\" not built (ig has no wasm runtime): the image " +
         "holds the eBPF part only, and fields the module computes stay empty");
  }
  // Parse the tag before the slow part so a bad -t fails at once.
  const std::string reference =
      options.tag.empty() ? std::string() : oci::parse_reference(options.tag).str();

  std::vector<std::string> archs = options.architectures;
  std::sort(archs.begin(), archs.end());
  archs.erase(std::unique(archs.begin(), archs.end()), archs.end());

  WorkDir work(options.output_dir);
  PackInput input;
  std::vector<fs::path> objects;
  for (const auto& arch : archs) {
    if (config.ebpf_source) {
      fs::path object = compile(source_dir, *config.ebpf_source, arch, work.path());
      input.objects[arch] = read_file(object);
      objects.push_back(object);
    } else {
      input.objects[arch] = "";
    }
  }

  const fs::path metadata_path =
      source_dir / (config.metadata ? *config.metadata : config.metadata_target);
  const std::string metadata_name = metadata_path.filename().string();
  if (!objects.empty() &&
      (options.update_metadata || (options.validate_metadata && config.metadata))) {
    // Any architecture's BTF will do: the gadget's own types do not depend on it.
    auto btf = load_btf(objects.front());
    std::string text = config.metadata ? read_file(metadata_path) : std::string();
    if (options.update_metadata) {
      if (config.metadata) validate_metadata(text, metadata_name, btf.get());
      text = update_metadata(text, metadata_name, btf.get());
      write_file_atomically(metadata_path, text);
    }
    if (options.validate_metadata) {
      validate_metadata(text, metadata_name, btf.get(), warn);
    }
  }
  if (fs::exists(metadata_path)) input.metadata = read_file(metadata_path);

  input.created = created_timestamp();
  input.builder_version = IG_VERSION;
  const PackResult packed = pack(input, store);

  std::vector<oci::Descriptor> untagged = packed.manifests;
  if (reference.empty()) untagged.push_back(packed.index);
  record_untagged(store, untagged, reference.empty() ? nullptr : &packed.index);
  if (!reference.empty()) store.tag(packed.index, reference);

  return {packed.index, reference};
}

}  // namespace ig::builder
