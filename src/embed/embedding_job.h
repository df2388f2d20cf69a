// moe_embed's work, split the way its ranks run it: plan_embedding checks everything that can
// be checked before any work (checkpoint, every input record, domains, output path) on every
// rank; run_embedding then streams the input in rounds, each rank embedding its own slice of
// a round, and rank 0 gathers the rows in input order and writes the embedding file.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "data/text_records.h"
#include "dist/communicator.h"
#include "model/checkpoint_file.h"

namespace moe::embed {

struct EmbeddingJobOptions {
  std::string checkpoint;
  std::string input;
  std::string output;
  data::TextFormat format = data::TextFormat::lines;
  data::TextFields fields;        // fields.domain: per-text domains
  std::string domain;             // every text runs as this domain ("": field or router)
  std::string dtype = "float32";  // float32 | float16
  bool normalize = false;
  int64_t batch_size = 64;
  int max_length = 0;          // 0: the longest sequence the checkpoint was trained on
  int64_t chunk_texts = 2048;  // texts per rank per round (bounds memory)
  bool overwrite = false;
  bool progress = true;  // rank 0's progress bar on stderr
};

struct EmbeddingPlan {
  EmbeddingJobOptions options;
  model::CheckpointContents checkpoint;
  std::string model_fingerprint;  // model_fingerprint.h: stored in the file, checked by indexes
  int64_t count = 0;              // records in the input
  std::string routing;            // given | field | router | none
  int32_t given_domain = 0;       // for routing "given"
  int max_length = 0;
};

// Throws moe::Error naming the checkpoint, the input file:line, the domain or the output.
EmbeddingPlan plan_embedding(const EmbeddingJobOptions& options);

struct EmbeddingSummary {
  int64_t count = 0;
  int64_t dimension = 0;
  int64_t truncated = 0;                  // texts cut to max_length (all ranks)
  std::vector<int64_t> texts_per_domain;  // by checkpoint domain; empty without paths
  double seconds = 0;
};

// Collective over `world` (every rank calls it with the same plan); the model runs on
// `device`. Only rank 0 writes; its summary is the complete one.
EmbeddingSummary run_embedding(const EmbeddingPlan& plan, dist::Communicator& world,
                               const torch::Device& device);

}  // namespace moe::embed
