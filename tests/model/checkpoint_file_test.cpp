// Checks the HDF5 checkpoint file: bit-exact round trips of every tensor and attribute for
// dense and MoE models, atomic writing (no "<path>.tmp" left, also when a write fails
// midway), and errors that name what is wrong (format_version, a missing expert group, a
// missing file).
#include "model/checkpoint_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/hdf5_file.h"
#include "model/bert_encoder.h"
#include "model/parameter_names.h"
#include "support/scoped_temp_dir.h"  // ScopedTempDir
#include "support/small_bert.h"       // small_bert_config

namespace fs = std::filesystem;

namespace {

using moe::model::BertConfig;
using moe::model::BertEncoder;
using moe::model::CheckpointContents;
using moe::model::read_checkpoint;
using moe::model::write_checkpoint;

// small_bert_config() with a type vocabulary and dropouts of its own (not the defaults, not
// zero), so a round trip shows they are stored.
BertConfig round_trip_config() {
  BertConfig c = moe::testing_support::small_bert_config();
  c.type_vocab_size = 3;
  c.layer_norm_eps = 1e-12;
  c.hidden_dropout = 0.15;
  c.attention_dropout = 0.05;
  return c;
}

// Checkpoint contents of a freshly initialised model whose every parameter was then moved
// off its initial value by random noise (so no two tensors or experts are alike).
CheckpointContents contents_of(const std::vector<std::string>& experts, uint64_t seed) {
  BertEncoder model(round_trip_config(), moe::testing_support::expert_layout(experts));
  moe::model::initialize_like_bert(*model, seed);
  torch::manual_seed(seed);
  CheckpointContents contents;
  contents.config = round_trip_config();
  contents.layout = moe::testing_support::expert_layout(experts);
  if (experts.empty()) contents.layout.domains = {"cardio", "pulmo"};
  contents.layout.pooling = "cls";
  contents.layout.normalize = true;
  contents.vocab_tokens = {"[PAD]", "", "[CLS]", "word", "##piece"};  // blank tokens exist
  contents.lowercase = false;
  contents.max_length = 77;
  contents.step = 1234567890123;
  contents.vocab_hash = 18446744073709551557ull;  // above INT64_MAX: must survive as unsigned
  contents.config_yaml = "model:\n  name: tiny\ntrain:\n  lr: 1.0e-4  # comment\n";
  for (const auto& item : model->named_parameters()) {
    const torch::Tensor value = item.value().detach() + torch::randn_like(item.value()) * 1e-3;
    const auto mapped = moe::model::checkpoint_name(item.key());
    if (mapped.expert.empty())
      contents.shared[mapped.name] = value;
    else
      contents.experts[mapped.expert][mapped.name] = value;
  }
  return contents;
}

void expect_same_tensors(const std::map<std::string, torch::Tensor>& actual,
                         const std::map<std::string, torch::Tensor>& expected,
                         const std::string& where) {
  ASSERT_EQ(actual.size(), expected.size()) << where;
  for (const auto& [name, tensor] : expected) {
    ASSERT_EQ(actual.count(name), 1u) << where << ": " << name << " is missing";
    const torch::Tensor& got = actual.at(name);
    EXPECT_EQ(got.scalar_type(), torch::kFloat32) << where << ": " << name;
    EXPECT_EQ(got.sizes(), tensor.sizes()) << where << ": " << name;
    EXPECT_TRUE(torch::equal(got, tensor)) << where << ": " << name << " changed";
  }
}

void expect_same_contents(const CheckpointContents& actual, const CheckpointContents& expected) {
  const BertConfig& a = actual.config;
  const BertConfig& e = expected.config;
  EXPECT_EQ(a.vocab_size, e.vocab_size);
  EXPECT_EQ(a.hidden_size, e.hidden_size);
  EXPECT_EQ(a.num_layers, e.num_layers);
  EXPECT_EQ(a.num_heads, e.num_heads);
  EXPECT_EQ(a.intermediate_size, e.intermediate_size);
  EXPECT_EQ(a.max_position_embeddings, e.max_position_embeddings);
  EXPECT_EQ(a.type_vocab_size, e.type_vocab_size);
  EXPECT_EQ(a.layer_norm_eps, e.layer_norm_eps);  // exact: doubles must round-trip
  EXPECT_EQ(a.hidden_dropout, e.hidden_dropout);
  EXPECT_EQ(a.attention_dropout, e.attention_dropout);
  EXPECT_EQ(moe::model::layout_to_json(actual.layout), moe::model::layout_to_json(expected.layout));
  EXPECT_EQ(actual.vocab_tokens, expected.vocab_tokens);
  EXPECT_EQ(actual.lowercase, expected.lowercase);
  EXPECT_EQ(actual.max_length, expected.max_length);
  EXPECT_EQ(actual.step, expected.step);
  EXPECT_EQ(actual.vocab_hash, expected.vocab_hash);
  EXPECT_EQ(actual.config_yaml, expected.config_yaml);
  expect_same_tensors(actual.shared, expected.shared, "shared");
  ASSERT_EQ(actual.experts.size(), expected.experts.size());
  for (const auto& [domain, tensors] : expected.experts) {
    ASSERT_EQ(actual.experts.count(domain), 1u) << "expert " << domain;
    expect_same_tensors(actual.experts.at(domain), tensors, "expert " + domain);
  }
}

// A fresh folder per test under the system temp dir, removed afterwards.
class CheckpointFileTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return temp_.path(name); }
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(temp_.dir()))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  moe::testing_support::ScopedTempDir temp_{"moe_checkpoint_file_test"};
};

