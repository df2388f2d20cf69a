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
  std::vector<DomainEvaluation> before, after;
  double final_loss = 0.0;
  std::string checkpoint_path;
};

class Trainer {
 public:
  // config_yaml: the effective configuration, stored in the checkpoint.
  Trainer(const config::TrainOptions& options, std::string config_yaml, dist::Communicator& world);

  // Collective: every rank calls it. Returns the same summary on every rank.
  TrainingSummary run();

  // Evaluates every domain of the configured split (collective).
  std::vector<DomainEvaluation> evaluate();
  // One optimisation step; returns the global mean loss (collective).
  double train_step();

  ExpertParallelModel& model() { return *model_; }

 private:
  void log_step(int64_t step, double loss, double lr, double grad_norm, double seconds);
  void write_metrics_line(const std::string& json_line);
  std::string save_checkpoint(int64_t step);

  config::TrainOptions options_;
  std::string config_yaml_;
  dist::Communicator& world_;
  data::Manifest manifest_;
  int32_t pad_id_ = 0;
  std::vector<std::vector<data::TokenPair>> eval_pairs_;     // per domain; only where evaluated
  std::unique_ptr<data::StreamingPairLoader> train_loader_;  // streams the train shards
  std::unique_ptr<ExpertParallelModel> model_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
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
