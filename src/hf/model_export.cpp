// Implementation of export_domain and compare_export (see model_export.h).
#include "hf/model_export.h"

#include <filesystem>
#include <sstream>

#include "common/error.h"
#include "hf/hf_config.h"
#include "hf/json_file.h"
#include "hf/pretrained_bert.h"
#include "hf/sentence_transformers_files.h"
#include "hf/tokenizer_files.h"
#include "model/bert_encoder.h"
#include "model/domain_path.h"
#include "model/parameter_loading.h"

namespace moe::hf {
namespace {

namespace fs = std::filesystem;

const char* torch_dtype_name(TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::float16:
      return "float16";
    case TensorDtype::bfloat16:
      return "bfloat16";
    case TensorDtype::float32:
      break;
  }
  return "float32";
}

int64_t cls_id_of(const model::CheckpointContents& checkpoint) {
  for (size_t id = 0; id < checkpoint.vocab_tokens.size(); ++id)
    if (checkpoint.vocab_tokens[id] == "[CLS]") return static_cast<int64_t>(id);
  throw Error("checkpoint vocabulary has no [CLS] token");
}

std::vector<std::pair<std::string, torch::Tensor>> ordered(const model::NamedTensors& tensors) {
  return {tensors.begin(), tensors.end()};
}

// The head's tensors under the names sentence-transformers' modules use.
void write_head(const fs::path& dir, const ModuleFolders& folders, const model::NamedTensors& head,
                TensorDtype dtype) {
  const std::map<std::string, std::string> metadata{{"format", "pt"}};
  write_safetensors(
      (dir / folders.layer_norm / "model.safetensors").string(),
      {{"norm.weight", head.at("LayerNorm.weight")}, {"norm.bias", head.at("LayerNorm.bias")}},
      dtype, metadata);
  write_safetensors(
      (dir / folders.dense_tanh / "model.safetensors").string(),
      {{"linear.weight", head.at("dense.weight")}, {"linear.bias", head.at("dense.bias")}}, dtype,
      metadata);
  write_safetensors(
      (dir / folders.dense_out / "model.safetensors").string(),
      {{"linear.weight", head.at("out.weight")}, {"linear.bias", head.at("out.bias")}}, dtype,
      metadata);
}

std::string model_card(const model::CheckpointContents& checkpoint, const std::string& domain) {
  std::ostringstream out;
  out << "# moe-embed export" << (domain.empty() ? "" : ": domain " + domain) << "\n\n"
      << "A BERT sentence encoder exported by moe-embed from a checkpoint at step "
      << checkpoint.step << ".";
  if (checkpoint.layout.mixture_of_experts())
    out << " Its feed-forward blocks are the `" << domain
        << "` experts of a mixture-of-experts model trained on " << checkpoint.layout.domains.size()
        << " domains.";
  if (checkpoint.layout.domain_tokens)
    out << " The domain token of `" << domain << "` is stored as the [CLS] embedding, so the "
        << "plain tokenizer reproduces the domain path.";
  out << "\n\n```python\nfrom sentence_transformers import SentenceTransformer\n"
      << "model = SentenceTransformer(\"path/to/this/folder\")\n"
      << "embeddings = model.encode([\"An abstract ...\"])\n```\n";
  return out.str();
}

}  // namespace

