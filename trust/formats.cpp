#include "trust/formats.hpp"

#include <nlohmann/json.hpp>

#include "oci/media_types.hpp"
#include "trust/crypto.hpp"
#include "util/error.hpp"

namespace ig::trust {

namespace {

using nlohmann::json;

[[noreturn]] void malformed(const std::string& what) { throw Error(ErrorCode::InvalidArgument, what); }

json parse_object(std::string_view text, const std::string& what) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) malformed(what + " is not a JSON object");
  return doc;
}

const json& member(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) malformed(where + ": missing \"" + key + "\"");
  return *it;
}

std::string string_member(const json& obj, const char* key, const std::string& where) {
  const json& v = member(obj, key, where);
  if (!v.is_string()) malformed(where + ": \"" + key + "\" is not a string");
  return v.get<std::string>();
}

const json& object_member(const json& obj, const char* key, const std::string& where) {
  const json& v = member(obj, key, where);
  if (!v.is_object()) malformed(where + ": \"" + key + "\" is not an object");
  return v;
}

// protobuf JSON accepts both the lowerCamel and the original field name.
const json* either(const json& obj, const char* camel, const char* snake) {
  if (auto it = obj.find(camel); it != obj.end()) return &*it;
  if (auto it = obj.find(snake); it != obj.end()) return &*it;
  return nullptr;
}

// Go's encoding/json string escaping for the values we write (references and digests are
// printable ASCII; <, >, & are escaped as Go does).
std::string go_string(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string make_simple_signing_payload(const std::string& docker_reference, const oci::Digest& digest) {
  return R"({"critical":{"identity":{"docker-reference":)" + go_string(docker_reference) +
         R"(},"image":{"docker-manifest-digest":)" + go_string(digest.str()) + R"(},"type":)" +
         go_string(kSimpleSigningType) + R"(},"optional":null})";
}

SimpleSigningClaims parse_simple_signing_payload(std::string_view text) {
  const std::string where = "simple-signing payload";
  json doc = parse_object(text, where);
  const json& critical = object_member(doc, "critical", where);
  SimpleSigningClaims claims;
  claims.type = string_member(critical, "type", where + ".critical");
  claims.manifest_digest =
      string_member(object_member(critical, "image", where + ".critical"), "docker-manifest-digest",
                    where + ".critical.image");
  if (auto it = critical.find("identity"); it != critical.end() && it->is_object()) {
    if (auto ref = it->find("docker-reference"); ref != it->end() && ref->is_string())
      claims.docker_reference = ref->get<std::string>();
  }
  return claims;
}

std::string make_signature_config(const oci::Digest& payload_digest) {
  return R"({"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":[)" +
         go_string(payload_digest.str()) + R"(]},"config":{}})";
}

SignedLayer signed_layer(const oci::Manifest& manifest) {
  if (manifest.layers.size() != 1) {
    malformed("signature manifest has " + std::to_string(manifest.layers.size()) +
              " layers; exactly one is supported (was the image signed twice?)");
  }
  const oci::Descriptor& layer = manifest.layers.front();
  if (layer.media_type != oci::media_type::kCosignSimpleSigning) {
    malformed("signature layer has media type \"" + layer.media_type + "\", expected " +
              std::string(oci::media_type::kCosignSimpleSigning));
  }
  auto it = layer.annotations.find(std::string(kSignatureAnnotation));
  if (it == layer.annotations.end()) {
    malformed("signature layer has no " + std::string(kSignatureAnnotation) + " annotation");
  }
  auto sig = base64_decode(it->second);
  if (!sig || sig->empty()) malformed("signature annotation is not valid base64");
  return {layer, std::move(*sig)};
}

std::string artifact_type_of(const oci::Manifest& manifest) {
  return manifest.artifact_type.empty() ? manifest.config.media_type : manifest.artifact_type;
}

std::string dsse_pae(std::string_view payload_type, std::string_view payload) {
  std::string out = "DSSEv1 ";
  out += std::to_string(payload_type.size());
  out += ' ';
  out += payload_type;
  out += ' ';
  out += std::to_string(payload.size());
  out += ' ';
  out += payload;
  return out;
}

DsseSignature parse_bundle(std::string_view text) {
  const std::string where = "sigstore bundle";
  json doc = parse_object(text, where);
  const json* env = either(doc, "dsseEnvelope", "dsse_envelope");
  if (env == nullptr || !env->is_object()) malformed(where + ": no DSSE envelope (message signatures are not supported)");
  const json* type = either(*env, "payloadType", "payload_type");
  if (type == nullptr || !type->is_string()) malformed(where + ": DSSE envelope has no payloadType");
  std::string payload_b64 = string_member(*env, "payload", where + ".dsseEnvelope");
  const json& sigs = member(*env, "signatures", where + ".dsseEnvelope");
  if (!sigs.is_array() || sigs.size() != 1) {
    malformed(where + ": DSSE envelope has " + std::to_string(sigs.is_array() ? sigs.size() : 0) +
              " signatures; exactly one is supported");
  }
  if (!sigs[0].is_object()) malformed(where + ": DSSE signature is not an object");
  std::string sig_b64 = string_member(sigs[0], "sig", where + ".dsseEnvelope.signatures[0]");
  auto payload = base64_decode(payload_b64, /*lenient=*/true);
  auto sig = base64_decode(sig_b64, /*lenient=*/true);
  if (!payload) malformed(where + ": DSSE payload is not valid base64");
  if (!sig || sig->empty()) malformed(where + ": DSSE signature is not valid base64");
  return {type->get<std::string>(), std::move(*payload), std::move(*sig)};
}

oci::Descriptor bundle_layer(const oci::Manifest& manifest) {
  for (const auto& layer : manifest.layers) {
    if (layer.media_type == kBundleMediaType) return layer;
  }
  malformed("bundle manifest has no layer of type " + std::string(kBundleMediaType));
}

std::vector<std::string> intoto_subject_digests(std::string_view statement) {
  const std::string where = "in-toto statement";
  json doc = parse_object(statement, where);
  const json& subjects = member(doc, "subject", where);
  if (!subjects.is_array() || subjects.empty()) malformed(where + " has no subject");
  if (!subjects[0].is_object()) malformed(where + ": subject[0] is not an object");
  const json& digests = object_member(subjects[0], "digest", where + ".subject[0]");
  std::vector<std::string> out;
  for (const auto& [alg, hex] : digests.items()) {
    if (hex.is_string()) out.push_back(alg + ":" + hex.get<std::string>());
  }
  return out;
}

}  // namespace ig::trust
