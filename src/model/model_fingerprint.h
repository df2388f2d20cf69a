// A model's identity for files derived from it (embedding files, vector indexes): a 64-bit hash
// of every parameter's name, type, shape and bytes, plus the layout and vocabulary. Two
// checkpoints share a fingerprint only when they embed every text identically, so an index
// can refuse queries embedded by another model, including another step of the same run.
#pragma once

#include <string>

#include "model/checkpoint_file.h"

namespace moe::model {

// 16 lower-case hex digits. Deterministic across runs and machines (little-endian, as every
// platform LibTorch supports); reads every parameter once (about 1 s per GB).
std::string model_fingerprint(const CheckpointContents& checkpoint);

}  // namespace moe::model
