// The training loop of moe_train: streams the manifest's train shards, builds this rank's share of
// the model, evaluates every domain before training, runs the configured steps (sample ->
// dispatch examples to their experts -> embed -> cross-rank MNR loss -> synchronise
// gradients -> clip -> AdamW), evaluates again, and writes the checkpoint.
#pragma once

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "config/train_options.h"
#include "data/manifest.h"
#include "data/pair_shard.h"
#include "data/streaming_pair_loader.h"
#include "dist/communicator.h"
#include "train/contrastive_loss.h"
#include "train/expert_parallel_model.h"
#include "train/pair_metrics.h"

namespace moe::train {

// Metrics of one domain's evaluation pairs, identical on every rank after evaluate().
struct DomainEvaluation {
  std::string domain;
  PairMetrics metrics;
  double router_accuracy = -1.0;  // share of sequences the router sends here; -1: no router
};

struct TrainingSummary {
  std::vector<DomainEvaluation> before, after;  // after: empty when the run stopped early
  double final_loss = 0.0;
  std::string checkpoint_path;
  // Set when the run ended before train.steps: by a stop signal (its number) or by
  // run.stop_after_steps (0). A checkpoint of the last step was written either way.
  bool stopped_early = false;
  int stop_signal = 0;
};

class Trainer {
 public:
  // config_yaml: the effective configuration, stored in the checkpoint. `world` carries
  // tensors of `device` (see dist/device_communicator.h).
  Trainer(const config::TrainOptions& options, std::string config_yaml, dist::Communicator& world,
          torch::Device device = torch::kCPU);

  // Collective: every rank calls it. Returns the same summary on every rank.
  TrainingSummary run();

  // Evaluates every domain of the configured split (collective).
  std::vector<DomainEvaluation> evaluate();
  // One optimisation step; returns the global mean loss (collective).
  double train_step();

  ExpertParallelModel& model() { return *model_; }
  int64_t step() const { return step_; }

 private:
  void write_metrics_line(const std::string& json_line);
  void log_progress(double loss, int64_t steps_in_window, double window_seconds,
                    const dist::CommunicationStats& window_communication);
  // Collective: writes the model and training state to `path` (rank 0), rotates the step
  // checkpoints, and returns when the file is complete.
  void save_checkpoint(const std::string& path);
  // Trained tensors outside the encoder, by checkpoint name (the learned loss scale).
  model::NamedTensors other_parameters() const;
  // Continues from a checkpoint: parameters, optimizer moments, loader position, counters.
  void resume_from(const std::string& path);
  // Collective: the signal any rank received since the last step (0: none).
  int agreed_stop_signal();

  config::TrainOptions options_;
  std::string config_yaml_;
  dist::Communicator& world_;
  data::Manifest manifest_;
  int32_t pad_id_ = 0;
  std::vector<std::vector<data::TokenPair>> eval_pairs_;     // per domain; only where evaluated
  std::unique_ptr<data::StreamingPairLoader> train_loader_;  // streams the train shards
  std::unique_ptr<ExpertParallelModel> model_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  LossKind loss_kind_ = LossKind::kMnr;
  LossParameters loss_parameters_;  // the learned scale, when train.learned_scale
  double last_scale_ = 0.0;
  int64_t step_ = 0;
  int64_t examples_turn_ = 0;  // spreads examples over an expert's replicas
  double last_grad_norm_ = 0.0;
  double last_lr_ = 0.0;
  double last_router_loss_ = 0.0;
  double last_router_accuracy_ = 0.0;
  std::vector<std::string> vocab_tokens_;  // stored in checkpoints
  std::ofstream metrics_file_;
};

// A printable table of before/after results (one row per domain plus the pooled mean).
std::string format_evaluation_table(const std::vector<DomainEvaluation>& before,
                                    const std::vector<DomainEvaluation>& after);

}  // namespace moe::train
