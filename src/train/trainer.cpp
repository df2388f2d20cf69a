// Implementation of Trainer (see trainer.h).
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/log.h"
#include "common/number_format.h"
#include "data/vocabulary.h"
#include "dist/device_choice.h"
#include "dist/host_map.h"
#include "hf/pretrained_bert.h"
#include "model/parameter_loading.h"
#include "model/parameter_names.h"
#include "train/checkpoint_rotation.h"
#include "train/contrastive_step.h"
#include "train/fault_injection.h"
#include "train/learning_rate_schedule.h"
#include "train/optimizer_setup.h"
#include "train/pair_evaluation.h"
#include "train/stop_signal.h"
#include "train/training_state.h"

namespace moe::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

model::BertConfig bert_config_from(const config::TrainOptions& options, int64_t vocab_size) {
  model::BertConfig c;
  c.vocab_size = vocab_size;
  c.hidden_size = options.model.hidden_size;
  c.num_layers = options.model.num_layers;
  c.num_heads = options.model.num_heads;
  c.intermediate_size = options.model.intermediate_size;
  c.max_position_embeddings = options.model.max_position_embeddings;
  c.layer_norm_eps = options.model.layer_norm_eps;
  c.hidden_dropout = options.model.dropout;
  c.attention_dropout = options.model.dropout;
  return c;
}

model::EncoderLayout layout_from(const config::TrainOptions& options,
                                 const std::vector<std::string>& domains, int64_t num_layers) {
  model::EncoderLayout layout;
  layout.domains = domains;
  if (options.model.mixture_of_experts)
    layout.expert_layers =
        model::parse_expert_layers(options.model.expert_layers, num_layers, "model.expert_layers");
  layout.domain_tokens = options.model.domain_tokens;
  layout.router = options.model.router;
  layout.pooling = options.model.pooling;
  layout.projection_head = options.model.projection_head;
  layout.projection_size = options.model.projection_size;
  layout.normalize = options.model.normalize;
  return layout;
}

uint64_t step_seed(uint64_t seed, int64_t step, int rank) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ seed;  // FNV-1a style mixing of the three numbers
  for (uint64_t part : {static_cast<uint64_t>(step), static_cast<uint64_t>(rank)})
    h = (h ^ part) * 1099511628211ull;
  return h;
}

}  // namespace

