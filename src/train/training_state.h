// What a checkpoint holds beyond the parameters so that training continues exactly where it
// stopped, on any number of ranks: the AdamW moments of every parameter (experts' from their
// primary replica), the optimizer step, the loader's position and the trainer's counters.
// Stored under /train in the checkpoint file (model/checkpoint_file.h):
//   /train/optimizer/step                          int64 scalar: AdamW steps taken
//   /train/optimizer/shared/<name>/exp_avg|exp_avg_sq
//   /train/optimizer/experts/<domain>/<name>/exp_avg|exp_avg_sq
//   /train/loader/state                            int64: StreamingPairLoader::State::encode()
//   /train/counters/<name>                         int64 or float64 scalars (TrainingCounters)
//   /train/parameters/<name>                       trained tensors outside the encoder (the
//   /train/optimizer/other/<name>/exp_avg|...      learned loss scale), identical on all ranks
// The learning-rate schedule is a function of the step and dropout is reseeded from
// (run.seed, step, rank) every step, so neither needs more state.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "model/checkpoint_file.h"
#include "train/expert_parallel_model.h"

namespace moe::train {

// The trainer's own counters, identical on every rank.
struct TrainingCounters {
  int64_t step = 0;
  int64_t examples_turn = 0;  // spreads examples over an expert's replicas
  // Early stopping on the validation split (-inf / 0 until the first evaluation).
  double best_score = -std::numeric_limits<double>::infinity();
  int64_t best_step = -1;
  int64_t evaluations_without_improvement = 0;
  int64_t nonfinite_steps = 0;  // steps skipped for a NaN/Inf loss or gradient norm
};

// Collective over the model's world. Rank 0 returns the complete /train contents; other
// ranks return an empty map.
// `other_parameters`: trained tensors outside the encoder, by name (identical on every rank).
model::NamedTensors gather_training_state(const ExpertParallelModel& model,
                                          torch::optim::AdamW& optimizer,
                                          const std::vector<int64_t>& loader_state,
                                          const TrainingCounters& counters,
                                          const model::NamedTensors& other_parameters = {});

// What restore_training_state hands back to the trainer.
struct RestoredTraining {
  TrainingCounters counters;
  std::vector<int64_t> loader_state;
};

// Every rank: puts the optimizer moments of the parameters it holds (shared ones and its
// experts) from `checkpoint` into `optimizer` (on the parameters' device) and returns the
// counters and loader position. The parameters themselves are loaded by the caller. Errors
// name the checkpoint file and the missing or mis-shaped entry.
// `other_parameters` get their stored values (in place) and moments too.
RestoredTraining restore_training_state(const model::CheckpointContents& checkpoint,
                                        const std::string& path, ExpertParallelModel& model,
                                        torch::optim::AdamW& optimizer,
                                        const model::NamedTensors& other_parameters = {});

}  // namespace moe::train
