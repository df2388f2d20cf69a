// Evaluates a checkpoint on the valid and test pairs of one or more prepared datasets, in one
// process: the paper's protocol and the honest one per domain and "All", and the cross-domain
// table (each domain's path on every other domain's test pairs). The library behind moe_eval.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "train/evaluation_protocol.h"

namespace moe::train {

struct CheckpointEvaluationOptions {
  int64_t batch_size = 64;   // pairs per forward pass
  bool cross_domain = true;  // only for a model with experts or domain tokens
};

struct CheckpointEvaluation {
  std::vector<std::string> domains;        // evaluated, in manifest order
  EvaluationReport report;                 // paper and honest protocols
  std::optional<CrossDomainMatrix> cross;  // when asked for and meaningful
};

// Errors name the file: a manifest whose vocabulary is not the checkpoint's; a domain the
// checkpoint has no path for (models with experts or domain tokens); a domain with no test
// pairs. Domains of several manifests must not repeat.
CheckpointEvaluation evaluate_checkpoint(const std::string& checkpoint_path,
                                         const std::vector<std::string>& manifest_paths,
                                         const CheckpointEvaluationOptions& options);

}  // namespace moe::train
