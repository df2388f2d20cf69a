// From ready-made pair files (one per split, as the published datasets ship) to a
// training-ready dataset folder with the same layout build_pair_dataset writes:
//   DIR/manifest.json, DIR/vocab.txt, DIR/shards/<domain>-<split>-NNNNN.h5
//
// Rows are read and tokenized one at a time (PairTableReader); each (domain, split) keeps one
// open PairShardWriter, so memory holds at most one shard per domain, never a whole file.
// Domains are numbered in order of first appearance: train file, then valid, then test.
// Train keeps label-1 rows only: the MNR loss trains on positives, so label-0 train rows are
// dropped and counted (negatives_dropped). Valid and test keep both labels.
//
// Nothing half-written: shards are written into a staging folder inside DIR
// (DIR/.pairs-staging-*), and only when every file has been read does the build remove
// DIR/manifest.json, move the shards into DIR/shards, save DIR/vocab.txt and write the new
// manifest last. A failure before that removes the staging folder and leaves DIR as it was
// (an earlier dataset there stays complete); a failure while moving removes the shards moved
// so far, leaving no manifest. A staging folder left by a killed run can be deleted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/manifest.h"
#include "data/pair_table_reader.h"

namespace moe::data {

struct PairTableDatasetOptions {
  std::string train_path;  // required
  std::string valid_path;  // optional: "" writes no valid shards
  std::string test_path;   // optional: "" writes no test shards
  // Format, column names, default and allowed domains, and the bad-input policies; applied to
  // all three files.
  PairTableReaderOptions input;
  std::string vocab_path;
  bool lowercase = true;
  int32_t max_length = 128;  // tokens per side including [CLS] and [SEP]
  int64_t pairs_per_shard = 100000;
  std::string out_dir;
  std::string created_by;  // provenance recorded in every shard (e.g. the command line)
};

// What was read from one split's file.
struct PairTableFileReport {
  std::string split;  // "train", "valid" or "test"
  std::string path;
  PairTableCounts counts;
  int64_t negatives_dropped = 0;  // label-0 rows of the train file (not in counts.skipped())
};

// Pairs written for one (domain, split).
struct PairTableSplitCounts {
  std::string domain, split;
  int64_t positives = 0, negatives = 0;
};

struct PairTableReport {
  Manifest manifest;
  std::string manifest_path;
  std::vector<PairTableFileReport> files;     // in the order train, valid, test (those given)
  std::vector<PairTableSplitCounts> written;  // manifest domain order, then train/valid/test
};

// Throws moe::Error for bad options, an unreadable vocabulary, anything PairTableReader
// rejects, or a file that yields no pair (naming the counts and the first skipped row).
PairTableReport build_pair_table_dataset(const PairTableDatasetOptions& options);

}  // namespace moe::data
