// Keys and signatures for cosign-compatible signing: PEM keys through OpenSSL EVP, SHA-256
// digest signatures (ECDSA P-256 DER, as cosign writes them), strict base64.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ig::trust {

// Standard alphabet with padding (Go's base64.StdEncoding).
std::string base64_encode(std::string_view bytes);
// Strict: standard alphabet, canonical padding, no whitespace. `lenient` also accepts the URL
// alphabet and missing padding, as protobuf JSON (Sigstore bundles) does. nullopt if malformed.
std::optional<std::string> base64_decode(std::string_view text, bool lenient = false);

class PublicKey {
 public:
  // Parses the first PEM "PUBLIC KEY" (PKIX) block of `pem`. `source` names the key in
  // messages (a file path, or "--public-keys[2]"). Throws Error(InvalidArgument).
  static PublicKey from_pem(std::string_view pem, std::string source);
  // Every PUBLIC KEY block of `pem` (a file may hold several). Throws if there is none.
  static std::vector<PublicKey> all_from_pem(std::string_view pem, const std::string& source);

  // Verifies `signature` over `message`: SHA-256 with ECDSA (DER) or RSA PKCS#1 v1.5, pure
  // Ed25519, as sigstore's LoadVerifier(pub, SHA256) does.
  bool verify(std::string_view message, std::string_view signature) const;
  const std::string& source() const { return source_; }
  std::string pem() const;

 private:
  std::shared_ptr<void> key_;  // EVP_PKEY
  std::string source_;
};

class PrivateKey {
 public:
  // Reads a PEM private key: "EC PRIVATE KEY", "PRIVATE KEY", "RSA PRIVATE KEY", or
  // "ENCRYPTED PRIVATE KEY" decrypted with `password`. An encrypted cosign key ("ENCRYPTED
  // SIGSTORE/COSIGN PRIVATE KEY") is refused with directions. Throws Error(InvalidArgument).
  static PrivateKey from_pem(std::string_view pem, const std::string& source,
                             const std::string& password = "");
  static PrivateKey load(const std::filesystem::path& path, const std::string& password = "");
  // A fresh ECDSA P-256 key (what cosign generate-key-pair makes, unencrypted).
  static PrivateKey generate_p256();

  // SHA-256 signature of `message` (DER for ECDSA).
  std::string sign(std::string_view message) const;
  std::string private_pem() const;  // PKCS#8 "PRIVATE KEY"
  std::string public_pem() const;   // PKIX "PUBLIC KEY"

 private:
  std::shared_ptr<void> key_;  // EVP_PKEY
};

// Upstream Inspektor Gadget's release signing key (pkg/resources/inspektor-gadget.pub).
extern const std::string_view kInspektorGadgetPublicKey;

// Where extra trusted keys are configured: $IG_PUBLIC_KEYS_DIR, else /etc/ig/public-keys.d.
std::filesystem::path default_public_keys_dir();

// The keys trusted when no --public-keys is given: upstream's key plus every *.pub and *.pem
// file of `dir` (absent directory = none).
std::vector<PublicKey> default_public_keys(const std::filesystem::path& dir = default_public_keys_dir());

// --public-keys values: each is PEM text or the path of a PEM file. Empty list: the defaults.
std::vector<PublicKey> load_public_keys(const std::vector<std::string>& values);

}  // namespace ig::trust
