#include "trust/crypto.hpp"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "util/error.hpp"

namespace fs = std::filesystem;

namespace ig::trust {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c, bool lenient) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || (lenient && c == '-')) return 62;
  if (c == '/' || (lenient && c == '_')) return 63;
  return -1;
}

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

BioPtr memory_bio(std::string_view bytes) {
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())), BIO_free);
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

std::shared_ptr<void> own(EVP_PKEY* key) {
  return std::shared_ptr<void>(key, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
}

EVP_PKEY* raw(const std::shared_ptr<void>& key) { return static_cast<EVP_PKEY*>(key.get()); }

// Ed25519 signs the message itself; every other key type signs its SHA-256 digest.
const EVP_MD* digest_for(EVP_PKEY* key) {
  return EVP_PKEY_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::NotFound, path.string() + ": cannot read key file");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

int password_callback(char* buf, int size, int, void* user) {
  const auto* password = static_cast<const std::string*>(user);
  if (password->empty() || static_cast<int>(password->size()) > size) return -1;
  std::copy(password->begin(), password->end(), buf);
  return static_cast<int>(password->size());
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto at = [&](size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (size_t rest = bytes.size() - i; rest > 0) {
    uint32_t v = at(i) << 16;
    if (rest == 2) v |= at(i + 1) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text, bool lenient) {
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  std::string_view body = text.substr(0, text.size() - pad);
  if (!lenient || pad > 0) {
    if (text.size() % 4 != 0) return std::nullopt;
  } else if (body.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(body.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : body) {
    int v = base64_value(c, lenient);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // Canonical form only: the bits left over after the last byte must be zero.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

// ---- PublicKey ----

std::vector<PublicKey> PublicKey::all_from_pem(std::string_view pem, const std::string& source) {
  std::vector<PublicKey> keys;
  auto bio = memory_bio(pem);
  while (true) {
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr) break;
    PublicKey k;
    k.key_ = own(key);
    k.source_ = keys.empty() ? source : source + "#" + std::to_string(keys.size() + 1);
    keys.push_back(std::move(k));
  }
  ERR_clear_error();
  if (keys.empty()) {
    throw Error(ErrorCode::InvalidArgument,
                source + ": not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\")");
  }
  return keys;
}

PublicKey PublicKey::from_pem(std::string_view pem, std::string source) {
  return all_from_pem(pem, source).front();
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, digest_for(raw(key_)), nullptr, raw(key_)) != 1) {
    ERR_clear_error();
    return false;
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                            message.size());
  ERR_clear_error();
  return rc == 1;
}

std::string PublicKey::pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), raw(key_)) != 1)
    throw Error(ErrorCode::Internal, "writing public key: " + openssl_error());
  return bio_string(bio.get());
}

// ---- PrivateKey ----

PrivateKey PrivateKey::from_pem(std::string_view pem, const std::string& source,
                                const std::string& password) {
  if (pem.find("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----") != std::string_view::npos ||
      pem.find("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----") != std::string_view::npos) {
    throw Error(ErrorCode::Unsupported,
                source + ": encrypted cosign keys are not supported; use a PEM EC key instead "
                         "(openssl ecparam -name prime256v1 -genkey -noout -out key.pem, or "
                         "ig image sign --generate-key key.pem), which `cosign import-key-pair "
                         "--key key.pem` also makes usable by cosign");
  }
  if (pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos && password.empty()) {
    throw Error(ErrorCode::InvalidArgument,
                source + ": the key is encrypted; set COSIGN_PASSWORD to its password");
  }
  auto bio = memory_bio(pem);
  std::string pw = password;
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, password_callback, &pw);
  if (key == nullptr) {
    std::string why = openssl_error();
    throw Error(ErrorCode::InvalidArgument,
                source + ": not a usable PEM private key (EC PRIVATE KEY or PRIVATE KEY): " + why);
  }
  PrivateKey k;
  k.key_ = own(key);
  return k;
}

PrivateKey PrivateKey::load(const fs::path& path, const std::string& password) {
  return from_pem(read_file(path), path.string(), password);
}

PrivateKey PrivateKey::generate_p256() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) throw Error(ErrorCode::Internal, "generating a P-256 key: " + openssl_error());
  PrivateKey k;
  k.key_ = own(key);
  return k;
}

std::string PrivateKey::sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, digest_for(raw(key_)), nullptr, raw(key_)) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    throw Error(ErrorCode::Internal, "signing: " + openssl_error());
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    throw Error(ErrorCode::Internal, "signing: " + openssl_error());
  }
  sig.resize(len);
  return sig;
}

std::string PrivateKey::private_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), raw(key_), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw Error(ErrorCode::Internal, "writing private key: " + openssl_error());
  return bio_string(bio.get());
}

std::string PrivateKey::public_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), raw(key_)) != 1)
    throw Error(ErrorCode::Internal, "writing public key: " + openssl_error());
  return bio_string(bio.get());
}

// ---- Trusted keys ----

const std::string_view kInspektorGadgetPublicKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEoDOC0gYSxZTopenGmX3ZFvQ1DSfh\n"
    "Ir4EKRt5jC+mXaJ7c7J+oREskYMn/SfZdRHNSOjLTZUMDm60zpXGhkFecg==\n"
    "-----END PUBLIC KEY-----\n";

fs::path default_public_keys_dir() {
  const char* env = std::getenv("IG_PUBLIC_KEYS_DIR");
  return env != nullptr && *env != '\0' ? fs::path(env) : fs::path("/etc/ig/public-keys.d");
}

std::vector<PublicKey> default_public_keys(const fs::path& dir) {
  std::vector<PublicKey> keys{PublicKey::from_pem(kInspektorGadgetPublicKey, "inspektor-gadget.pub")};
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return keys;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".pub" || ext == ".pem")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    for (auto& k : PublicKey::all_from_pem(read_file(f), f.string())) keys.push_back(std::move(k));
  }
  return keys;
}

std::vector<PublicKey> load_public_keys(const std::vector<std::string>& values) {
  if (values.empty()) return default_public_keys();
  std::vector<PublicKey> keys;
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string& v = values[i];
    if (v.find("-----BEGIN") != std::string::npos) {
      for (auto& k : PublicKey::all_from_pem(v, "--public-keys[" + std::to_string(i + 1) + "]"))
        keys.push_back(std::move(k));
    } else {
      for (auto& k : PublicKey::all_from_pem(read_file(v), v)) keys.push_back(std::move(k));
    }
  }
  return keys;
}

}  // namespace ig::trust
