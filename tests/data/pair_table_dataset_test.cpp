// Checks build_pair_table_dataset end to end: three split files (CSV, TSV, JSON lines) with the
// real bert-base-uncased vocabulary become shards and a manifest that Manifest::load and
// PairShardReader accept, with the tokenizer's ids; and a failed build leaves nothing behind.
#include "data/pair_table_dataset.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "data/manifest.h"
#include "data/pair_shard.h"
#include "data/vocabulary.h"
#include "data/wordpiece_tokenizer.h"
#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"

namespace {

using moe::data::Manifest;
using moe::data::PairShardReader;
using moe::data::PairTableDatasetOptions;
using moe::data::PairTableReport;
namespace fs = std::filesystem;

const std::string kVocab = "../shared/data/vocab/bert-base-uncased.vocab.txt";

using moe::testing_support::error_of;

class PairTableDataset : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& content) const {
    return temp_.write_file(name, content);
  }

  // Train (CSV, with label-0 rows to drop), valid (TSV) and test (JSON lines) over two domains.
  PairTableDatasetOptions three_files() const {
    PairTableDatasetOptions options;
    options.train_path = write("train.csv",
                               "a,b,label,domain\n"
                               "\"Heart failure, acute\",Cardiac output falls.,1,cardio\n"
                               "Asthma in children,\"Airway \"\"remodeling\"\"\",1,pulmo\n"
                               "Unrelated,Pair,0,cardio\n"
                               "\"Atrial\nfibrillation\",Stroke risk,1.0,cardio\n"
                               "Lung cancer screening,CT dose,true,pulmo\n"
                               "Statins,LDL cholesterol,1,cardio\n");
    options.valid_path = write("valid.tsv",
                               "domain\ta\tb\tlabel\n"
                               "cardio\tHypertension\tBlood pressure\t1\n"
                               "cardio\tHypertension\tBone density\t0\n"
                               "pulmo\tCOPD\tSmoking\t1\n");
    options.test_path = write("test.jsonl",
                              "{\"a\":\"Valve surgery\",\"b\":\"Aortic stenosis\",\"label\":1,"
                              "\"domain\":\"cardio\"}\n"
                              "{\"a\":\"Pneumonia\",\"b\":\"Knee surgery\",\"label\":0,"
                              "\"domain\":\"pulmo\"}\n");
    options.vocab_path = kVocab;
    options.max_length = 8;
    options.pairs_per_shard = 2;
    options.out_dir = (dir_ / "dataset").string();
    options.created_by = "pair_table_dataset_test";
    return options;
  }

  std::vector<std::string> files_under(const fs::path& folder) const {
    std::vector<std::string> names;
    if (!fs::exists(folder)) return names;
    for (const auto& entry : fs::recursive_directory_iterator(folder))
      names.push_back(fs::relative(entry.path(), folder).string());
    std::sort(names.begin(), names.end());
    return names;
  }

  moe::testing_support::ScopedTempDir temp_{"moe_pair_table_dataset"};
  const fs::path dir_ = temp_.dir();
};