TEST_F(CheckpointFileTest, DenseRoundTripIsBitExact) {
  const CheckpointContents written = contents_of({}, 1);
  ASSERT_TRUE(written.experts.empty());
  ASSERT_EQ(written.shared.size(), 7u + 16u * 2u);
  write_checkpoint(path("dense.h5"), written);
  EXPECT_EQ(files(), std::vector<std::string>{"dense.h5"}) << "a .tmp file was left behind";
  expect_same_contents(read_checkpoint(path("dense.h5")), written);
}

TEST_F(CheckpointFileTest, MixtureOfExpertsRoundTripIsBitExact) {
  const CheckpointContents written = contents_of({"cardio", "pulmo", "derma"}, 2);
  ASSERT_EQ(written.experts.size(), 3u);
  ASSERT_FALSE(torch::equal(written.experts.at("cardio").begin()->second,
                            written.experts.at("pulmo").begin()->second));
  write_checkpoint(path("moe.h5"), written);
  EXPECT_FALSE(fs::exists(path("moe.h5") + ".tmp"));
  EXPECT_EQ(files(), std::vector<std::string>{"moe.h5"});
  expect_same_contents(read_checkpoint(path("moe.h5")), written);
}

TEST_F(CheckpointFileTest, TrainingStateKeepsItsDtypes) {
  CheckpointContents written = contents_of({"cardio", "pulmo"}, 5);
  written.training_state["optimizer/shared/x/exp_avg"] = torch::randn({3, 2});
  written.training_state["loader_state"] =
      torch::tensor({int64_t{1} << 60, int64_t{-3}, int64_t{7}}, torch::kInt64);
  written.training_state["counters/best_score"] = torch::tensor({0.1234567890123}, torch::kFloat64);
  write_checkpoint(path("state.h5"), written);
  const CheckpointContents read = read_checkpoint(path("state.h5"));
  ASSERT_EQ(read.training_state.size(), 3u);
  for (const auto& [name, tensor] : written.training_state) {
    ASSERT_EQ(read.training_state.count(name), 1u) << name;
    EXPECT_EQ(read.training_state.at(name).scalar_type(), tensor.scalar_type()) << name;
    EXPECT_TRUE(torch::equal(read.training_state.at(name), tensor)) << name;
  }
  // A model-only checkpoint has none.
  write_checkpoint(path("model.h5"), contents_of({}, 6));
  EXPECT_TRUE(read_checkpoint(path("model.h5")).training_state.empty());
}

TEST_F(CheckpointFileTest, OverwritingReplacesTheOldCheckpoint) {
  CheckpointContents first = contents_of({"cardio", "pulmo"}, 3);
  write_checkpoint(path("latest.h5"), first);
  CheckpointContents second = contents_of({"cardio", "pulmo"}, 4);
  second.step = 7;
  second.config_yaml = "";
  write_checkpoint(path("latest.h5"), second);
  EXPECT_EQ(files(), std::vector<std::string>{"latest.h5"});
  expect_same_contents(read_checkpoint(path("latest.h5")), second);
}

