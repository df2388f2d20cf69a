// Checks reading Hugging Face BERT folders: model.safetensors in each dtype, the "bert."
// prefix and gamma/beta names of BertForPreTraining / TensorFlow-converted checkpoints,
// pre-training heads left out, pytorch_model.bin, and errors that name the file at fault.
#include "hf/pretrained_bert.h"

#include <gtest/gtest.h>
#include <torch/serialize.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "hf/hf_config.h"
#include "hf/safetensors_file.h"
#include "model/parameter_loading.h"
#include "model/parameter_names.h"
#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"
#include "support/small_bert.h"

namespace {

using moe::hf::read_pretrained_bert;
using moe::hf::TensorDtype;
using moe::model::BertEncoder;
using moe::testing_support::error_of;
using moe::testing_support::ScopedTempDir;

std::string vocab_text(int64_t size) {
  std::string text = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  for (int64_t i = 5; i < size; ++i) text += "w" + std::to_string(i) + "\n";
  return text;
}

struct Folder {
  ScopedTempDir temp{"moe_pretrained"};
  BertEncoder model = moe::testing_support::make_small_model({}, 21);

  // Writes config.json, vocab.txt and the weights under names produced by `rename`.
  template <typename Rename>
  void write(TensorDtype dtype, Rename rename,
             std::vector<std::pair<std::string, torch::Tensor>> extra = {}) {
    temp.write_file("config.json", moe::hf::hf_config_json(model->config(), "float32"));
    temp.write_file("vocab.txt", vocab_text(model->config().vocab_size));
    std::vector<std::pair<std::string, torch::Tensor>> tensors = std::move(extra);
    for (const auto& item : model->named_parameters())
      tensors.emplace_back(rename(moe::model::checkpoint_name(item.key()).name), item.value());
    moe::hf::write_safetensors(temp.path("model.safetensors"), tensors, dtype, {{"format", "pt"}});
  }

  // The folder loaded into a fresh dense model.
  BertEncoder load() const {
    const moe::hf::PretrainedBert bert = read_pretrained_bert(temp.dir().string());
    BertEncoder loaded(bert.config, moe::model::EncoderLayout{});
    moe::model::load_parameters(*loaded, bert.tensors, {}, moe::model::SourceKind::dense_bert,
                                bert.weights_path);
    loaded->eval();
    return loaded;
  }
};

std::string same(const std::string& name) { return name; }

torch::Tensor probe_output(BertEncoder& model) {
  torch::manual_seed(1);
  const torch::Tensor ids = torch::randint(1, 100, {3, 7}, torch::kInt64);
  return model->forward(ids, torch::ones({3, 7}, torch::kInt64), torch::Tensor());
}

TEST(PretrainedBert, Float32FolderComputesExactlyWhatTheModelDid) {
  Folder folder;
  folder.write(TensorDtype::float32, same);
  BertEncoder loaded = folder.load();
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(probe_output(loaded), probe_output(folder.model)));
  const moe::hf::PretrainedBert bert = read_pretrained_bert(folder.temp.dir().string());
  EXPECT_EQ(bert.vocabulary.size(), 100);
  EXPECT_TRUE(bert.tokenizer.options.lowercase);  // BertTokenizer's default
  EXPECT_TRUE(bert.ignored.empty());
}

TEST(PretrainedBert, HalfPrecisionFoldersRoundEveryWeight) {
  for (TensorDtype dtype : {TensorDtype::float16, TensorDtype::bfloat16}) {
    Folder folder;
    folder.write(dtype, same);
    const moe::hf::PretrainedBert bert = read_pretrained_bert(folder.temp.dir().string());
    const torch::ScalarType type = dtype == TensorDtype::float16 ? torch::kHalf : torch::kBFloat16;
    for (const auto& item : folder.model->named_parameters()) {
      const std::string name = moe::model::checkpoint_name(item.key()).name;
      EXPECT_TRUE(torch::equal(bert.tensors.at(name), item.value().to(type).to(torch::kFloat32)))
          << name;
    }
  }
}