Trainer::Trainer(const config::TrainOptions& options, std::string config_yaml,
                 dist::Communicator& world, torch::Device device)
    : options_(options),
      config_yaml_(std::move(config_yaml)),
      world_(world),
      faults_(requested_faults()) {
  manifest_ = data::Manifest::load(options_.data.manifest);
  if (!options_.data.domains.empty())
    manifest_ = manifest_.restricted_to(options_.data.domains, "data.domains");
  const std::string vocab_path = manifest_.resolve(manifest_.vocab_file);
  const data::Vocabulary vocabulary = data::Vocabulary::load(vocab_path);
  MOE_REQUIRE(vocabulary.hash() == manifest_.vocab_hash, "vocabulary ", vocab_path,
              " does not match the manifest ", options_.data.manifest,
              " (hash differs); re-run moe_prep");
  pad_id_ = vocabulary.pad_id();

  vocab_tokens_.clear();
  for (int32_t id = 0; id < vocabulary.size(); ++id) vocab_tokens_.push_back(vocabulary.token(id));

  model::BertConfig bert = bert_config_from(options_, vocabulary.size());
  std::unique_ptr<hf::PretrainedBert> pretrained;
  if (!options_.model.init_from.empty()) {
    const std::string& dir = options_.model.init_from;
    pretrained = std::make_unique<hf::PretrainedBert>(hf::read_pretrained_bert(dir));
    MOE_REQUIRE(pretrained->vocabulary.hash() == manifest_.vocab_hash, "model.init_from: ", dir,
                "/vocab.txt is not the vocabulary the data was tokenized with (", vocab_path,
                "); re-run moe_prep with --vocab ", dir, "/vocab.txt");
    MOE_REQUIRE(pretrained->tokenizer.options.lowercase == manifest_.lowercase,
                "model.init_from: ", dir, " expects ",
                pretrained->tokenizer.options.lowercase ? "lower-cased" : "cased",
                " input but the data was tokenized ", manifest_.lowercase ? "lower-cased" : "cased",
                "; re-run moe_prep to match");
    bert = pretrained->config;
    bert.hidden_dropout = options_.model.dropout;
    bert.attention_dropout = options_.model.dropout;
  }
  MOE_REQUIRE(manifest_.max_length <= bert.max_position_embeddings, "data.manifest: shards hold ",
              "sequences of up to ", manifest_.max_length, " tokens but the model takes at most ",
              bert.max_position_embeddings);
  model_ = std::make_unique<ExpertParallelModel>(
      bert, layout_from(options_, manifest_.domains, bert.num_layers), world_,
      static_cast<uint64_t>(options_.run.seed), vocabulary.cls_id(),
      options_.dist.dispatch == config::DispatchMode::kLayer, device);
  model_->encoder()->set_attention_kernel(model::parse_attention_kernel(options_.model.attention));
  if (pretrained) {
    model::NamedTensors tensors = pretrained->tensors;
    // A sentence-transformers folder's projection head continues training when the model
    // has one; otherwise it is left out (and said so).
    if (options_.model.projection_head)
      tensors.insert(pretrained->head.begin(), pretrained->head.end());
    else if (!pretrained->head.empty())
      log::info("setup", cat(options_.model.init_from,
                             " has a projection head; it is not used "
                             "(model.projection_head is false)"));
    const std::vector<std::string> kept = model::load_parameters(
        *model_->encoder(), tensors, {}, model::SourceKind::dense_bert, pretrained->weights_path);
    // Domain tokens start from the pretrained [CLS], as in the paper.
    model_->encoder()->copy_domain_tokens_from(vocabulary.cls_id());
    log::info("setup",
              cat("initialised from ", pretrained->weights_path,
                  kept.empty() ? "" : cat(" (new: ", kept.size(), " tensors)"),
                  pretrained->ignored.empty() ? ""
                                              : cat(", ignored ", pretrained->ignored.size(),
                                                    " pre-training head tensors")));
  }

  MOE_REQUIRE(manifest_.count("train") > 0, "data.manifest ", options_.data.manifest,
              ": the train split is empty");
  MOE_REQUIRE(options_.train.global_batch_size % world_.size() == 0, "train.global_batch_size (",
              options_.train.global_batch_size, ") must be a multiple of the number of ranks (",
              world_.size(), ")");
  data::StreamingLoaderOptions loader_options;
  loader_options.split = "train";
  loader_options.global_batch_size = options_.train.global_batch_size;
  loader_options.rank = world_.rank();
  loader_options.world_size = world_.size();
  loader_options.seed = static_cast<uint64_t>(options_.run.seed);
  loader_options.mixing = data::parse_mixing_policy(options_.data.mixing);
  loader_options.temperature = options_.data.temperature;
  loader_options.shuffle_window_chunks = options_.data.shuffle_window_chunks;
  train_loader_ = std::make_unique<data::StreamingPairLoader>(manifest_, loader_options);

  load_evaluation_pairs();

  loss_kind_ = parse_loss_kind(options_.train.loss);
  if (options_.train.learned_scale) {
    loss_parameters_ = LossParameters::learned_scale(
        initial_learned_scale(loss_kind_, options_.train.scale), device);
  }
  optimizer_ = make_adamw(
      *model_->encoder(), options_.train.lr, options_.train.weight_decay,
      options_.train.learned_scale ? loss_parameters_.parameters() : std::vector<torch::Tensor>{});

  const std::string resume = choose_resume_checkpoint(options_.checkpoint.resume, options_.run.dir,
                                                      options_.checkpoint.name);
  if (!resume.empty()) {
    resume_from(resume);
    last_written_checkpoint_ = resume;
  }

  if (world_.rank() == 0) {
    for (const std::string& path : remove_unfinished_checkpoints(options_.run.dir))
      log::info("checkpoint",
                cat("removed ", path, ", left by a checkpoint write that was cut off"));
    std::filesystem::create_directories(options_.run.dir);
    // A resumed run continues the metrics of the run it resumes.
    const std::string metrics_path = options_.run.dir + "/metrics.jsonl";
    metrics_file_.open(metrics_path, resume.empty() ? std::ios::out | std::ios::trunc
                                                    : std::ios::out | std::ios::app);
    MOE_REQUIRE(metrics_file_.good(), "run.dir: cannot write ", metrics_path);
  }

  log::info("setup",
            cat("what will run:\n", format_run_table(run_facts(device, vocabulary.size()))));
}

