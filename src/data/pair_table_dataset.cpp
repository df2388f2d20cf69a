// Implementation of build_pair_table_dataset (see pair_table_dataset.h).
#include "data/pair_table_dataset.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <tuple>
#include <utility>

#include "common/error.h"         // moe::Error, MOE_REQUIRE
#include "common/progress_bar.h"  // progress over the bytes of each file
#include "data/pair_shard.h"
#include "data/vocabulary.h"
#include "data/wordpiece_tokenizer.h"

namespace moe::data {
namespace fs = std::filesystem;
namespace {

const char* const kSplitNames[] = {"train", "valid", "test"};
constexpr int kTrainSplit = 0;

// A fresh folder inside the output folder (so moving its files out is a rename on one file
// system) that holds the shards until the build commits; removed with its contents when
// destroyed, so a failed build leaves nothing behind.
class StagingFolder {
 public:
  explicit StagingFolder(const fs::path& out_dir) {
    std::random_device random;
    try {
      do {
        path_ = out_dir / cat(".pairs-staging-", random(), random());
      } while (!fs::create_directory(path_));
      fs::create_directory(path_ / "shards");
    } catch (const fs::filesystem_error& error) {
      throw Error(
          cat("cannot create a staging folder in '", out_dir.string(), "': ", error.what()));
    }
  }
  ~StagingFolder() {
    std::error_code ignored;  // clean-up must not throw while an error is on its way out
    fs::remove_all(path_, ignored);
  }
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The shards of one (domain, split), written one after another as pairs arrive.
struct ShardSeries {
  ShardInfo info;
  int split = 0;  // index into kSplitNames
  std::unique_ptr<PairShardWriter> writer;
  std::string writer_name;  // "shards/<domain>-<split>-NNNNN.h5" of the open writer
  int next_number = 0;
  int64_t positives = 0, negatives = 0;
};

struct ListedShard {
  int32_t domain;
  int split;
  ShardEntry entry;
};

// Tokenizes rows into ShardSeries and remembers every shard it finished.
class ShardAssembler {
 public:
  ShardAssembler(const PairTableDatasetOptions& options, const WordPieceTokenizer& tokenizer,
                 uint64_t vocab_hash, fs::path staging, Manifest& manifest)
      : options_(options),
        tokenizer_(tokenizer),
        vocab_hash_(vocab_hash),
        staging_(std::move(staging)),
        manifest_(manifest) {}

  void add(const PairRow& row, int split) {
    ShardSeries& series = series_of(domain_index(row.domain), split);
    if (!series.writer) {
      char name[256];
      std::snprintf(name, sizeof(name), "shards/%s-%s-%05d.h5", series.info.domain.c_str(),
                    series.info.split.c_str(), series.next_number++);
      series.writer_name = name;
      series.writer = std::make_unique<PairShardWriter>((staging_ / name).string(), series.info);
    }
    series.writer->add({tokenizer_.encode(row.a, options_.max_length),
                        tokenizer_.encode(row.b, options_.max_length), row.label,
                        series.info.domain_index, /*weight=*/row.label});
    ++(row.label == 0.0f ? series.negatives : series.positives);
    if (series.writer->size() >= options_.pairs_per_shard) finish(series);
  }

  // Writes the open shard of every series of this split.
  void finish_split(int split) {
    for (auto& [key, series] : series_)
      if (key.second == split && series.writer) finish(series);
  }

  // Lists the shards in the manifest by domain, split and number (build_pair_dataset's order)
  // and returns the pair counts in the same order.
  std::vector<PairTableSplitCounts> list_shards() {
    std::sort(shards_.begin(), shards_.end(), [](const ListedShard& x, const ListedShard& y) {
      return std::tie(x.domain, x.split, x.entry.path) < std::tie(y.domain, y.split, y.entry.path);
    });
    for (const ListedShard& shard : shards_) manifest_.shards.push_back(shard.entry);
    std::vector<PairTableSplitCounts> written;
    for (const auto& [key, series] : series_)
      written.push_back(
          {series.info.domain, series.info.split, series.positives, series.negatives});
    return written;
  }

 private:
  int32_t domain_index(const std::string& domain) {
    const auto [it, inserted] =
        indices_.emplace(domain, static_cast<int32_t>(manifest_.domains.size()));
    if (inserted) manifest_.domains.push_back(domain);
    return it->second;
  }

  ShardSeries& series_of(int32_t domain, int split) {
    ShardSeries& series = series_[{domain, split}];
    if (series.info.domain.empty()) {
      series.info = ShardInfo{
          manifest_.domains[domain], kSplitNames[split], domain, vocab_hash_, options_.lowercase,
          options_.max_length,       options_.created_by};
      series.split = split;
    }
    return series;
  }

  void finish(ShardSeries& series) {
    const int64_t count = series.writer->size();
    series.writer->finish();
    series.writer.reset();
    shards_.push_back(
        {series.info.domain_index, series.split,
         ShardEntry{series.writer_name, series.info.domain, series.info.split, count}});
  }

