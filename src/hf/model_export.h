// Exporting one domain's path of a trained model as a plain Hugging Face BERT folder that
// `AutoModel.from_pretrained(dir)` and `SentenceTransformer(dir)` load unchanged:
//   config.json, model.safetensors (BertModel's tensors), vocab.txt, tokenizer_config.json,
//   special_tokens_map.json, modules.json, sentence_bert_config.json,
//   config_sentence_transformers.json, 1_Pooling/, the projection head's module folders
//   (if any), README.md.
// The domain's experts become the feed-forward blocks and its domain token the [CLS]
// embedding (model/domain_path.h), so the plain model computes exactly the domain's path.
#pragma once

#include <string>

#include "hf/safetensors_file.h"
#include "model/checkpoint_file.h"

namespace moe::hf {

struct ExportResult {
  std::string dir;
  int64_t tensors = 0;  // in model.safetensors
  // Largest absolute difference, on probe sequences, between the checkpoint's domain path
  // and the exported folder read back (last hidden states and sentence embeddings).
  double max_difference = 0.0;
  int64_t probe_sequences = 0;
};

// Writes the folder under out_dir + ".partial" and renames it to out_dir when complete, so a
// failure never leaves a half-written export under the final name. Refuses an existing
// non-empty out_dir. `domain` may be empty for a model without domains. Verifies the result
// by reading it back (see ExportResult).
ExportResult export_domain(const model::CheckpointContents& checkpoint, const std::string& domain,
                           const std::string& out_dir, TensorDtype dtype);

// Runs the exported folder `dir` (its BERT plus sentence-transformers head) and the
// checkpoint's path of `domain` on the same probe sequences; returns the largest absolute
// difference of last hidden states and sentence embeddings.
double compare_export(const model::CheckpointContents& checkpoint, const std::string& domain,
                      const std::string& dir, int64_t probe_sequences);

}  // namespace moe::hf