double Trainer::train_step() {
  const double lr = learning_rate_at(step_, options_.train.steps, options_.train.warmup_steps,
                                     options_.train.lr, parse_lr_schedule(options_.train.schedule));
  for (auto& group : optimizer_->param_groups())
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);

  const std::vector<data::TokenPair> sampled = train_loader_->next_batch();
  for (const data::TokenPair& pair : sampled)
    local_tokens_ += static_cast<int64_t>(pair.a.size() + pair.b.size());
  // Dropout draws from a generator seeded by (seed, step, rank): a resumed run continues
  // with exactly the masks the uninterrupted run would have drawn.
  torch::manual_seed(step_seed(static_cast<uint64_t>(options_.run.seed), step_, world_.rank()));

  release_gradients(*optimizer_);
  ContrastiveStepOptions step_options;
  step_options.global_batch_size = options_.train.global_batch_size;
  step_options.scale = options_.train.scale;
  step_options.loss = loss_kind_;
  step_options.loss_parameters = loss_parameters_;
  step_options.mini_batch_size = options_.train.grad_cache_mini_batch;
  step_options.bf16_autocast = options_.train.precision == "bf16";
  step_options.same_domain_negatives = options_.train.same_domain_negatives;
  step_options.pad_id = pad_id_;
  step_options.router_loss_weight = options_.model.router_loss_weight;
  const ContrastiveStepResult result =
      contrastive_forward_backward(*model_, world_, sampled, step_options, examples_turn_);
  last_router_loss_ = result.router_loss;
  last_scale_ = result.scale;
  last_router_accuracy_ = result.router_accuracy;
  act_on_rank_faults(faults_, world_.rank(), step_ + 1);
  if (world_.rank() == 0 &&
      std::count(faults_.nonfinite_steps.begin(), faults_.nonfinite_steps.end(), step_ + 1) != 0)
    poison_one_gradient();
  last_grad_norm_ = model_->clip_gradients(options_.train.clip_grad_norm);
  last_lr_ = lr;
  if (any_rank_nonfinite(result.loss, last_grad_norm_))
    skip_nonfinite_step(result.loss, last_grad_norm_);
  else
    optimizer_->step();
  ++step_;
  return result.loss;
}

bool Trainer::any_rank_nonfinite(double loss, double grad_norm) {
  // Ranks can see different things (a fault after the gradients were summed leaves the other
  // ranks' norms finite): one summed flag makes the decision the same everywhere, as it must
  // be (a rank that alone stepped would leave the replicas apart for good).
  torch::Tensor flag =
      torch::tensor({std::isfinite(loss) && std::isfinite(grad_norm) ? 0.0 : 1.0}, torch::kFloat64);
  world_.all_reduce_sum(flag);  // CPU: over MPI also in NCCL mode
  return flag.item<double>() > 0.0;
}