TEST_F(CheckpointFileTest, AFailedWriteLeavesThePreviousFileAndNoPart) {
  const CheckpointContents first = contents_of({"cardio", "pulmo"}, 3);
  write_checkpoint(path("latest.h5"), first);
  CheckpointContents second = contents_of({"cardio", "pulmo"}, 4);
  second.training_state["counters/step"] = torch::tensor({4.0}, torch::kFloat64);
  int64_t seen_total = 0;
  int64_t calls = 0;
  std::string message;
  try {
    // A disk that fills up after a few tensors looks the same to the writer: an exception
    // from the middle of the file.
    write_checkpoint(path("latest.h5"), second, [&](int64_t written, int64_t total) {
      ++calls;
      seen_total = total;
      EXPECT_EQ(written, calls);
      if (written == 3) throw moe::Error("No space left on device");
    });
  } catch (const moe::Error& e) {
    message = e.what();
  }
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(seen_total,
            static_cast<int64_t>(second.shared.size() + second.experts.at("cardio").size() +
                                 second.experts.at("pulmo").size() + second.training_state.size()));
  EXPECT_NE(message.find("checkpoint " + path("latest.h5") +
                         " could not be written: no space left on its filesystem ("),
            std::string::npos)
      << message;
  EXPECT_NE(message.find(" MiB needed; the partial file was removed"), std::string::npos)
      << message;
  EXPECT_NE(message.find("Cause: No space left on device"), std::string::npos) << message;
  EXPECT_EQ(files(), std::vector<std::string>{"latest.h5"});
  expect_same_contents(read_checkpoint(path("latest.h5")), first);
}

TEST_F(CheckpointFileTest, RestoredModelComputesWhatTheSavedOneDid) {
  torch::NoGradGuard no_grad;
  BertConfig config = round_trip_config();
  config.hidden_dropout = config.attention_dropout = 0.0;
  const std::vector<std::string> experts = {"cardio", "pulmo"};
  BertEncoder saved(config, moe::testing_support::expert_layout(experts));
  moe::model::initialize_like_bert(*saved, 5);
  for (auto& p : saved->parameters()) p.add_(torch::randn_like(p) * 0.01);
  CheckpointContents contents;
  contents.config = config;
  contents.layout = moe::testing_support::expert_layout(experts);
  for (const auto& item : saved->named_parameters()) {
    const auto mapped = moe::model::checkpoint_name(item.key());
    (mapped.expert.empty() ? contents.shared : contents.experts[mapped.expert])[mapped.name] =
        item.value();
  }
  write_checkpoint(path("model.h5"), contents);

  const CheckpointContents read = read_checkpoint(path("model.h5"));
  BertEncoder restored(read.config, read.layout);
  auto parameters = restored->named_parameters();
  size_t assigned = 0;
  auto assign = [&](const std::string& expert, const std::string& name, const torch::Tensor& t) {
    const std::string key = moe::model::parameter_name({expert, name}, read.layout);
    ASSERT_NE(parameters.find(key), nullptr) << key;
    parameters[key].copy_(t);
    ++assigned;
  };
  for (const auto& [name, tensor] : read.shared) assign("", name, tensor);
  for (const auto& [domain, tensors] : read.experts)
    for (const auto& [name, tensor] : tensors) assign(domain, name, tensor);
  EXPECT_EQ(assigned, parameters.size());

  saved->eval();
  restored->eval();
  torch::manual_seed(6);
  const torch::Tensor ids = torch::randint(1, config.vocab_size, {4, 9}, torch::kInt64);
  const torch::Tensor mask = torch::ones({4, 9}, torch::kInt64);
  const torch::Tensor routing = torch::tensor({0, 1, 1, 0}, torch::kInt64);
  EXPECT_TRUE(torch::equal(saved->embed(ids, mask, routing), restored->embed(ids, mask, routing)));
}