TEST_F(PairTableDataset, BuildsShardsAndManifestThatReadBack) {
  const PairTableDatasetOptions options = three_files();
  const PairTableReport report = moe::data::build_pair_table_dataset(options);

  const Manifest manifest = Manifest::load((dir_ / "dataset" / "manifest.json").string());
  EXPECT_EQ(manifest.domains, (std::vector<std::string>{"cardio", "pulmo"}));
  EXPECT_EQ(manifest.max_length, 8);
  EXPECT_TRUE(manifest.lowercase);
  const moe::data::Vocabulary vocabulary = moe::data::Vocabulary::load(kVocab);
  EXPECT_EQ(manifest.vocab_hash, vocabulary.hash());
  EXPECT_EQ(moe::data::Vocabulary::load(manifest.resolve(manifest.vocab_file)).hash(),
            vocabulary.hash());

  // Train: 3 cardio positives (the label-0 row dropped) in shards of 2, 2 pulmo positives.
  std::vector<std::string> paths;
  for (const auto& shard : manifest.shards) paths.push_back(shard.path);
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "shards/cardio-train-00000.h5", "shards/cardio-train-00001.h5",
                       "shards/cardio-valid-00000.h5", "shards/cardio-test-00000.h5",
                       "shards/pulmo-train-00000.h5", "shards/pulmo-valid-00000.h5",
                       "shards/pulmo-test-00000.h5"}));
  EXPECT_EQ(manifest.count("train", "cardio"), 3);
  EXPECT_EQ(manifest.count("train", "pulmo"), 2);
  EXPECT_EQ(manifest.count("valid"), 3);
  EXPECT_EQ(manifest.count("test"), 2);

  ASSERT_EQ(report.files.size(), 3u);
  EXPECT_EQ(report.files[0].split, "train");
  EXPECT_EQ(report.files[0].counts.rows, 6);
  EXPECT_EQ(report.files[0].counts.kept, 6);
  EXPECT_EQ(report.files[0].negatives_dropped, 1);
  EXPECT_EQ(report.files[1].counts.kept, 3);
  EXPECT_EQ(report.files[2].counts.kept, 2);
  ASSERT_EQ(report.written.size(), 6u);
  EXPECT_EQ(report.written[1].domain, "cardio");
  EXPECT_EQ(report.written[1].split, "valid");
  EXPECT_EQ(report.written[1].positives, 1);
  EXPECT_EQ(report.written[1].negatives, 1);
  EXPECT_EQ(report.manifest_path, (dir_ / "dataset" / "manifest.json").string());

  // Token ids are the tokenizer's, truncated to max_length, and labels and domains survive.
  const moe::data::WordPieceTokenizer tokenizer(vocabulary, moe::data::TokenizerOptions{true});
  const PairShardReader second(manifest.resolve("shards/cardio-train-00001.h5"));
  EXPECT_EQ(second.info().domain, "cardio");
  EXPECT_EQ(second.info().domain_index, 0);
  EXPECT_EQ(second.info().created_by, "pair_table_dataset_test");
  const auto statins = second.read(0, second.size());
  ASSERT_EQ(statins.size(), 1u);
  EXPECT_EQ(statins[0].a, tokenizer.encode("Statins", 8));
  EXPECT_EQ(statins[0].b, tokenizer.encode("LDL cholesterol", 8));

  const PairShardReader first(manifest.resolve("shards/cardio-train-00000.h5"));
  const auto pairs = first.read(0, first.size());
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].a, tokenizer.encode("Heart failure, acute", 8));
  EXPECT_EQ(pairs[1].a, tokenizer.encode("Atrial\nfibrillation", 8));
  EXPECT_EQ(pairs[1].label, 1.0f);

  const PairShardReader pulmo_test(manifest.resolve("shards/pulmo-test-00000.h5"));
  const auto test_pairs = pulmo_test.read(0, 1);
  EXPECT_EQ(test_pairs[0].b, tokenizer.encode("Knee surgery", 8));
  EXPECT_EQ(test_pairs[0].label, 0.0f);
  EXPECT_EQ(test_pairs[0].domain, 1);
  EXPECT_EQ(pulmo_test.info().split, "test");

  // Only the dataset is left: no staging folder, no temporary files.
  for (const std::string& name : files_under(dir_ / "dataset"))
    EXPECT_TRUE(name == "manifest.json" || name == "vocab.txt" || name.rfind("shards", 0) == 0)
        << name;
  EXPECT_EQ(files_under(dir_ / "dataset" / "shards").size(), 7u);
}

TEST_F(PairTableDataset, SplitsMayBeLeftOutAndDefaultDomainApplies) {
  PairTableDatasetOptions options = three_files();
  options.train_path = write("train_plain.csv", "a,b,label\nx,y,1\nz,w,1\n");
  options.valid_path.clear();
  options.test_path.clear();
  options.input.default_domain = "onco";
  options.pairs_per_shard = 100;
  const PairTableReport report = moe::data::build_pair_table_dataset(options);
  EXPECT_EQ(report.manifest.domains, (std::vector<std::string>{"onco"}));
  ASSERT_EQ(report.manifest.shards.size(), 1u);
  EXPECT_EQ(report.manifest.shards[0].path, "shards/onco-train-00000.h5");
  EXPECT_EQ(report.manifest.shards[0].count, 2);
}