void Trainer::skip_nonfinite_step(double loss, double grad_norm) {
  ++nonfinite_steps_;
  const std::string what = cat("step ", step_ + 1, ": loss ", loss, ", gradient norm ", grad_norm,
                               " (a NaN or infinity on at least one rank)");
  MOE_REQUIRE(nonfinite_steps_ <= options_.train.max_nonfinite_steps, what, "; that is ",
              nonfinite_steps_, " such steps, more than train.max_nonfinite_steps (",
              options_.train.max_nonfinite_steps, "): stopping without a checkpoint, so ",
              options_.run.dir, " keeps the last one written before the fault");
  log::warn("train", cat(what, ": skipped, no update (", nonfinite_steps_, " of at most ",
                         options_.train.max_nonfinite_steps, ")"));
}

void Trainer::poison_one_gradient() {
  torch::NoGradGuard no_grad;
  for (const torch::Tensor& p : model_->shared_parameters())
    if (p.grad().defined()) {
      p.mutable_grad().fill_(std::numeric_limits<double>::quiet_NaN());
      log::warn("train",
                cat("MOE_FAULT_NONFINITE_STEPS: a NaN put into a gradient at step ", step_ + 1));
      return;
    }
}

TrainingSummary Trainer::run() {
  TrainingSummary summary;
  const std::string split = config::to_string(options_.eval.split);
  if (before_.empty()) {
    log::info("eval", "evaluating before training");
    before_ = evaluate(split);
    log::info("eval", format_evaluation_table(before_, {}));
    if (world_.rank() == 0)
      write_metrics_line(evaluation_line(before_, step_, split, "before").dump());
  } else {
    log::info("eval", cat("the evaluation before training (", split,
                          ") comes from the resumed checkpoint"));
  }
  summary.before = before_;
  // A run that stopped early on the validation split stays stopped when it is run again.
  bool early_stopped = options_.eval.patience > 0 && stale_evaluations_ >= options_.eval.patience;

  model_->encoder()->train();
  model_->reset_communication_stats();
  const int64_t first_step = step_;
  const Clock::time_point start = Clock::now();
  Clock::time_point window_start = start;
  dist::CommunicationStats window_base = model_->communication_stats();
  int64_t window_first_step = step_;
  while (step_ < options_.train.steps && !early_stopped) {
    summary.final_loss = train_step();
    const bool last = step_ == options_.train.steps;
    if (step_ % options_.train.log_every == 0 || last) {
      const dist::CommunicationStats now = model_->communication_stats();
      dist::CommunicationStats window;
      window.seconds = now.seconds - window_base.seconds;
      window.bytes_sent = now.bytes_sent - window_base.bytes_sent;
      log_progress(summary.final_loss, step_ - window_first_step, seconds_since(window_start),
                   window);
      window_start = Clock::now();
      window_base = now;
      window_first_step = step_;
    }
    // Evaluate before a possible stop, so a resumed run keeps the same best.h5 choices.
    if (options_.eval.every > 0 && step_ % options_.eval.every == 0) {
      early_stopped = periodic_evaluation();
      model_->encoder()->train();
      if (early_stopped)
        log::info("train", cat("early stopping at step ", step_, ": no improvement on valid for ",
                               stale_evaluations_, " evaluations"));
    }
    const int signal = agreed_stop_signal();
    const bool out_of_turn = options_.run.stop_after_steps > 0 &&
                             step_ - first_step >= options_.run.stop_after_steps && !last;
    if (signal != 0 || out_of_turn) {
      summary.stopped_early = true;
      summary.stop_signal = signal;
      summary.checkpoint_path = step_checkpoint_path(options_.run.dir, step_);
      log::info("train", signal != 0 ? cat("signal ", signal, " received: stopping at step ", step_)
                                     : cat("run.stop_after_steps reached at step ", step_));
      save_required_checkpoint(summary.checkpoint_path);
      return summary;
    }
    if (options_.checkpoint.every > 0 && step_ % options_.checkpoint.every == 0 && !last &&
        !early_stopped && !save_checkpoint(step_checkpoint_path(options_.run.dir, step_)))
      log::info("checkpoint", cat("training goes on with its state in memory; the next checkpoint "
                                  "tries again"));
  }
  log::info("train", cat("trained ", step_ - first_step, " steps in ",
                         fixed(seconds_since(start), 1), " s"));

  summary.checkpoint_path = options_.run.dir + "/" + options_.checkpoint.name;
  save_required_checkpoint(summary.checkpoint_path);

  // The honest protocol evaluates the checkpoint chosen on the validation split.
  int64_t evaluated_step = step_;
  if (best_step_ >= 0 && best_step_ != step_) {
    const model::CheckpointContents best = model::read_checkpoint(best_checkpoint_path());
    model::load_parameters(*model_->encoder(), best.shared, best.experts,
                           model::SourceKind::same_layout, best_checkpoint_path());
    evaluated_step = best_step_;
    log::info("eval", cat("evaluating the best checkpoint on valid (step ", best_step_, ", ",
                          best_checkpoint_path(), ")"));
  } else {
    log::info("eval", "evaluating after training");
  }
  summary.after = evaluate(split);
  log::info("eval", format_evaluation_table(summary.before, summary.after));
  if (world_.rank() == 0)
    write_metrics_line(evaluation_line(summary.after, evaluated_step, split, "after").dump());
  write_evaluation_report(evaluated_step);
  return summary;
}

