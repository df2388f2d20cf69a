// One domain's path through a trained model as a plain BERT: the shared tensors plus that
// domain's experts under the dense Hugging Face names, with the domain token folded into the
// [CLS] row of the word embeddings. A plain tokenizer puts [CLS] at position 0, which is
// where the domain token goes, so the plain model computes exactly the domain's path. (The
// one difference: a literal "[CLS]" inside a text, which the tokenizer keeps as the [CLS]
// id, now also reads the domain token.)
#pragma once

#include <cstdint>
#include <string>

#include "model/checkpoint_file.h"

namespace moe::model {

// Hugging Face BertModel tensors ("embeddings.*", "encoder.layer.N.*", "pooler.*") of
// `domain`'s path. Throws moe::Error naming the domain when the checkpoint lacks it.
NamedTensors domain_path_tensors(const CheckpointContents& checkpoint, const std::string& domain,
                                 int64_t cls_token_id);

// The projection head's tensors with the "head." prefix removed ("LayerNorm.weight",
// "dense.weight", "out.bias", ...); empty without a head.
NamedTensors projection_head_tensors(const CheckpointContents& checkpoint);

}  // namespace moe::model
