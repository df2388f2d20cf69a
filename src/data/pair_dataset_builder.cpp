// Implementation of build_pair_dataset (see pair_dataset_builder.h).
#include "data/pair_dataset_builder.h"

#include <cstdio>
#include <filesystem>
#include <map>

#include "common/error.h"
#include "common/progress_bar.h"
#include "data/pair_shard.h"
#include "data/paper_corpus.h"
#include "data/vocabulary.h"
#include "data/wordpiece_tokenizer.h"

namespace moe::data {
namespace fs = std::filesystem;
namespace {

// Writes the pairs of one (domain, split) into numbered shards and lists them.
void write_shards(const std::vector<PairRecord>& records, const std::vector<int32_t>& order,
                  const std::vector<std::vector<int32_t>>& tokens, const ShardInfo& info,
                  const PairDatasetOptions& options, Manifest& manifest) {
  int64_t written = 0;
  int shard_number = 0;
  while (written < static_cast<int64_t>(order.size())) {
    char name[256];
    std::snprintf(name, sizeof(name), "shards/%s-%s-%05d.h5", info.domain.c_str(),
                  info.split.c_str(), shard_number++);
    PairShardWriter writer((fs::path(options.out_dir) / name).string(), info);
    for (; written < static_cast<int64_t>(order.size()) && writer.size() < options.pairs_per_shard;
         ++written) {
      const PairRecord& r = records[order[written]];
      writer.add({tokens[r.a], tokens[r.b], r.label, info.domain_index,
                  static_cast<float>(r.cocitations)});
    }
    const int64_t count = writer.size();
    writer.finish();
    manifest.shards.push_back({name, info.domain, info.split, count});
  }
}

}  // namespace

PairDatasetReport build_pair_dataset(const PairDatasetOptions& options) {
  MOE_REQUIRE(!options.out_dir.empty(), "moe_prep: --out is required");
  MOE_REQUIRE(options.max_length >= 2, "moe_prep: --max-length must be at least 2");
  MOE_REQUIRE(options.pairs_per_shard >= 1, "moe_prep: --pairs-per-shard must be positive");
  const std::vector<Paper> papers = read_papers_jsonl(options.papers_path);
  const std::vector<Citation> citations = read_citations_csv(options.citations_path);
  Vocabulary vocabulary = Vocabulary::load(options.vocab_path);

  PairDatasetReport report;
  PairSplits splits = assemble_cocitation_pairs(papers, citations, options.cocitation);
  report.stats = splits.stats;

  // Each paper is tokenized once, however many pairs it is in.
  const WordPieceTokenizer tokenizer(vocabulary, TokenizerOptions{options.lowercase});
  std::vector<std::vector<int32_t>> tokens(papers.size());
  {
    ProgressBar progress("[prep] tokenize abstracts", static_cast<int64_t>(papers.size()));
    for (size_t i = 0; i < papers.size(); ++i) {
      tokens[i] = tokenizer.encode(papers[i].text, options.max_length);
      progress.advance();
    }
  }

  Manifest& manifest = report.manifest;
  for (const Paper& paper : papers) {
    bool known = false;
    for (const std::string& d : manifest.domains) known = known || d == paper.domain;
    if (known) continue;
    const std::string problem = domain_name_problem(paper.domain);
    MOE_REQUIRE(problem.empty(), options.papers_path, ": paper ", paper.id, ": ", problem);
    manifest.domains.push_back(paper.domain);
  }
  manifest.vocab_file = "vocab.txt";
  manifest.vocab_hash = vocabulary.hash();
  manifest.lowercase = options.lowercase;
  manifest.max_length = options.max_length;

  fs::create_directories(fs::path(options.out_dir) / "shards");
  const fs::path manifest_path = fs::path(options.out_dir) / "manifest.json";
  fs::remove(manifest_path);  // an old manifest must not describe a half-rewritten dataset
  vocabulary.save((fs::path(options.out_dir) / "vocab.txt").string());

  const std::pair<const char*, const std::vector<PairRecord>*> split_records[] = {
      {"train", &splits.train}, {"valid", &splits.valid}, {"test", &splits.test}};
  for (int32_t d = 0; d < static_cast<int32_t>(manifest.domains.size()); ++d) {
    for (const auto& [split, records] : split_records) {
      std::vector<int32_t> order;
      for (size_t i = 0; i < records->size(); ++i)
        if ((*records)[i].domain == manifest.domains[d]) order.push_back(static_cast<int32_t>(i));
      if (order.empty()) continue;
      ShardInfo info{
          manifest.domains[d], split, d, vocabulary.hash(), options.lowercase, options.max_length,
          options.created_by};
      write_shards(*records, order, tokens, info, options, manifest);
    }
  }
  report.manifest_path = manifest_path.string();
  manifest.save(report.manifest_path);
  return report;
}

}  // namespace moe::data
