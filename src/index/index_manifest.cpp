// index.json to and from IndexManifest (see index_manifest.h).
#include "index/index_manifest.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "hf/json_file.h"

namespace moe::index {
namespace {

using nlohmann::json;

// Typed access that names the file and the key's path on failure.
class Fields {
 public:
  Fields(const json& object, std::string path, std::string where)
      : object_(object), path_(std::move(path)), where_(std::move(where)) {}

  const json& at(const std::string& key) const {
    MOE_REQUIRE(object_.is_object() && object_.contains(key), path_, ": key ", where_, key,
                " is missing");
    return object_.at(key);
  }
  std::string text(const std::string& key) const {
    const json& value = at(key);
    MOE_REQUIRE(value.is_string(), path_, ": ", where_, key, " must be a string");
    return value.get<std::string>();
  }
  int64_t integer(const std::string& key) const {
    const json& value = at(key);
    MOE_REQUIRE(value.is_number_integer(), path_, ": ", where_, key, " must be an integer");
    return value.get<int64_t>();
  }
  double number(const std::string& key) const {
    const json& value = at(key);
    MOE_REQUIRE(value.is_number(), path_, ": ", where_, key, " must be a number");
    return value.get<double>();
  }
  bool boolean(const std::string& key) const {
    const json& value = at(key);
    MOE_REQUIRE(value.is_boolean(), path_, ": ", where_, key, " must be true or false");
    return value.get<bool>();
  }
  Fields object(const std::string& key) const {
    const json& value = at(key);
    MOE_REQUIRE(value.is_object(), path_, ": ", where_, key, " must be an object");
    return Fields(value, path_, where_ + key + ".");
  }
  std::vector<std::string> texts(const std::string& key) const {
    const json& value = at(key);
    MOE_REQUIRE(value.is_array(), path_, ": ", where_, key, " must be a list of strings");
    std::vector<std::string> result;
    for (const json& item : value) {
      MOE_REQUIRE(item.is_string(), path_, ": ", where_, key, " must be a list of strings");
      result.push_back(item.get<std::string>());
    }
    return result;
  }
  const std::string& path() const { return path_; }

 private:
  const json& object_;
  std::string path_;
  std::string where_;
};

}  // namespace

std::string manifest_to_json(const IndexManifest& manifest) {
  nlohmann::ordered_json root;
  root["format"] = kIndexFormat;
  root["format_version"] = kIndexFormatVersion;
  root["kind"] = index_kind_name(manifest.kind);
  root["metric"] = "cosine (inner product of L2-normalised vectors)";
  root["dimension"] = manifest.dimension;
  root["count"] = manifest.count;
  root["routing"] = manifest.routing;
  root["source"] = manifest.source;
  root["snippets"] = manifest.has_snippets;
  root["metadata"] = manifest.metadata;
  const IndexParameters& p = manifest.parameters;
  root["parameters"] = {{"hnsw_neighbors", p.hnsw_neighbors},
                        {"hnsw_build_depth", p.hnsw_build_depth},
                        {"hnsw_search_depth", p.hnsw_search_depth},
                        {"ivf_lists", p.ivf_lists},
                        {"ivf_probes", p.ivf_probes}};
  const IndexModel& m = manifest.model;
  root["model"] = {{"checkpoint", m.checkpoint},   {"step", m.step},
                   {"fingerprint", m.fingerprint}, {"vocab_hash", std::to_string(m.vocab_hash)},
                   {"pooling", m.pooling},         {"max_length", m.max_length},
                   {"domains", m.domains}};
  nlohmann::ordered_json parts = nlohmann::ordered_json::array();
  for (const IndexPart& part : manifest.parts) {
    nlohmann::ordered_json item = {{"name", part.name}, {"file", part.file}, {"count", part.count}};
    if (part.recall_at_10 >= 0) item["recall_at_10"] = part.recall_at_10;
    if (part.search_depth > 0) item["search_depth"] = part.search_depth;
    parts.push_back(item);
  }
  root["parts"] = parts;
  return root.dump(2) + "\n";
}

IndexManifest read_manifest(const std::string& path) {
  const json root = hf::read_json_object(path);
  const Fields top(root, path, "");
  MOE_REQUIRE(root.contains("format") && root["format"] == kIndexFormat, path,
              " is not a moe-embed index manifest (no \"format\": \"", kIndexFormat, "\")");
  const int64_t version = top.integer("format_version");
  MOE_REQUIRE(version == kIndexFormatVersion, path, " has index format version ", version,
              "; this build reads version ", kIndexFormatVersion);
  IndexManifest manifest;
  try {
    manifest.kind = parse_index_kind(top.text("kind"));
  } catch (const Error& e) {
    throw Error(cat(path, ": key kind: ", e.what()));
  }
  manifest.dimension = top.integer("dimension");
  manifest.count = top.integer("count");
  MOE_REQUIRE(manifest.dimension > 0 && manifest.count >= 0, path,
              ": dimension must be positive and count not negative");
  manifest.routing = top.text("routing");
  manifest.source = top.text("source");
  manifest.has_snippets = top.boolean("snippets");
  if (root.contains("metadata")) manifest.metadata = top.texts("metadata");
  const Fields p = top.object("parameters");
  manifest.parameters.hnsw_neighbors = p.integer("hnsw_neighbors");
  manifest.parameters.hnsw_build_depth = p.integer("hnsw_build_depth");
  manifest.parameters.hnsw_search_depth = p.integer("hnsw_search_depth");
  manifest.parameters.ivf_lists = p.integer("ivf_lists");
  manifest.parameters.ivf_probes = p.integer("ivf_probes");
  const Fields m = top.object("model");
  manifest.model.checkpoint = m.text("checkpoint");
  manifest.model.step = m.integer("step");
  manifest.model.fingerprint = m.text("fingerprint");
  const std::string vocab_hash = m.text("vocab_hash");
  try {
    manifest.model.vocab_hash = std::stoull(vocab_hash);
  } catch (const std::exception&) {
    throw Error(cat(path, ": model.vocab_hash '", vocab_hash, "' is not a decimal number"));
  }
  manifest.model.pooling = m.text("pooling");
  manifest.model.max_length = m.integer("max_length");
  manifest.model.domains = m.texts("domains");
  const json& parts = top.at("parts");
  MOE_REQUIRE(parts.is_array() && !parts.empty(), path, ": parts must be a non-empty list");
  int64_t total = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Fields item(parts[i], path, cat("parts[", i, "]."));
    IndexPart part;
    part.name = item.text("name");
    part.file = item.text("file");
    // A plain name inside the index folder: a manifest cannot point search elsewhere.
    MOE_REQUIRE(!part.file.empty() && part.file.find('/') == std::string::npos &&
                    part.file != "." && part.file != "..",
                path, ": parts[", i, "].file '", part.file,
                "' must be a file name inside the index folder");
    part.count = item.integer("count");
    if (parts[i].contains("recall_at_10")) part.recall_at_10 = item.number("recall_at_10");
    if (parts[i].contains("search_depth")) part.search_depth = item.integer("search_depth");
    MOE_REQUIRE(find_part(manifest, part.name) == nullptr, path, ": part ", part.name,
                " appears twice");
    total += part.count;
    manifest.parts.push_back(part);
  }
  MOE_REQUIRE(total == manifest.count, path, ": the parts hold ", total, " vectors but count is ",
              manifest.count);
  return manifest;
}

const IndexPart* find_part(const IndexManifest& manifest, const std::string& name) {
  for (const IndexPart& part : manifest.parts) {
    if (part.name == name) return &part;
  }
  return nullptr;
}

}  // namespace moe::index