// Writes a small dense checkpoint with moe::h5::File directly, so that tests can store what
// write_checkpoint never would.
void write_raw_checkpoint(const std::string& file, int64_t format_version,
                          const std::string& vocab_hash, bool with_bert_config = true) {
  moe::h5::File h5 = moe::h5::File::create(file);
  h5.set_attribute("/", "format_version", format_version);
  h5.set_attribute("/", "step", int64_t{1});
  h5.set_attribute("/", "layout",
                   R"({"domains": ["cardio"], "expert_layers": [], "domain_tokens": false,
                       "router": false, "pooling": "mean", "projection_head": false,
                       "projection_size": 0, "normalize": false})");
  h5.set_attribute("/", "lowercase", int64_t{1});
  h5.set_attribute("/", "max_length", int64_t{16});
  h5.write<uint8_t>("tokenizer/vocab", std::vector<uint8_t>{'[', 'C', 'L', 'S', ']', '\n'});
  if (with_bert_config) {
    h5.set_attribute("/", "bert_config",
                     R"({"vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2,
                         "num_attention_heads": 4, "intermediate_size": 64,
                         "max_position_embeddings": 32, "type_vocab_size": 2,
                         "layer_norm_eps": 1e-12, "hidden_dropout_prob": 0.1,
                         "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu",
                         "pad_token_id": 0, "initializer_range": 0.02})");
  }
  h5.set_attribute("/", "vocab_hash", vocab_hash);
  h5.set_attribute("/", "config_yaml", "");
  const std::vector<float> bias(32, 0.5f);
  h5.write<float>("shared/embeddings.LayerNorm.bias", bias);
  h5.close();
}

TEST_F(CheckpointFileTest, HandWrittenFileReads) {
  // The control for the tests below: the raw writer itself produces a readable file.
  write_raw_checkpoint(path("raw.h5"), moe::model::kCheckpointFormatVersion, "42");
  const CheckpointContents read = read_checkpoint(path("raw.h5"));
  EXPECT_EQ(read.vocab_hash, 42u);
  EXPECT_EQ(read.config.hidden_size, 32);
  EXPECT_EQ(read.layout.domains, std::vector<std::string>{"cardio"});
  EXPECT_EQ(read.vocab_tokens, std::vector<std::string>{"[CLS]"});
  ASSERT_EQ(read.shared.size(), 1u);
  EXPECT_TRUE(torch::equal(read.shared.at("embeddings.LayerNorm.bias"), torch::full({32}, 0.5f)));
}

TEST_F(CheckpointFileTest, UnsupportedFormatVersionIsAnError) {
  const std::string file = path("future.h5");
  write_raw_checkpoint(file, 999, "42");
  try {
    read_checkpoint(file);
    FAIL() << "expected moe::Error";
  } catch (const moe::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("format_version"), std::string::npos) << message;
    EXPECT_NE(message.find("999"), std::string::npos) << message;
    EXPECT_NE(message.find(file), std::string::npos) << message;
  }
}

TEST_F(CheckpointFileTest, MissingAttributeIsAnErrorNamingIt) {
  write_raw_checkpoint(path("no_config.h5"), moe::model::kCheckpointFormatVersion, "42",
                       /*with_bert_config=*/false);
  try {
    read_checkpoint(path("no_config.h5"));
    FAIL() << "expected moe::Error";
  } catch (const moe::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bert_config"), std::string::npos) << e.what();
  }
}

TEST_F(CheckpointFileTest, MalformedVocabHashIsAnError) {
  for (const std::string bad : {"", "not-a-number", "-1", "12abc", " 12", "18446744073709551616"}) {
    const std::string file = path("bad_hash.h5");
    write_raw_checkpoint(file, moe::model::kCheckpointFormatVersion, bad);
    try {
      read_checkpoint(file);
      ADD_FAILURE() << "vocab_hash '" << bad << "' was accepted";
    } catch (const moe::Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("vocab_hash"), std::string::npos) << message;
      EXPECT_NE(message.find(file), std::string::npos) << message;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "vocab_hash '" << bad << "': not a moe::Error: " << e.what();
    }
  }
}

TEST_F(CheckpointFileTest, MissingExpertGroupIsAnError) {
  CheckpointContents contents = contents_of({"cardio", "pulmo"}, 6);
  contents.experts.erase("pulmo");
  write_checkpoint(path("partial.h5"), contents);
  try {
    read_checkpoint(path("partial.h5"));
    FAIL() << "expected moe::Error";
  } catch (const moe::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("experts/pulmo"), std::string::npos) << message;
    EXPECT_NE(message.find(path("partial.h5")), std::string::npos) << message;
  }
}

TEST_F(CheckpointFileTest, MissingFileIsAnErrorNamingThePath) {
  const std::string missing = path("no_such_checkpoint.h5");
  try {
    read_checkpoint(missing);
    FAIL() << "expected moe::Error";
  } catch (const moe::Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
}

}  // namespace
