// From a citation graph and abstracts to a training-ready dataset: assemble co-citation
// pairs and leak-free splits, tokenize both sides, write one set of HDF5 shards per
// (domain, split), copy the vocabulary beside them and write manifest.json last (its
// presence means the dataset is complete).
#pragma once

#include <cstdint>
#include <string>

#include "data/cocitation_pairs.h"
#include "data/manifest.h"

namespace moe::data {

struct PairDatasetOptions {
  std::string papers_path;     // JSONL: id, domain, text
  std::string citations_path;  // CSV: citing_id,cited_id
  std::string vocab_path;
  bool lowercase = true;
  int32_t max_length = 128;  // tokens per side including [CLS] and [SEP]
  int64_t pairs_per_shard = 100000;
  CocitationOptions cocitation;
  std::string out_dir;
  std::string created_by;  // provenance recorded in every shard (e.g. the command line)
};

struct PairDatasetReport {
  Manifest manifest;
  CocitationStats stats;
  std::string manifest_path;
};

PairDatasetReport build_pair_dataset(const PairDatasetOptions& options);

}  // namespace moe::data