ExportResult export_domain(const model::CheckpointContents& checkpoint, const std::string& domain,
                           const std::string& out_dir, TensorDtype dtype) {
  MOE_REQUIRE(!fs::exists(out_dir) || fs::is_empty(out_dir), "export folder ", out_dir,
              " already exists and is not empty; choose another --out or remove it");
  MOE_REQUIRE(!checkpoint.layout.mixture_of_experts() || !domain.empty(),
              "this checkpoint has experts: name the domain to export (one of its domains)");
  if (!domain.empty()) checkpoint.layout.domain_id(domain);  // unknown domain: clear error
  const fs::path staging = out_dir + ".partial";
  fs::remove_all(staging);
  fs::create_directories(staging);

  const model::NamedTensors tensors =
      model::domain_path_tensors(checkpoint, domain, cls_id_of(checkpoint));
  write_file_atomically((staging / "config.json").string(),
                        hf_config_json(checkpoint.config, torch_dtype_name(dtype)));
  write_safetensors((staging / "model.safetensors").string(), ordered(tensors), dtype,
                    {{"format", "pt"}});
  std::string vocab;
  for (const std::string& token : checkpoint.vocab_tokens) vocab += token + "\n";
  write_file_atomically((staging / "vocab.txt").string(), vocab);

  const int64_t max_length =
      checkpoint.max_length > 0 ? checkpoint.max_length : checkpoint.config.max_position_embeddings;
  TokenizerSettings tokenizer;
  tokenizer.options.lowercase = checkpoint.lowercase;
  tokenizer.model_max_length = checkpoint.config.max_position_embeddings;
  write_tokenizer_files(staging.string(), tokenizer);

  const model::EncoderLayout& layout = checkpoint.layout;
  SentenceTransformerLayout sentence;
  sentence.hidden_size = checkpoint.config.hidden_size;
  sentence.pooling = layout.pooling;
  sentence.projection_head = layout.projection_head;
  sentence.head_size = layout.sentence_size(checkpoint.config);
  sentence.normalize = layout.normalize;
  sentence.max_seq_length = max_length;
  sentence.lowercase = checkpoint.lowercase;
  const ModuleFolders folders = write_sentence_transformers_files(staging.string(), sentence);
  if (layout.projection_head)
    write_head(staging, folders, model::projection_head_tensors(checkpoint), dtype);
  write_file_atomically((staging / "README.md").string(), model_card(checkpoint, domain));

  ExportResult result;
  result.dir = out_dir;
  result.tensors = static_cast<int64_t>(tensors.size());
  result.probe_sequences = 8;
  result.max_difference =
      compare_export(checkpoint, domain, staging.string(), result.probe_sequences);
  if (fs::exists(out_dir)) fs::remove(out_dir);  // empty, checked above
  fs::rename(staging, out_dir);
  return result;
}

double compare_export(const model::CheckpointContents& checkpoint, const std::string& domain,
                      const std::string& dir, int64_t probe_sequences) {
  torch::NoGradGuard no_grad;
  model::BertEncoder original = model::encoder_from_checkpoint(checkpoint, "checkpoint");

  // The exported folder as a plain dense BERT with the same pooling and head.
  const PretrainedBert exported = read_pretrained_bert(dir);
  model::EncoderLayout plain;
  plain.pooling = checkpoint.layout.pooling;
  plain.projection_head = checkpoint.layout.projection_head;
  plain.projection_size = checkpoint.layout.projection_size;
  plain.normalize = checkpoint.layout.normalize;
  model::BertEncoder reloaded(exported.config, plain);
  model::NamedTensors all = exported.tensors;
  if (plain.projection_head) {
    MOE_REQUIRE(!exported.head.empty(), dir, ": the projection head's modules are missing");
    all.insert(exported.head.begin(), exported.head.end());
  }
  model::load_parameters(*reloaded, all, {}, model::SourceKind::same_layout, dir);
  reloaded->eval();

  // Probe sequences: [CLS] random tokens [SEP] of different lengths, padded.
  const int64_t cls = cls_id_of(checkpoint);
  const int64_t length = std::min<int64_t>(24, checkpoint.config.max_position_embeddings);
  torch::manual_seed(20261127);
  torch::Tensor ids =
      torch::randint(1, checkpoint.config.vocab_size, {probe_sequences, length}, torch::kInt64);
  torch::Tensor lengths = torch::randint(2, length + 1, {probe_sequences}, torch::kInt64);
  lengths[0] = length;
  const torch::Tensor mask =
      (torch::arange(length, torch::kInt64).unsqueeze(0) < lengths.unsqueeze(1)).to(torch::kInt64);
  // [CLS] only at position 0: elsewhere the checkpoint keeps the plain [CLS] embedding while
  // the export has folded the domain token into it (see domain_path.h).
  ids = torch::where(ids == cls, (ids + 1) % checkpoint.config.vocab_size, ids);
  ids = ids * mask + checkpoint.config.pad_token_id * (1 - mask);
  ids.select(1, 0).fill_(cls);

  torch::Tensor domains;
  if (!checkpoint.layout.domains.empty() && !domain.empty())
    domains = torch::full({probe_sequences}, checkpoint.layout.domain_id(domain), torch::kInt64);
  const model::EncoderOutput a = original->encode(ids, mask, domains);
  const model::EncoderOutput b = reloaded->encode(ids, mask, torch::Tensor());
  const torch::Tensor keep = mask.unsqueeze(-1).to(torch::kFloat32);
  const double hidden = ((a.hidden - b.hidden) * keep).abs().max().item<double>();
  const double sentence = (a.sentence - b.sentence).abs().max().item<double>();
  return std::max(hidden, sentence);
}

}  // namespace moe::hf
