// `ig image sign` and `ig image verify`: cosign-compatible keyed signatures, checked offline
// against the local store.
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "oci/layout_store.hpp"
#include "oci/reference.hpp"
#include "trust/crypto.hpp"
#include "trust/sign.hpp"
#include "trust/verify.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;

namespace ig::cli {
namespace {

// Creates `path` with `mode`, refusing to overwrite an existing file.
void write_new_file(const fs::path& path, const std::string& bytes, mode_t mode) {
  if (fs::exists(path)) throw Error(ErrorCode::AlreadyExists, path.string() + ": already exists; not overwriting it");
  mode_t old = ::umask(0);
  std::ofstream out(path, std::ios::binary);
  ::umask(old);
  if (!out) throw Error(ErrorCode::Io, path.string() + ": cannot create file");
  fs::permissions(path, static_cast<fs::perms>(mode), fs::perm_options::replace);
  out << bytes;
  if (!out.flush()) throw Error(ErrorCode::Io, path.string() + ": write failed");
}

std::string public_key_path(const std::string& private_path) {
  fs::path p(private_path);
  return (p.parent_path() / p.stem()).string() + ".pub";
}

void add_sign(CLI::App& image) {
  auto* cmd = image.add_subcommand(
      "sign",
      "Sign an image of the local store (cosign legacy format, key-based)");
  cmd->footer(
      "The signature covers the image index digest and is stored next to the image under the\n"
      "tag sha256-<hex>.sig; push, pull, copy, export and import carry it. Re-signing replaces\n"
      "it. Verify with `ig image verify IMAGE --public-keys KEY.pub` or `cosign verify --key\n"
      "KEY.pub --insecure-ignore-tlog IMAGE` once pushed.\n\n"
      "KEY is a PEM EC P-256 private key (EC PRIVATE KEY or PRIVATE KEY; an encrypted PKCS#8 key\n"
      "is decrypted with $COSIGN_PASSWORD). Create one with --generate-key KEY.pem (also writes\n"
      "KEY.pub), or with openssl:\n"
      "  openssl ecparam -name prime256v1 -genkey -noout -out key.pem\n"
      "  openssl ec -in key.pem -pubout -out key.pub");
  auto ref = std::make_shared<std::string>();
  auto key = std::make_shared<std::string>();
  auto generate = std::make_shared<std::string>();
  cmd->add_option("IMAGE", *ref, "Image to sign");
  auto* key_opt = cmd->add_option("--key", *key, "PEM private key to sign with");
  auto* gen_opt = cmd->add_option("--generate-key", *generate,
                                  "Create a new P-256 key pair (KEY.pem, mode 0600, and KEY.pub) and "
                                  "sign with it if IMAGE is given");
  key_opt->excludes(gen_opt);
  cmd->callback([ref, key, generate] {
    std::string key_path = *key;
    std::optional<trust::PrivateKey> private_key;
    if (!generate->empty()) {
      private_key = trust::PrivateKey::generate_p256();
      std::string pub = public_key_path(*generate);
      write_new_file(*generate, private_key->private_pem(), 0600);
      write_new_file(pub, private_key->public_pem(), 0644);
      std::cout << "Private key written to " << *generate << "\nPublic key written to " << pub << "\n";
      if (ref->empty()) return;
    } else if (key_path.empty()) {
      throw Error(ErrorCode::InvalidArgument, "ig image sign: --key KEY.pem is required");
    } else if (ref->empty()) {
      throw Error(ErrorCode::InvalidArgument, "ig image sign: IMAGE is required");
    } else {
      const char* password = std::getenv("COSIGN_PASSWORD");
      private_key = trust::PrivateKey::load(key_path, password != nullptr ? password : "");
    }
    auto reference = oci::parse_reference(*ref);
    oci::LayoutStore store(oci::LayoutStore::default_path());
    auto result = trust::sign_image(store, reference, *private_key);
    std::cout << "Successfully signed " << reference.str() << "@" << result.image.digest.str() << " ("
              << result.tag << (result.replaced ? ", replacing the previous signature" : "") << ")\n";
  });
}

void add_verify(CLI::App& image, Configuration& config) {
  auto* cmd = image.add_subcommand("verify", "Verify the signature of an image of the local store");
  cmd->footer(
      "Verification uses the local store only (no network): pull or import the image with its\n"
      "signature first. Accepted: cosign legacy (sha256-<hex>.sig), cosign OCI 1.1 referrers and\n"
      "Sigstore bundles (keyed), as upstream ig accepts them. Without --public-keys, the trusted\n"
      "keys are Inspektor Gadget's release key plus every *.pub/*.pem file in\n"
      "/etc/ig/public-keys.d (or $IG_PUBLIC_KEYS_DIR).");
  auto ref = std::make_shared<std::string>();
  auto keys = std::make_shared<std::vector<std::string>>();
  cmd->add_option("IMAGE", *ref, "Image to verify")->required();
  config.bind(*cmd,
              cmd->add_option("--public-keys", *keys,
                              "Public keys (PEM text or PEM file paths, comma separated); any may match")
                  ->delimiter(','),
              "operator.oci.public-keys");
  cmd->callback([ref, keys] {
    std::cout << "Verifying image: " << *ref << "\n" << std::flush;
    auto reference = oci::parse_reference(*ref);
    oci::LayoutStore store(oci::LayoutStore::default_path());
    trust::verify_image(store, reference, *keys);
    std::cout << "Image verified successfully!\n";
  });
}

}  // namespace

void add_trust_commands(CLI::App& image, Configuration& config) {
  add_sign(image);
  add_verify(image, config);
}

}  // namespace ig::cli
