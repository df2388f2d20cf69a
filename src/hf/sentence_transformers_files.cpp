// Writes the sentence-transformers module files of an export (see sentence_transformers_files.h).
#include "hf/sentence_transformers_files.h"

#include <torch/version.h>  // TORCH_VERSION, recorded in config_sentence_transformers.json

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>  // the module files
#include <system_error>
#include <vector>

#include "common/error.h"
#include "hf/json_file.h"

namespace moe::hf {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;  // keys in the order sentence-transformers writes them

// The oldest releases whose loaders read every file written here (see the header):
// sentence-transformers 3.0 and the transformers it requires.
constexpr const char* kSentenceTransformersVersion = "3.0.0";
constexpr const char* kTransformersVersion = "4.34.0";

struct Module {
  std::string type;    // importable class path
  std::string folder;  // relative to the model folder; "" for the Transformer
};

void make_folder(const fs::path& folder) {
  std::error_code error;
  fs::create_directories(folder, error);
  MOE_REQUIRE(!error, folder.string(), ": cannot create the folder: ", error.message());
}

void check_layout(const std::string& dir, const SentenceTransformerLayout& layout) {
  MOE_REQUIRE(layout.hidden_size > 0, dir, ": hidden_size must be positive, found ",
              layout.hidden_size);
  MOE_REQUIRE(layout.pooling == "mean" || layout.pooling == "cls", dir, ": pooling \"",
              layout.pooling, "\" is not one of mean, cls");
  MOE_REQUIRE(!layout.projection_head || layout.head_size > 0, dir,
              ": the projection head's head_size must be positive, found ", layout.head_size);
  MOE_REQUIRE(layout.max_seq_length > 0, dir, ": max_seq_length must be positive, found ",
              layout.max_seq_length);
}

Json pooling_config(const SentenceTransformerLayout& layout) {
  Json json;
  json["word_embedding_dimension"] = layout.hidden_size;
  json["pooling_mode_cls_token"] = layout.pooling == "cls";
  json["pooling_mode_mean_tokens"] = layout.pooling == "mean";
  json["pooling_mode_max_tokens"] = false;
  json["pooling_mode_mean_sqrt_len_tokens"] = false;
  json["pooling_mode_weightedmean_tokens"] = false;
  json["pooling_mode_lasttoken"] = false;
  json["include_prompt"] = true;
  return json;
}

Json dense_config(int64_t in_features, int64_t out_features, const char* activation) {
  Json json;
  json["in_features"] = in_features;
  json["out_features"] = out_features;
  json["bias"] = true;
  json["activation_function"] = activation;
  return json;
}

Json model_config() {
  Json json;
  json["model_type"] = "SentenceTransformer";
  json["__version__"] = {{"sentence_transformers", kSentenceTransformersVersion},
                         {"transformers", kTransformersVersion},
                         {"pytorch", TORCH_VERSION}};
  json["prompts"] = Json::object();
  json["default_prompt_name"] = nullptr;
  json["similarity_fn_name"] = "cosine";
  return json;
}

// modules.json: sentence-transformers' save() numbers modules from 0 and names each folder
// "<idx>_<ClassName>".
Json modules_list(const std::vector<Module>& modules) {
  Json list = Json::array();
  for (size_t idx = 0; idx < modules.size(); ++idx) {
    list.push_back({{"idx", idx},
                    {"name", std::to_string(idx)},
                    {"path", modules[idx].folder},
                    {"type", modules[idx].type}});
  }
  return list;
}

}  // namespace

ModuleFolders write_sentence_transformers_files(const std::string& dir,
                                                const SentenceTransformerLayout& layout) {
  check_layout(dir, layout);
  const fs::path root(dir);
  make_folder(root);

  std::vector<Module> modules{{"sentence_transformers.models.Transformer", ""},
                              {"sentence_transformers.models.Pooling", "1_Pooling"}};
  // Folder of the module about to be appended.
  auto next_folder = [&modules](const std::string& class_name) {
    return std::to_string(modules.size()) + "_" + class_name;
  };

  make_folder(root / modules[1].folder);
  write_json_file(root / modules[1].folder / "config.json", pooling_config(layout));

  ModuleFolders folders;
  if (layout.projection_head) {
    folders.layer_norm = next_folder("LayerNorm");
    make_folder(root / folders.layer_norm);
    write_json_file(root / folders.layer_norm / "config.json",
                    Json{{"dimension", layout.hidden_size}});
    modules.push_back({"sentence_transformers.models.LayerNorm", folders.layer_norm});

    folders.dense_tanh = next_folder("Dense");
    make_folder(root / folders.dense_tanh);
    write_json_file(
        root / folders.dense_tanh / "config.json",
        dense_config(layout.hidden_size, layout.hidden_size, "torch.nn.modules.activation.Tanh"));
    modules.push_back({"sentence_transformers.models.Dense", folders.dense_tanh});

    folders.dense_out = next_folder("Dense");
    make_folder(root / folders.dense_out);
    write_json_file(
        root / folders.dense_out / "config.json",
        dense_config(layout.hidden_size, layout.head_size, "torch.nn.modules.linear.Identity"));
    modules.push_back({"sentence_transformers.models.Dense", folders.dense_out});
  }
  if (layout.normalize) {
    // Normalize reads nothing from its folder; SentenceTransformer.save() still creates it
    // (empty), and so do we, so every folder modules.json names exists.
    const std::string folder = next_folder("Normalize");
    make_folder(root / folder);
    modules.push_back({"sentence_transformers.models.Normalize", folder});
  }

  // do_lower_case false: the tokenizer lower-cases (and strips accents) itself.
  write_json_file(root / "sentence_bert_config.json",
                  Json{{"max_seq_length", layout.max_seq_length}, {"do_lower_case", false}});
  write_json_file(root / "config_sentence_transformers.json", model_config());
  write_json_file(root / "modules.json", modules_list(modules));
  return folders;
}

}  // namespace moe::hf
