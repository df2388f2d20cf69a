// Checks moe_export's core: one domain's path of a trained mixture-of-experts model (domain
// tokens, router, experts in some layers, projection head, normalisation) written as a
// Hugging Face / sentence-transformers folder computes exactly what the model computes for
// that domain, read back here and by an independent NumPy implementation; the folder holds
// exactly what BertModel expects; failures leave nothing behind.
#include "hf/model_export.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <string>

#include "hf/safetensors_file.h"
#include "model/parameter_loading.h"
#include "model/parameter_names.h"
#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"
#include "support/small_bert.h"

namespace {

namespace fs = std::filesystem;
using moe::hf::export_domain;
using moe::hf::TensorDtype;
using moe::model::CheckpointContents;
using moe::testing_support::error_of;
using moe::testing_support::ScopedTempDir;

// A "trained" checkpoint: every parameter moved off its initial value, experts apart.
CheckpointContents trained_checkpoint(bool head) {
  moe::model::EncoderLayout layout;
  layout.domains = {"cardio", "pulmo", "skin"};
  layout.expert_layers = {1};
  layout.domain_tokens = true;
  layout.router = true;
  layout.projection_head = head;
  layout.projection_size = head ? 16 : 0;
  layout.normalize = head;
  moe::model::BertConfig config = moe::testing_support::small_bert_config();
  config.hidden_act = "gelu";
  moe::model::BertEncoder model(config, layout);
  moe::model::initialize_like_bert(*model, 31, 2);
  CheckpointContents checkpoint;
  checkpoint.config = config;
  checkpoint.layout = layout;
  checkpoint.step = 42;
  checkpoint.max_length = 24;
  checkpoint.vocab_tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (int i = 5; i < config.vocab_size; ++i)
    checkpoint.vocab_tokens.push_back("w" + std::to_string(i));
  torch::manual_seed(32);
  for (const auto& item : model->named_parameters()) {
    const auto name = moe::model::checkpoint_name(item.key());
    const torch::Tensor value = item.value().detach() + 0.02 * torch::randn_like(item.value());
    (name.expert.empty() ? checkpoint.shared : checkpoint.experts[name.expert])[name.name] = value;
  }
  return checkpoint;
}

bool python_with_numpy() {
  return std::system("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") == 0;
}

TEST(ModelExport, Float32ExportComputesExactlyTheDomainPath) {
  for (bool head : {false, true}) {
    ScopedTempDir temp("moe_export");
    const CheckpointContents checkpoint = trained_checkpoint(head);
    const auto result = export_domain(checkpoint, "pulmo", temp.path("out"), TensorDtype::float32);
    EXPECT_EQ(result.max_difference, 0.0) << "head " << head;
    for (const char* file : {"config.json", "model.safetensors", "vocab.txt",
                             "tokenizer_config.json", "special_tokens_map.json", "modules.json",
                             "sentence_bert_config.json", "1_Pooling/config.json", "README.md"})
      EXPECT_TRUE(fs::exists(temp.path("out/") + file)) << file;
    EXPECT_EQ(fs::exists(temp.path("out/3_Dense/model.safetensors")), head);
    EXPECT_FALSE(fs::exists(temp.path("out.partial")));
    // Another domain's path computes something else: the comparison is not vacuous.
    EXPECT_GT(moe::hf::compare_export(checkpoint, "cardio", temp.path("out"), 4), 1e-4);
  }
}

TEST(ModelExport, TensorsAreBertModelsAndTheDomainTokenIsTheClsRow) {
  ScopedTempDir temp("moe_export");
  const CheckpointContents checkpoint = trained_checkpoint(false);
  export_domain(checkpoint, "skin", temp.path("out"), TensorDtype::float32);
  const moe::hf::SafetensorsReader reader(temp.path("out/model.safetensors"));
  EXPECT_EQ(reader.names().size(), 7u + 16u * 2u);
  for (const std::string& name : reader.names()) {
    EXPECT_EQ(name.find("router"), std::string::npos);
    EXPECT_EQ(name.find("domain_token"), std::string::npos);
    EXPECT_EQ(name.find("experts"), std::string::npos);
  }
  EXPECT_TRUE(
      torch::equal(reader.read("encoder.layer.1.intermediate.dense.weight"),
                   checkpoint.experts.at("skin").at("encoder.layer.1.intermediate.dense.weight")));
  EXPECT_TRUE(torch::equal(reader.read("embeddings.word_embeddings.weight")[2],
                           checkpoint.shared.at("embeddings.domain_token_embeddings.weight")[2]));
  EXPECT_TRUE(torch::equal(reader.read("embeddings.word_embeddings.weight")[3],
                           checkpoint.shared.at("embeddings.word_embeddings.weight")[3]));
}

TEST(ModelExport, HalfPrecisionExportsAreCloseAndStoredInThatType) {
  for (TensorDtype dtype : {TensorDtype::float16, TensorDtype::bfloat16}) {
    ScopedTempDir temp("moe_export");
    const auto result = export_domain(trained_checkpoint(true), "cardio", temp.path("out"), dtype);
    EXPECT_GT(result.max_difference, 0.0);
    EXPECT_LT(result.max_difference, dtype == TensorDtype::float16 ? 1e-2 : 5e-2);
    const moe::hf::SafetensorsReader reader(temp.path("out/model.safetensors"));
    EXPECT_EQ(reader.dtype("pooler.dense.weight"), moe::hf::safetensors_dtype_name(dtype));
  }
}

TEST(ModelExport, RefusesUnknownDomainsAndNonEmptyFolders) {
  ScopedTempDir temp("moe_export");
  const CheckpointContents checkpoint = trained_checkpoint(false);
  EXPECT_MENTIONS(
      error_of([&] { export_domain(checkpoint, "derm", temp.path("out"), TensorDtype::float32); }),
      "unknown domain 'derm' (the model knows: cardio, pulmo, skin)");
  EXPECT_MENTIONS(
      error_of([&] { export_domain(checkpoint, "", temp.path("out"), TensorDtype::float32); }),
      "name the domain");
  EXPECT_FALSE(fs::exists(temp.path("out")));
  fs::create_directories(temp.path("busy"));
  temp.write_file("busy/keep.txt", "user data");
  EXPECT_MENTIONS(error_of([&] {
                    export_domain(checkpoint, "pulmo", temp.path("busy"), TensorDtype::float32);
                  }),
                  "already exists and is not empty");
  EXPECT_TRUE(fs::exists(temp.path("busy/keep.txt")));
}

// The exported folder run by tests/python/bert_reference.py (float64 NumPy, following
// transformers' BertModel and sentence-transformers' modules) against this model's output,
// and checked by tests/python/check_hf_layout.py.
TEST(ModelExport, IndependentReferenceAgrees) {
  if (!python_with_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy is not installed";
  for (bool head : {false, true}) {
    ScopedTempDir temp("moe_export");
    const CheckpointContents checkpoint = trained_checkpoint(head);
    export_domain(checkpoint, "pulmo", temp.path("out"), TensorDtype::float32);
    moe::model::BertEncoder model = moe::model::encoder_from_checkpoint(checkpoint, "checkpoint");
    torch::NoGradGuard no_grad;
    const std::vector<std::vector<int64_t>> sequences = {
        {2, 17, 45, 9, 3}, {2, 60, 3}, {2, 5, 6, 7, 8, 9, 10, 11, 12, 3}};
    std::ofstream ids(temp.path("ids.txt"));
    std::ofstream ours(temp.path("ours.txt"));
    for (const auto& sequence : sequences) {
      for (size_t i = 0; i < sequence.size(); ++i) ids << (i ? " " : "") << sequence[i];
      ids << "\n";
      const torch::Tensor input = torch::tensor(sequence, torch::kInt64).unsqueeze(0);
      const torch::Tensor embedding =
          model->embed(input, torch::ones_like(input), torch::full({1}, 1, torch::kInt64))[0];
      for (int64_t j = 0; j < embedding.size(0); ++j)
        ours << (j ? " " : "") << std::setprecision(9) << embedding[j].item<float>();
      ours << "\n";
    }
    ids.close();
    ours.close();
    const std::string out = temp.path("out");
    EXPECT_EQ(std::system(("/usr/bin/python3 tests/python/bert_reference.py " + out + " " +
                           temp.path("ids.txt") + " --compare " + temp.path("ours.txt") +
                           " --tolerance 2e-6")
                              .c_str()),
              0)
        << "head " << head;
    EXPECT_EQ(std::system(("/usr/bin/python3 tests/python/check_hf_layout.py " + out).c_str()), 0);
  }
}

}  // namespace
