// Checks the dataset manifest: save/load round trip, queries, path resolution, and an error
// naming the file and key for every kind of bad manifest.
#include "data/manifest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "support/expect_error.h"     // EXPECT_MENTIONS
#include "support/scoped_temp_dir.h"  // ScopedTempDir

namespace fs = std::filesystem;
using moe::data::Manifest;
using moe::data::ShardEntry;

namespace {

class ManifestTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return temp_.path(name); }
  // Writes `text` as a manifest and returns the error load() gives for it.
  std::string load_error(const std::string& text) {
    const std::string file = path("manifest.json");
    std::ofstream(file, std::ios::trunc) << text;
    try {
      Manifest::load(file);
    } catch (const moe::Error& error) {
      return error.what();
    }
    ADD_FAILURE() << "expected a moe::Error for: " << text;
    return "";
  }

  moe::testing_support::ScopedTempDir temp_{"moe_manifest_test"};
};

Manifest sample() {
  Manifest manifest;
  manifest.domains = {"cardio", "oncology"};
  manifest.vocab_file = "vocab.txt";
  manifest.vocab_hash = 18446744073709551557ULL;
  manifest.lowercase = true;
  manifest.max_length = 256;
  manifest.shards = {{"cardio/train-00000.h5", "cardio", "train", 100},
                     {"cardio/train-00001.h5", "cardio", "train", 40},
                     {"oncology/train-00000.h5", "oncology", "train", 70},
                     {"cardio/test-00000.h5", "cardio", "test", 9},
                     {"oncology/test-00000.h5", "oncology", "test", 11}};
  return manifest;
}

const char* const kValid = R"({
  "format_version": 1,
  "domains": ["cardio", "oncology"],
  "vocab_file": "vocab.txt",
  "vocab_hash": "42",
  "lowercase": false,
  "max_length": 128,
  "shards": [{"path": "a.h5", "domain": "cardio", "split": "train", "count": 5}]
})";

