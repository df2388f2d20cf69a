// Reads, validates and writes the dataset manifest (format in manifest.h).
#include "data/manifest.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>  // the manifest's JSON
#include <set>
#include <system_error>

#include "common/error.h"
#include "common/json_problem.h"

namespace moe::data {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;  // keeps the keys in the documented order on save

// Reads typed keys from one JSON object, naming the manifest and the key path on failure.
class Keys {
 public:
  Keys(const std::string& file, const Json& object, std::string prefix)
      : file_(file), object_(object), prefix_(std::move(prefix)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw Error(cat("manifest ", file_, ": key '", prefix_, key, "' ", why));
  }

  const Json& get(const std::string& key) const {
    auto found = object_.find(key);
    if (found == object_.end()) fail(key, "is missing");
    return *found;
  }
  std::string string(const std::string& key, bool allow_empty = false) const {
    const Json& value = get(key);
    if (!value.is_string()) fail(key, cat("must be a string, found ", value.dump()));
    std::string text = value.get<std::string>();
    if (text.empty() && !allow_empty) fail(key, "is empty");
    return text;
  }
  int64_t integer(const std::string& key, int64_t minimum) const {
    const Json& value = get(key);
    if (!value.is_number_integer()) fail(key, cat("must be an integer, found ", value.dump()));
    if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{INT64_MAX}) {
      fail(key, cat("is too large: ", value.dump()));
    }
    int64_t number = value.get<int64_t>();
    if (number < minimum) fail(key, cat("must be at least ", minimum, ", found ", number));
    return number;
  }
  bool boolean(const std::string& key) const {
    const Json& value = get(key);
    if (!value.is_boolean()) fail(key, cat("must be true or false, found ", value.dump()));
    return value.get<bool>();
  }
  // A uint64 as a decimal string (the written form) or a JSON integer (hand-written files).
  uint64_t hash(const std::string& key) const {
    const Json& value = get(key);
    if (value.is_number_unsigned()) return value.get<uint64_t>();
    if (!value.is_string()) {
      fail(key, cat("must be a decimal string, found ", value.dump()));
    }
    const std::string text = value.get<std::string>();
    uint64_t number = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
      fail(key, cat("must be a decimal 64-bit number, found \"", text, "\""));
    }
    return number;
  }
  const Json& array(const std::string& key) const {
    const Json& value = get(key);
    if (!value.is_array()) fail(key, cat("must be a list, found ", value.dump()));
    return value;
  }

 private:
  const std::string& file_;
  const Json& object_;
  std::string prefix_;
};

}  // namespace

Manifest Manifest::load(const std::string& path) {
  std::ifstream in(path);
  MOE_REQUIRE(in.good(), "manifest ", path, ": cannot open it (",
              fs::exists(path) ? "not readable" : "no such file",
              "); run moe_prep to create the dataset");
  Json root;
  try {
    root = Json::parse(in);
  } catch (const nlohmann::json::exception& error) {
    throw Error(cat("manifest ", path, ": not valid JSON ", json_problem(error)));
  }
  MOE_REQUIRE(root.is_object(), "manifest ", path, ": must be a JSON object, found ",
              root.type_name());

  Keys keys(path, root, "");
  Manifest manifest;
  const int64_t version = keys.integer("format_version", 0);
  if (version != kManifestFormatVersion) {
    keys.fail("format_version", cat("is ", version, " but this build reads version ",
                                    kManifestFormatVersion, "; re-run moe_prep"));
  }
  manifest.format_version = static_cast<int>(version);

  const Json& domains = keys.array("domains");
  if (domains.empty()) keys.fail("domains", "is empty; list at least one domain");
  for (size_t i = 0; i < domains.size(); ++i) {
    const std::string key = cat("domains[", i, "]");
    if (!domains[i].is_string() || domains[i].get<std::string>().empty()) {
      keys.fail(key, cat("must be a non-empty string, found ", domains[i].dump()));
    }
    const std::string name = domains[i].get<std::string>();
    const std::string problem = domain_name_problem(name);
    if (!problem.empty()) keys.fail(key, problem);
    if (std::find(manifest.domains.begin(), manifest.domains.end(), name) !=
        manifest.domains.end()) {
      keys.fail(key, cat("repeats domain \"", name, "\""));
    }
    manifest.domains.push_back(name);
  }

  manifest.vocab_file = keys.string("vocab_file");
  manifest.vocab_hash = keys.hash("vocab_hash");
  manifest.lowercase = keys.boolean("lowercase");
  const int64_t max_length = keys.integer("max_length", 0);
  if (max_length > INT32_MAX) keys.fail("max_length", cat("is too large: ", max_length));
  manifest.max_length = static_cast<int32_t>(max_length);

  const Json& shards = keys.array("shards");
  std::set<std::string> seen;
  for (size_t i = 0; i < shards.size(); ++i) {
    const std::string prefix = cat("shards[", i, "].");
    if (!shards[i].is_object()) {
      keys.fail(cat("shards[", i, "]"), cat("must be an object, found ", shards[i].dump()));
    }
    Keys shard_keys(path, shards[i], prefix);
    ShardEntry entry;
    entry.path = shard_keys.string("path");
    entry.domain = shard_keys.string("domain");
    entry.split = shard_keys.string("split");
    entry.count = shard_keys.integer("count", 0);
    if (std::find(manifest.domains.begin(), manifest.domains.end(), entry.domain) ==
        manifest.domains.end()) {
      shard_keys.fail("domain", cat("names \"", entry.domain, "\", which is not in 'domains' (",
                                    Json(manifest.domains).dump(), ")"));
    }
    if (!seen.insert(entry.path).second) {
      shard_keys.fail("path", cat("repeats shard \"", entry.path, "\""));
    }
    manifest.shards.push_back(std::move(entry));
  }

  std::error_code error;
  fs::path absolute = fs::absolute(path, error);
  manifest.folder = (error ? fs::path(path) : absolute).parent_path().lexically_normal().string();
  return manifest;
}