  const PairTableDatasetOptions& options_;
  const WordPieceTokenizer& tokenizer_;
  uint64_t vocab_hash_;
  fs::path staging_;
  Manifest& manifest_;
  std::map<std::string, int32_t> indices_;
  std::map<std::pair<int32_t, int>, ShardSeries> series_;  // by (domain index, split)
  std::vector<ListedShard> shards_;
};

// "among N data rows (skipped: ...)" for a file that gave no pair.
std::string describe_counts(const PairTableCounts& counts) {
  std::string text =
      cat("among ", counts.rows, " data rows (skipped: ", counts.malformed, " malformed, ",
          counts.empty_text, " with empty text, ", counts.invalid_utf8, " not valid UTF-8)");
  if (!counts.first_skipped.empty()) text += cat("; first skipped: ", counts.first_skipped);
  return text;
}

PairTableFileReport read_split(const std::string& path, int split,
                               const PairTableDatasetOptions& options, ShardAssembler& shards) {
  PairTableReader reader(path, options.input);
  PairTableFileReport report;
  report.split = kSplitNames[split];
  report.path = path;
  ProgressBar progress(cat("[prep] ", report.split, " pairs (bytes read)"), reader.file_bytes());
  int64_t bytes_shown = 0;
  PairRow row;
  while (reader.next(row)) {
    if (split == kTrainSplit && row.label == 0.0f) {
      ++report.negatives_dropped;  // MNR trains on positives; in-batch pairs are the negatives
    } else {
      shards.add(row, split);
    }
    if (reader.counts().kept % 256 == 0) {
      progress.advance(reader.bytes_read() - bytes_shown);
      bytes_shown = reader.bytes_read();
    }
  }
  progress.advance(reader.bytes_read() - bytes_shown);
  progress.finish();
  shards.finish_split(split);
  report.counts = reader.counts();

  const int64_t pairs = report.counts.kept - report.negatives_dropped;
  MOE_REQUIRE(pairs > 0 || report.counts.kept == 0, path, ": no positive pairs for training (",
              report.negatives_dropped,
              " rows with label 0 dropped: the loss trains on positives only)");
  MOE_REQUIRE(pairs > 0, path, ": no usable pairs ", describe_counts(report.counts));
  return report;
}

// Moves the staged shards into out_dir, then writes vocab.txt and the manifest (last). On a
// failure, removes the shards moved so far: without a manifest they would only mislead.
void commit(const fs::path& staging, const fs::path& out_dir, const Vocabulary& vocabulary,
            const Manifest& manifest, const fs::path& manifest_path) {
  std::vector<fs::path> moved;
  try {
    fs::create_directories(out_dir / "shards");
    fs::remove(manifest_path);  // an old manifest must not describe a half-replaced dataset
    for (const ShardEntry& shard : manifest.shards) {
      fs::rename(staging / shard.path, out_dir / shard.path);
      moved.push_back(out_dir / shard.path);
    }
    vocabulary.save((out_dir / "vocab.txt").string());
    manifest.save(manifest_path.string());
  } catch (...) {
    std::error_code ignored;
    for (const fs::path& path : moved) fs::remove(path, ignored);
    try {
      throw;
    } catch (const fs::filesystem_error& error) {
      throw Error(cat("cannot move the shards into '", out_dir.string(), "': ", error.what()));
    }
  }
}

}  // namespace

PairTableReport build_pair_table_dataset(const PairTableDatasetOptions& options) {
  MOE_REQUIRE(!options.out_dir.empty(), "moe_prep: --out is required");
  MOE_REQUIRE(!options.train_path.empty(), "moe_prep: --train is required");
  MOE_REQUIRE(options.max_length >= 2, "moe_prep: --max-length must be at least 2");
  MOE_REQUIRE(options.pairs_per_shard >= 1, "moe_prep: --pairs-per-shard must be positive");
  for (const std::string& domain : options.input.allowed_domains) {
    const std::string problem = domain_name_problem(domain);
    MOE_REQUIRE(problem.empty(), "moe_prep: --domains: ", problem);
  }
  const Vocabulary vocabulary = Vocabulary::load(options.vocab_path);
  const WordPieceTokenizer tokenizer(vocabulary, TokenizerOptions{options.lowercase});

  PairTableReport report;
  Manifest& manifest = report.manifest;
  manifest.vocab_file = "vocab.txt";
  manifest.vocab_hash = vocabulary.hash();
  manifest.lowercase = options.lowercase;
  manifest.max_length = options.max_length;

  const fs::path out_dir(options.out_dir);
  try {
    fs::create_directories(out_dir);
  } catch (const fs::filesystem_error& error) {
    throw Error(cat("cannot create the output folder '", options.out_dir, "': ", error.what()));
  }
  const StagingFolder staging(out_dir);
  ShardAssembler shards(options, tokenizer, vocabulary.hash(), staging.path(), manifest);
  const std::string* paths[] = {&options.train_path, &options.valid_path, &options.test_path};
  for (int split = 0; split < 3; ++split) {
    if (paths[split]->empty()) continue;
    report.files.push_back(read_split(*paths[split], split, options, shards));
  }
  report.written = shards.list_shards();

  const fs::path manifest_path = out_dir / "manifest.json";
  commit(staging.path(), out_dir, vocabulary, manifest, manifest_path);
  report.manifest_path = manifest_path.string();
  return report;
}

}  // namespace moe::data