void Trainer::log_progress(double loss, int64_t steps_in_window, double window_seconds,
                           const dist::CommunicationStats& window_communication) {
  if (steps_in_window <= 0) return;
  // Collective (every rank logs at the same steps): real tokens of both sides, all ranks.
  const std::vector<int64_t> tokens = world_.all_gather_value(local_tokens_);
  local_tokens_ = 0;
  int64_t window_tokens = 0;
  for (int64_t t : tokens) window_tokens += t;
  const double per_step = window_seconds / steps_in_window;
  const double comm_per_step = window_communication.seconds / steps_in_window;
  nlohmann::json line = {{"step", step_},
                         {"loss", loss},
                         {"lr", last_lr_},
                         {"grad_norm", last_grad_norm_},
                         {"epoch", train_loader_->epoch()},
                         {"ms_per_step", 1000.0 * per_step},
                         {"compute_ms_per_step", 1000.0 * (per_step - comm_per_step)},
                         {"comm_ms_per_step", 1000.0 * comm_per_step},
                         {"tokens_per_s", window_tokens / window_seconds},
                         {"comm_bytes_per_step", window_communication.bytes_sent / steps_in_window},
                         {"samples_per_s", options_.train.global_batch_size / per_step}};
  if (options_.train.learned_scale) line["scale"] = last_scale_;
  if (options_.model.router) {
    line["router_loss"] = last_router_loss_;
    line["router_accuracy"] = last_router_accuracy_;
  }
  const double eta = (options_.train.steps - step_) * per_step;
  log::info("train",
            cat("step ", step_, "/", options_.train.steps, "  epoch ", train_loader_->epoch(),
                "  loss ", fixed(loss), "  lr ", fixed(last_lr_ * 1e3, 3), "e-3  grad ",
                fixed(last_grad_norm_, 3), "  ", fixed(1000.0 * per_step, 1), " ms/step (compute ",
                fixed(1000.0 * (per_step - comm_per_step), 1), " + comm ",
                fixed(1000.0 * comm_per_step, 1), " ms, ",
                window_communication.bytes_sent / steps_in_window / 1024, " KiB)  ",
                fixed(line["samples_per_s"].get<double>(), 0), " pairs/s  ",
                fixed(window_tokens / window_seconds, 0), " tokens/s  eta ", fixed(eta, 0), " s"));
  write_metrics_line(line.dump());
}