// kValid with one textual replacement.
std::string valid_with(const std::string& from, const std::string& to) {
  std::string text = kValid;
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_F(ManifestTest, SaveLoadRoundTrip) {
  Manifest saved = sample();
  saved.save(path("manifest.json"));
  EXPECT_FALSE(fs::exists(path("manifest.json.tmp")));

  Manifest loaded = Manifest::load(path("manifest.json"));
  EXPECT_EQ(loaded.format_version, 1);
  EXPECT_EQ(loaded.domains, saved.domains);
  EXPECT_EQ(loaded.vocab_file, "vocab.txt");
  EXPECT_EQ(loaded.vocab_hash, 18446744073709551557ULL);
  EXPECT_TRUE(loaded.lowercase);
  EXPECT_EQ(loaded.max_length, 256);
  ASSERT_EQ(loaded.shards.size(), saved.shards.size());
  for (size_t i = 0; i < saved.shards.size(); ++i) {
    EXPECT_EQ(loaded.shards[i].path, saved.shards[i].path);
    EXPECT_EQ(loaded.shards[i].domain, saved.shards[i].domain);
    EXPECT_EQ(loaded.shards[i].split, saved.shards[i].split);
    EXPECT_EQ(loaded.shards[i].count, saved.shards[i].count);
  }
  EXPECT_EQ(fs::path(loaded.folder), fs::absolute(temp_.dir()).lexically_normal());

  // The hash is written as a decimal string (JSON numbers lose uint64 precision elsewhere).
  std::ifstream in(path("manifest.json"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_MENTIONS(text, "\"vocab_hash\": \"18446744073709551557\"");
}

TEST_F(ManifestTest, Queries) {
  Manifest manifest = sample();
  EXPECT_EQ(manifest.count("train"), 210);
  EXPECT_EQ(manifest.count("train", "cardio"), 140);
  EXPECT_EQ(manifest.count("test", "oncology"), 11);
  EXPECT_EQ(manifest.count("validation"), 0);
  std::vector<ShardEntry> cardio = manifest.shards_of("train", "cardio");
  ASSERT_EQ(cardio.size(), 2u);
  EXPECT_EQ(cardio[0].path, "cardio/train-00000.h5");
  EXPECT_EQ(cardio[1].path, "cardio/train-00001.h5");
  EXPECT_EQ(manifest.shards_of("test").size(), 2u);
  EXPECT_EQ(manifest.domain_index("oncology"), 1);
  EXPECT_MENTIONS(
      [&] {
        try {
          manifest.domain_index("neuro");
        } catch (const moe::Error& error) {
          return std::string(error.what());
        }
        return std::string();
      }(),
      "\"neuro\"");
}

TEST_F(ManifestTest, RestrictedToSomeDomains) {
  const Manifest manifest = sample();
  const Manifest oncology = manifest.restricted_to({"oncology"}, "data.domains");
  EXPECT_EQ(oncology.domains, std::vector<std::string>{"oncology"});
  EXPECT_EQ(oncology.domain_index("oncology"), 0);  // indices follow the new list
  EXPECT_EQ(oncology.count("train"), 70);
  EXPECT_EQ(oncology.count("test"), 11);
  EXPECT_EQ(oncology.vocab_hash, manifest.vocab_hash);
  const Manifest swapped = manifest.restricted_to({"oncology", "cardio"}, "data.domains");
  EXPECT_EQ(swapped.domain_index("cardio"), 1);
  EXPECT_EQ(swapped.count("train"), 210);
  const auto error = [&](const std::vector<std::string>& names) {
    try {
      manifest.restricted_to(names, "data.domains");
    } catch (const moe::Error& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_MENTIONS(error({"neuro"}), "data.domains: domain \"neuro\" is not in the manifest");
  EXPECT_MENTIONS(error({"cardio", "cardio"}), "data.domains: domain cardio is listed twice");
  EXPECT_MENTIONS(error({}), "data.domains: names no domain");
}

TEST_F(ManifestTest, ResolvesAgainstItsFolder) {
  sample().save(path("manifest.json"));
  Manifest loaded = Manifest::load(path("manifest.json"));
  EXPECT_EQ(fs::path(loaded.resolve("cardio/train-00000.h5")),
            (fs::absolute(temp_.dir()) / "cardio" / "train-00000.h5").lexically_normal());
  EXPECT_EQ(loaded.resolve(loaded.vocab_file),
            (fs::absolute(temp_.dir()) / "vocab.txt").lexically_normal().string());
  EXPECT_EQ(loaded.resolve("/data/x.h5"), "/data/x.h5");

  // Loaded through a relative path, the folder is still absolute.
  fs::path previous = fs::current_path();
  fs::current_path(temp_.dir());
  Manifest relative = Manifest::load("manifest.json");
  fs::current_path(previous);
  EXPECT_TRUE(fs::path(relative.folder).is_absolute());
  EXPECT_EQ(fs::path(relative.folder), fs::absolute(temp_.dir()).lexically_normal());
}

TEST_F(ManifestTest, AcceptsHashAsJsonInteger) {
  std::string text = valid_with("\"vocab_hash\": \"42\"", "\"vocab_hash\": 18446744073709551557");
  std::ofstream(path("m.json")) << text;
  EXPECT_EQ(Manifest::load(path("m.json")).vocab_hash, 18446744073709551557ULL);
}

TEST_F(ManifestTest, MissingFile) {
  std::string message;
  try {
    Manifest::load(path("absent.json"));
  } catch (const moe::Error& error) {
    message = error.what();
  }
  EXPECT_MENTIONS(message, path("absent.json"));
  EXPECT_MENTIONS(message, "no such file");
}

TEST_F(ManifestTest, BadJson) {
  std::string message = load_error("{\"format_version\": 1, \"domains\": [\"a\",");
  EXPECT_MENTIONS(message, path("manifest.json"));
  EXPECT_MENTIONS(message, "not valid JSON");
  message = load_error("[1, 2]");
  EXPECT_MENTIONS(message, "must be a JSON object");
}

TEST_F(ManifestTest, MissingKeys) {
  for (const char* key : {"format_version", "domains", "vocab_file", "vocab_hash", "lowercase",
                          "max_length", "shards"}) {
    std::string text = kValid;
    size_t at = text.find(std::string("\"") + key + "\"");
    ASSERT_NE(at, std::string::npos);
    text.replace(at + 1, 0, "x_");  // renames the key
    std::string message = load_error(text);
    EXPECT_MENTIONS(message, path("manifest.json"));
    EXPECT_MENTIONS(message, std::string("key '") + key + "' is missing");
  }
  std::string message = load_error(valid_with("\"count\": 5", "\"size\": 5"));
  EXPECT_MENTIONS(message, "key 'shards[0].count' is missing");
}

TEST_F(ManifestTest, WrongTypes) {
  EXPECT_MENTIONS(load_error(valid_with("\"lowercase\": false", "\"lowercase\": \"no\"")),
                  "key 'lowercase' must be true or false");
  EXPECT_MENTIONS(load_error(valid_with("\"max_length\": 128", "\"max_length\": 12.5")),
                  "key 'max_length' must be an integer");
  EXPECT_MENTIONS(load_error(valid_with("\"vocab_hash\": \"42\"", "\"vocab_hash\": \"4x2\"")),
                  "key 'vocab_hash' must be a decimal 64-bit number");
  EXPECT_MENTIONS(load_error(valid_with("\"vocab_hash\": \"42\"", "\"vocab_hash\": -3")),
                  "key 'vocab_hash' must be a decimal string");
  EXPECT_MENTIONS(load_error(valid_with("\"count\": 5", "\"count\": -5")),
                  "key 'shards[0].count' must be at least 0");
  EXPECT_MENTIONS(
      load_error(valid_with("\"domains\": [\"cardio\", \"oncology\"]", "\"domains\": \"cardio\"")),
      "key 'domains' must be a list");
  EXPECT_MENTIONS(
      load_error(valid_with("\"domains\": [\"cardio\", \"oncology\"]", "\"domains\": []")),
      "key 'domains' is empty");
  EXPECT_MENTIONS(load_error(valid_with("\"oncology\"]", "3]")), "key 'domains[1]'");
  EXPECT_MENTIONS(load_error(valid_with("\"path\": \"a.h5\"", "\"path\": \"\"")),
                  "key 'shards[0].path' is empty");
}

TEST_F(ManifestTest, UnknownDomainInShard) {
  std::string message = load_error(valid_with("\"domain\": \"cardio\"", "\"domain\": \"neuro\""));
  EXPECT_MENTIONS(message, path("manifest.json"));
  EXPECT_MENTIONS(message, "key 'shards[0].domain'");
  EXPECT_MENTIONS(message, "\"neuro\"");
  EXPECT_MENTIONS(message, "not in 'domains'");
}

TEST_F(ManifestTest, WrongVersion) {
  std::string message = load_error(valid_with("\"format_version\": 1", "\"format_version\": 2"));
  EXPECT_MENTIONS(message, path("manifest.json"));
  EXPECT_MENTIONS(message, "key 'format_version' is 2");
}

TEST_F(ManifestTest, Duplicates) {
  EXPECT_MENTIONS(load_error(valid_with("\"oncology\"]", "\"cardio\"]")),
                  "key 'domains[1]' repeats domain \"cardio\"");
  Manifest manifest = sample();
  manifest.shards.push_back(manifest.shards[0]);
  manifest.save(path("dup.json"));
  std::string message;
  try {
    Manifest::load(path("dup.json"));
  } catch (const moe::Error& error) {
    message = error.what();
  }
  EXPECT_MENTIONS(message, "key 'shards[5].path' repeats shard");
}

TEST_F(ManifestTest, SaveIntoMissingFolderFails) {
  std::string message;
  try {
    sample().save(path("no/such/manifest.json"));
  } catch (const moe::Error& error) {
    message = error.what();
  }
  EXPECT_MENTIONS(message, path("no/such/manifest.json"));
}
