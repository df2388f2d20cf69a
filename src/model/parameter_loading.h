// Copies named tensors (checkpoint or Hugging Face names) into an encoder, with one error
// that lists every missing, unexpected and mis-shaped tensor.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/bert_encoder.h"
#include "model/checkpoint_file.h"

namespace moe::model {

enum class SourceKind {
  // Written from a model of the same layout (a checkpoint): every parameter must be there.
  same_layout,
  // A plain BERT (a Hugging Face model): each expert takes a copy of the dense feed-forward
  // block of its layer (the MoE conversion); parameters BERT lacks (domain tokens, router,
  // projection head) and a missing pooler keep their initial values.
  dense_bert,
};

// `experts`: domain -> tensors (ignored for dense_bert). Experts of domains this process
// does not hold are skipped. `source` (a path) starts every error message. Returns the
// names of the parameters left as they were (dense_bert only).
std::vector<std::string> load_parameters(BertEncoderImpl& model, const NamedTensors& shared,
                                         const std::map<std::string, NamedTensors>& experts,
                                         SourceKind kind, const std::string& source);

// The encoder a checkpoint describes, with its weights, in eval mode. local_domains: the
// experts to build (empty: all).
BertEncoder encoder_from_checkpoint(const CheckpointContents& checkpoint, const std::string& source,
                                    const std::vector<int32_t>& local_domains = {});

}  // namespace moe::model