int Trainer::agreed_stop_signal() {
  // Any rank's signal stops all of them after the same step (the highest number wins, so
  // every rank reports the same one).
  const std::vector<int64_t> all = world_.all_gather_value(StopSignalHandler::received());
  return static_cast<int>(*std::max_element(all.begin(), all.end()));
}

void Trainer::write_metrics_line(const std::string& json_line) {
  if (!metrics_file_.is_open()) return;
  metrics_file_ << json_line << '\n';
  metrics_file_.flush();
  if (metrics_file_.good()) return;
  // A full disk must not stop training (the checkpoints say what they could not write), but
  // a metrics file with a hole in it must not go unnoticed either.
  log::warn("metrics", cat("cannot write to ", options_.run.dir,
                           "/metrics.jsonl (is its disk full?); its later lines are lost"));
  metrics_file_.close();
}

bool Trainer::save_checkpoint(const std::string& path) {
  model::CheckpointContents contents = model_->gather_checkpoint();
  TrainingCounters counters;
  counters.step = step_;
  counters.examples_turn = examples_turn_;
  counters.best_score = best_score_;
  counters.best_step = best_step_;
  counters.evaluations_without_improvement = stale_evaluations_;
  counters.nonfinite_steps = nonfinite_steps_;
  contents.training_state = gather_training_state(
      *model_, *optimizer_, train_loader_->state().encode(), counters, other_parameters());
  std::string failure;
  if (world_.rank() == 0) {
    if (!before_.empty()) contents.training_state[before_key()] = evaluation_rows(before_);
    contents.step = step_;
    contents.vocab_hash = manifest_.vocab_hash;
    contents.vocab_tokens = vocab_tokens_;
    contents.lowercase = manifest_.lowercase;
    contents.max_length = manifest_.max_length;
    contents.config_yaml = config_yaml_;
    try {
      model::write_checkpoint(path, contents, checkpoint_fault_hook(faults_, step_));
      log::info("checkpoint", cat("wrote ", path, " (step ", step_, ")"));
    } catch (const std::exception& e) {
      failure = e.what();
      log::warn("checkpoint", failure);
    }
    if (failure.empty()) {
      try {
        remove_old_step_checkpoints(options_.run.dir, options_.checkpoint.keep_last);
      } catch (const std::exception& e) {  // the new checkpoint is fine; say it and go on
        log::warn("checkpoint", cat(e.what(), "; the older checkpoints stay"));
      }
    }
  }
  // Every rank learns the outcome, and nobody leaves before the file is complete (a later
  // stage may read it at once).
  torch::Tensor failed = torch::tensor({failure.empty() ? 0.0 : 1.0}, torch::kFloat64);
  world_.all_reduce_sum(failed);  // CPU: over MPI also in NCCL mode
  if (failed.item<double>() > 0.0) return false;
  last_written_checkpoint_ = path;
  return true;
}

void Trainer::save_required_checkpoint(const std::string& path) {
  if (save_checkpoint(path)) return;
  throw Error(cat(
      "the checkpoint of step ", step_, " (", path, ") could not be written; ",
      last_written_checkpoint_.empty() ? std::string("no checkpoint of this run was written")
                                       : cat("the last one written is ", last_written_checkpoint_),
      ": fix the cause (rank 0 said it) and run the same command again to resume from it"));
}

std::string Trainer::before_key() const {
  return std::string("eval_before.") + config::to_string(options_.eval.split);
}

model::NamedTensors Trainer::other_parameters() const {
  if (!loss_parameters_.log_scale.defined()) return {};
  return {{"loss.log_scale", loss_parameters_.log_scale}};
}