TEST(PretrainedBert, PreTrainingCheckpointNamesAreMapped) {
  Folder folder;
  folder.write(TensorDtype::float32,
               [](std::string name) {
                 const std::string suffix = "LayerNorm.weight";
                 if (name.size() > suffix.size() &&
                     name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
                   name = name.substr(0, name.size() - 6) + "gamma";
                 else if (name.find("LayerNorm.bias") != std::string::npos)
                   name = name.substr(0, name.size() - 4) + "beta";
                 return "bert." + name;
               },
               {{"cls.predictions.bias", torch::zeros({100})},
                {"cls.seq_relationship.weight", torch::zeros({2, 32})}});
  BertEncoder loaded = folder.load();
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(probe_output(loaded), probe_output(folder.model)));
  const moe::hf::PretrainedBert bert = read_pretrained_bert(folder.temp.dir().string());
  EXPECT_EQ(bert.ignored,
            (std::vector<std::string>{"cls.predictions.bias", "cls.seq_relationship.weight"}));
}

TEST(PretrainedBert, ReadsPytorchModelBin) {
  Folder folder;
  folder.write(TensorDtype::float32, same);
  std::filesystem::remove(folder.temp.path("model.safetensors"));
  c10::impl::GenericDict state(c10::StringType::get(), c10::TensorType::get());
  for (const auto& item : folder.model->named_parameters())
    state.insert("bert." + moe::model::checkpoint_name(item.key()).name,
                 item.value().detach().clone());
  const std::vector<char> bytes = torch::pickle_save(state);
  std::ofstream(folder.temp.path("pytorch_model.bin"), std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BertEncoder loaded = folder.load();
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(probe_output(loaded), probe_output(folder.model)));

  folder.temp.write_file("pytorch_model.bin", "not a zip archive");
  EXPECT_MENTIONS(error_of([&] { read_pretrained_bert(folder.temp.dir().string()); }),
                  "pytorch_model.bin: not a state dict");
}

TEST(PretrainedBert, MissingPiecesAreNamed) {
  Folder folder;
  const std::string dir = folder.temp.dir().string();
  EXPECT_MENTIONS(error_of([&] { read_pretrained_bert(dir + "/nope"); }), "does not exist");
  EXPECT_MENTIONS(error_of([&] { read_pretrained_bert(dir); }), "no config.json");
  folder.write(TensorDtype::float32, same);
  std::filesystem::remove(folder.temp.path("vocab.txt"));
  EXPECT_MENTIONS(error_of([&] { read_pretrained_bert(dir); }), "no vocab.txt");
  folder.temp.write_file("vocab.txt", vocab_text(99));
  EXPECT_MENTIONS(error_of([&] { read_pretrained_bert(dir); }), "has 99 tokens but");
  folder.temp.write_file("vocab.txt", vocab_text(100));
  std::filesystem::remove(folder.temp.path("model.safetensors"));
  EXPECT_MENTIONS(error_of([&] { read_pretrained_bert(dir); }),
                  "no model.safetensors or pytorch_model.bin");
}

TEST(PretrainedBert, UnsupportedArchitectureAndCorruptWeightsAreErrors) {
  Folder folder;
  folder.write(TensorDtype::float32, same);
  const std::string dir = folder.temp.dir().string();
  const auto size = std::filesystem::file_size(folder.temp.path("model.safetensors"));
  std::filesystem::resize_file(folder.temp.path("model.safetensors"), size - 10);
  EXPECT_MENTIONS(error_of([&] { read_pretrained_bert(dir); }), "model.safetensors");
  folder.temp.write_file("config.json", R"({"model_type": "roberta", "vocab_size": 100})");
  EXPECT_MENTIONS(error_of([&] { read_pretrained_bert(dir); }), "unsupported architecture");
}

}  // namespace