void Manifest::save(const std::string& path) const {
  Json root;
  root["format_version"] = format_version;
  root["domains"] = domains;
  root["vocab_file"] = vocab_file;
  root["vocab_hash"] = std::to_string(vocab_hash);
  root["lowercase"] = lowercase;
  root["max_length"] = max_length;
  root["shards"] = Json::array();
  for (const ShardEntry& shard : shards) {
    root["shards"].push_back({{"path", shard.path},
                              {"domain", shard.domain},
                              {"split", shard.split},
                              {"count", shard.count}});
  }

  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    MOE_REQUIRE(out.good(), "manifest ", path, ": cannot write ", temporary);
    out << root.dump(2) << '\n';
    out.flush();
    if (!out.good()) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
      throw Error(cat("manifest ", path, ": writing ", temporary, " failed"));
    }
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw Error(
        cat("manifest ", path, ": cannot rename ", temporary, " onto it: ", error.message()));
  }
}

std::vector<ShardEntry> Manifest::shards_of(const std::string& split,
                                            const std::string& domain) const {
  std::vector<ShardEntry> selected;
  for (const ShardEntry& shard : shards) {
    if (shard.split == split && (domain.empty() || shard.domain == domain)) {
      selected.push_back(shard);
    }
  }
  return selected;
}

int64_t Manifest::count(const std::string& split, const std::string& domain) const {
  int64_t total = 0;
  for (const ShardEntry& shard : shards_of(split, domain)) total += shard.count;
  return total;
}

int32_t Manifest::domain_index(const std::string& domain) const {
  auto found = std::find(domains.begin(), domains.end(), domain);
  MOE_REQUIRE(found != domains.end(), "domain \"", domain, "\" is not in the manifest (",
              Json(domains).dump(), ")");
  return static_cast<int32_t>(found - domains.begin());
}

Manifest Manifest::restricted_to(const std::vector<std::string>& names,
                                 const std::string& key) const {
  Manifest result = *this;
  result.domains.clear();
  result.shards.clear();
  for (const std::string& name : names) {
    MOE_REQUIRE(std::find(domains.begin(), domains.end(), name) != domains.end(), key,
                ": domain \"", name, "\" is not in the manifest (", Json(domains).dump(), ")");
    MOE_REQUIRE(
        std::find(result.domains.begin(), result.domains.end(), name) == result.domains.end(), key,
        ": domain ", name, " is listed twice");
    result.domains.push_back(name);
  }
  MOE_REQUIRE(!result.domains.empty(), key, ": names no domain");
  for (const ShardEntry& shard : shards)
    if (std::find(result.domains.begin(), result.domains.end(), shard.domain) !=
        result.domains.end())
      result.shards.push_back(shard);
  return result;
}

std::string Manifest::resolve(const std::string& relative) const {
  fs::path target(relative);
  if (target.is_absolute() || folder.empty()) return target.lexically_normal().string();
  return (fs::path(folder) / target).lexically_normal().string();
}

std::string domain_name_problem(const std::string& name) {
  if (name.empty() || name.size() > 64)
    return cat("domain name \"", name, "\" must have 1 to 64 characters");
  if (name.front() == '.') return cat("domain name \"", name, "\" must not start with '.'");
  for (const char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!allowed)
      return cat("domain name \"", name, "\" may only use letters, digits, '_', '-' and '.'");
  }
  return "";
}

}  // namespace moe::data