void Trainer::resume_from(const std::string& path) {
  const model::CheckpointContents checkpoint = model::read_checkpoint(path);
  MOE_REQUIRE(checkpoint.vocab_hash == manifest_.vocab_hash, "checkpoint.resume: ", path,
              " was trained on another vocabulary than ", options_.data.manifest);
  MOE_REQUIRE(checkpoint.layout.domains == manifest_.domains, "checkpoint.resume: ", path,
              " has other domains than ", options_.data.manifest);
  model::load_parameters(*model_->encoder(), checkpoint.shared, checkpoint.experts,
                         model::SourceKind::same_layout, path);
  const RestoredTraining restored =
      restore_training_state(checkpoint, path, *model_, *optimizer_, other_parameters());
  step_ = restored.counters.step;
  examples_turn_ = restored.counters.examples_turn;
  best_score_ = restored.counters.best_score;
  best_step_ = restored.counters.best_step;
  stale_evaluations_ = restored.counters.evaluations_without_improvement;
  nonfinite_steps_ = restored.counters.nonfinite_steps;
  train_loader_->restore(data::StreamingPairLoader::State::decode(restored.loader_state));
  const auto before = checkpoint.training_state.find(before_key());
  if (before != checkpoint.training_state.end())
    before_ = evaluations_from_rows(manifest_.domains, before->second);
  // Every rank must continue from the same point (a checkpoint visible on some nodes only
  // would otherwise train different models without an error).
  const std::vector<int64_t> steps = world_.all_gather_value(step_);
  MOE_REQUIRE(std::all_of(steps.begin(), steps.end(), [&](int64_t s) { return s == step_; }),
              "checkpoint.resume: the ranks found different checkpoints (steps differ); is ",
              options_.run.dir, " on a file system every node shares?");
  log::info("setup", cat("resumed from ", path, " at step ", step_, " of ", options_.train.steps));
}

RunFacts Trainer::run_facts(const torch::Device& device, int64_t vocabulary) const {
  RunFacts f;
  f.ranks = world_.size();
  f.device = dist::describe_device(device);
  f.hosts = dist::describe_host_map(world_.hosts());
  f.global_batch = options_.train.global_batch_size;
  f.steps = options_.train.steps;
  f.warmup_steps = options_.train.warmup_steps;
  f.lr = options_.train.lr;
  f.schedule = options_.train.schedule;
  f.loss = cat(options_.train.loss, options_.train.learned_scale ? " (learned scale)" : "",
               options_.train.grad_cache_mini_batch > 0
                   ? cat(", GradCache chunks of ", options_.train.grad_cache_mini_batch)
                   : "");
  f.dispatch = config::to_string(options_.dist.dispatch);
  const model::BertConfig& config = model_->encoder()->config();
  f.hidden = config.hidden_size;
  f.layers = config.num_layers;
  f.heads = config.num_heads;
  f.vocabulary = vocabulary;
  const model::EncoderLayout& layout = model_->encoder()->layout();
  for (size_t i = 0; i < layout.expert_layers.size(); ++i)
    f.expert_layers += cat(i > 0 ? "," : "", layout.expert_layers[i]);
  std::string one_expert;
  for (const auto& [name, parameter] : model_->named_parameters()) {
    if (name.expert.empty()) {
      f.shared_parameters += parameter.numel();
    } else {
      if (one_expert.empty()) one_expert = name.expert;
      if (name.expert == one_expert) f.parameters_per_expert += parameter.numel();
    }
  }
  for (size_t d = 0; d < manifest_.domains.size(); ++d) {
    const std::string& domain = manifest_.domains[d];
    DomainCounts counts;
    counts.name = domain;
    counts.train = manifest_.count("train", domain);
    counts.valid = manifest_.count("valid", domain);
    counts.test = manifest_.count("test", domain);
    if (model_->mixture_of_experts())
      for (int rank : model_->placement().ranks_of(static_cast<int>(d)))
        counts.ranks += cat(counts.ranks.empty() ? "" : ",", rank);
    f.domains.push_back(std::move(counts));
  }
  return f;
}

}  // namespace moe::train