TEST_F(PairTableDataset, FailureLeavesNoManifestAndNoShards) {
  PairTableDatasetOptions options = three_files();
  // The test file is read last, after train and valid shards were already written.
  options.test_path = write("bad_test.jsonl",
                            "{\"a\":\"x\",\"b\":\"y\",\"label\":1,\"domain\":\"cardio\"}\n"
                            "{\"a\":\"x\",\"b\":\"y\",\"label\":7,\"domain\":\"cardio\"}\n");
  const std::string message = error_of([&] { moe::data::build_pair_table_dataset(options); });
  EXPECT_MENTIONS(message, options.test_path + ":2: bad label 7");
  EXPECT_FALSE(fs::exists(dir_ / "dataset" / "manifest.json"));
  EXPECT_EQ(files_under(dir_ / "dataset"), std::vector<std::string>{});

  // The same failure over an earlier complete dataset leaves that dataset as it was.
  PairTableDatasetOptions good = three_files();
  moe::data::build_pair_table_dataset(good);
  const std::vector<std::string> before = files_under(dir_ / "dataset");
  EXPECT_MENTIONS(error_of([&] { moe::data::build_pair_table_dataset(options); }), "bad label 7");
  EXPECT_EQ(files_under(dir_ / "dataset"), before);
  EXPECT_EQ(Manifest::load((dir_ / "dataset" / "manifest.json").string()).count("train"), 5);
}

TEST_F(PairTableDataset, SkippedRowsAreCountedPerFile) {
  PairTableDatasetOptions options = three_files();
  options.valid_path = write("valid_bad.csv",
                             "a,b,label,domain\n"
                             "x,y,1,cardio\n"
                             "broken,row\n"
                             ",y,0,cardio\n"
                             "caf\xE9,y,0,cardio\n");
  options.input.bad_rows = moe::data::BadRowPolicy::skip;
  options.input.invalid_utf8 = moe::data::InvalidUtf8Policy::repair;
  const PairTableReport report = moe::data::build_pair_table_dataset(options);
  const auto& counts = report.files[1].counts;
  EXPECT_EQ(counts.rows, 4);
  EXPECT_EQ(counts.kept, 2);
  EXPECT_EQ(counts.malformed, 1);
  EXPECT_EQ(counts.empty_text, 1);
  EXPECT_EQ(counts.repaired_utf8, 1);
  EXPECT_EQ(report.manifest.count("valid", "cardio"), 2);
}

TEST_F(PairTableDataset, FilesWithoutUsablePairsFail) {
  PairTableDatasetOptions options = three_files();
  options.train_path = write("negatives.csv", "a,b,label,domain\nx,y,0,cardio\n");
  EXPECT_MENTIONS(error_of([&] { moe::data::build_pair_table_dataset(options); }),
                  "no positive pairs for training (1 rows with label 0 dropped");

  options = three_files();
  options.input.bad_rows = moe::data::BadRowPolicy::skip;
  options.valid_path = write("all_bad.tsv", "a\tb\tlabel\tdomain\nx\ty\n");
  const std::string message = error_of([&] { moe::data::build_pair_table_dataset(options); });
  EXPECT_MENTIONS(message, "all_bad.tsv: no usable pairs among 1 data rows (skipped: 1 malformed");
  EXPECT_MENTIONS(message, "all_bad.tsv:2: expected 4 fields");
  EXPECT_FALSE(fs::exists(dir_ / "dataset" / "manifest.json"));

  options = three_files();
  options.train_path.clear();
  EXPECT_MENTIONS(error_of([&] { moe::data::build_pair_table_dataset(options); }), "--train");
  options = three_files();
  options.input.allowed_domains = {"cardio"};
  EXPECT_MENTIONS(error_of([&] { moe::data::build_pair_table_dataset(options); }),
                  "train.csv:3: unknown domain 'pulmo'");
  EXPECT_EQ(files_under(dir_ / "dataset"), std::vector<std::string>{});
}

}  // namespace
