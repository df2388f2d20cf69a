// The training loop of moe_train: streams the manifest's train shards, builds this rank's share of
// the model, evaluates every domain before training, runs the configured steps (sample ->
// dispatch examples to their experts -> embed -> cross-rank MNR loss -> synchronise
// gradients -> clip -> AdamW), evaluates again, and writes the checkpoint.
#pragma once

#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/train_options.h"
#include "data/manifest.h"
#include "data/pair_shard.h"
#include "data/streaming_pair_loader.h"
#include "dist/communicator.h"
#include "train/contrastive_loss.h"
#include "train/domain_evaluation.h"
#include "train/expert_parallel_model.h"
#include "train/fault_injection.h"
#include "train/pair_metrics.h"
#include "train/run_table.h"

namespace moe::train {

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

  // Evaluates every domain on `split` ("valid" or "test"); the same result on every rank
  // (collective). F1max thresholds are tuned on the split itself (the paper's protocol).
  std::vector<DomainEvaluation> evaluate(const std::string& split);
  // One optimisation step; returns the global mean loss (collective). A step whose loss or
  // gradient norm is not finite on some rank makes no update on any rank; after more than
  // train.max_nonfinite_steps of them it throws moe::Error (on every rank alike).
  double train_step();

  ExpertParallelModel& model() { return *model_; }
  int64_t step() const { return step_; }

 private:
  void write_metrics_line(const std::string& json_line);
  // Collective: whether any rank saw a NaN or infinite loss or gradient norm.
  bool any_rank_nonfinite(double loss, double grad_norm);
  // Counts a skipped step, or throws when the policy's allowance is used up.
  void skip_nonfinite_step(double loss, double grad_norm);
  // MOE_FAULT_NONFINITE_STEPS (fault_injection.h): a NaN in one shared gradient.
  void poison_one_gradient();
  void log_progress(double loss, int64_t steps_in_window, double window_seconds,
                    const dist::CommunicationStats& window_communication);
  // Collective: writes the model and training state to `path` (rank 0), rotates the step
  // checkpoints, and returns when the file is complete.
  // Rank 0 writes the checkpoint once every rank has handed in its share. A write that fails
  // (a full disk, an I/O error) leaves earlier checkpoints as they were; the result, whether
  // the file was written, is the same on every rank.
  bool save_checkpoint(const std::string& path);
  // A checkpoint the run cannot go on without (the final one, or the one before a stop):
  // a failed write ends the run with an error naming the last checkpoint that was written.
  void save_required_checkpoint(const std::string& path);
  // Trained tensors outside the encoder, by checkpoint name (the learned loss scale).
  model::NamedTensors other_parameters() const;
  std::string before_key() const;  // where before_ is kept in checkpoints
  // Continues from a checkpoint: parameters, optimizer moments, loader position, counters.
  void resume_from(const std::string& path);
  // Collective: the signal any rank received since the last step (0: none).
  int agreed_stop_signal();

  class LocalExpertsOnly;
  RunFacts run_facts(const torch::Device& device, int64_t vocabulary) const;
  bool has_domain_paths() const;  // experts or domain tokens: a model per domain
  void load_evaluation_pairs();
  // Cosines of `pairs_domain`'s pairs of `split` through `model_domain`'s path (this rank
  // must evaluate model_domain).
  PairScores score_domain(const std::string& split, int32_t pairs_domain, int32_t model_domain);
  std::vector<float> labels_of(const std::string& split, int32_t domain) const;
  // Collective: `values` of rank `rank` on rank 0 (empty elsewhere).
  std::vector<float> gather_from(int rank, const std::vector<float>& values);
  // Collective: run.dir/evaluation.{md,csv,json} with the paper's and the honest protocol
  // and, for a model with domain paths, run.dir/cross_domain.{csv,json} (rank 0 writes).
  void write_evaluation_report(int64_t evaluated_step);
  // Collective: evaluates valid, keeps run.dir/best.h5 when it improved; true when
  // eval.patience evaluations went by without improvement (stop).
  bool periodic_evaluation();
  std::string best_checkpoint_path() const;

  config::TrainOptions options_;
  std::string config_yaml_;
  dist::Communicator& world_;
  data::Manifest manifest_;
  int32_t pad_id_ = 0;
  // split -> domain -> pairs, on the ranks that evaluate (see load_evaluation_pairs).
  std::map<std::string, std::vector<std::vector<data::TokenPair>>> eval_pairs_;
  std::unique_ptr<data::StreamingPairLoader> train_loader_;  // streams the train shards
  std::unique_ptr<ExpertParallelModel> model_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  LossKind loss_kind_ = LossKind::kMnr;
  LossParameters loss_parameters_;  // the learned scale, when train.learned_scale
  double last_scale_ = 0.0;
  int64_t step_ = 0;
  int64_t examples_turn_ = 0;  // spreads examples over an expert's replicas
  double best_score_ = -std::numeric_limits<double>::infinity();  // weighted valid F1max
  int64_t best_step_ = -1;
  int64_t stale_evaluations_ = 0;        // evaluations since the best one
  int64_t nonfinite_steps_ = 0;          // steps skipped for a NaN/Inf loss or gradient norm
  FaultPlan faults_;                     // fault_injection.h
  std::string last_written_checkpoint_;  // "" until one is written (or resumed from)
  // The evaluation before the first step, kept in checkpoints (/train/eval_before.<split>) so
  // a resumed run still reports before -> after over the whole training.
  std::vector<DomainEvaluation> before_;
  int64_t local_tokens_ = 0;  // real tokens this rank sampled since the last log line
  double last_grad_norm_ = 0.0;
  double last_lr_ = 0.0;
  double last_router_loss_ = 0.0;
  double last_router_accuracy_ = 0.0;
  std::vector<std::string> vocab_tokens_;  // stored in checkpoints
  std::ofstream metrics_file_;
};

}  // namespace moe::train
