// build_pair_dataset end to end on a small synthetic corpus: a manifest whose shards hold
// every assembled pair, tokenized, with co-citation counts as weights.
#include "data/pair_dataset_builder.h"

#include <gtest/gtest.h>

#include "data/paper_corpus.h"
#include "data/split_pairs.h"
#include "data/synthetic_corpus.h"
#include "data/vocabulary.h"
#include "support/scoped_temp_dir.h"

namespace moe::data {
namespace {

TEST(PairDatasetBuilder, ShardsHoldEveryPairWithCocitationWeights) {
  testing_support::ScopedTempDir temp("moe_pair_dataset_builder");
  SyntheticCorpusOptions synth;
  synth.papers_per_domain = 80;
  const SyntheticCorpus corpus = generate_synthetic_corpus(synth);
  write_papers_jsonl(temp.path("papers.jsonl"), corpus.papers);
  write_citations_csv(temp.path("citations.csv"), corpus.citations);
  Vocabulary::from_tokens(synthetic_vocabulary(corpus)).save(temp.path("vocab.txt"));

  PairDatasetOptions options;
  options.papers_path = temp.path("papers.jsonl");
  options.citations_path = temp.path("citations.csv");
  options.vocab_path = temp.path("vocab.txt");
  options.max_length = 24;
  options.pairs_per_shard = 100;  // several shards per split
  options.out_dir = temp.path("data");
  const PairDatasetReport report = build_pair_dataset(options);
  const PairSplits expected =
      assemble_cocitation_pairs(corpus.papers, corpus.citations, options.cocitation);

  const Manifest manifest = Manifest::load(report.manifest_path);
  EXPECT_EQ(manifest.domains, synth.domains);
  EXPECT_EQ(manifest.count("train"), static_cast<int64_t>(expected.train.size()));
  EXPECT_EQ(manifest.count("test"), static_cast<int64_t>(expected.test.size()));
  EXPECT_GT(manifest.shards_of("train", "cardio").size(), 1u);

  double train_weight = 0.0, expected_weight = 0.0;
  for (const TokenPair& pair : read_split_pairs(manifest, "train")) {
    EXPECT_EQ(pair.label, 1.0f);
    EXPECT_GE(pair.weight, 1.0f);
    EXPECT_LE(pair.a.size(), 24u);
    train_weight += pair.weight;
  }
  for (const PairRecord& record : expected.train) expected_weight += record.cocitations;
  EXPECT_EQ(train_weight, expected_weight);
  for (const TokenPair& pair : read_split_pairs(manifest, "valid"))
    EXPECT_EQ(pair.weight == 0.0f, pair.label == 0.0f) << "negatives weigh 0, positives >= 1";
}

}  // namespace
}  // namespace moe::data
