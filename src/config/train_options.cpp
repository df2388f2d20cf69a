// moe_train's option declarations and their conversion to TrainOptions (train_options.h).
#include "config/train_options.h"

#include <limits>
#include <sstream>
#include <vector>

#include "common/error.h"

namespace moe::config {
namespace {

// Upper bounds keep every int option inside TrainOptions' int fields.
constexpr double kMaxCount = 1e9;
constexpr double kMaxWidth = 1 << 20;

int get_int32(const Config& config, const char* key) {
  const std::int64_t value = config.get_int(key);
  MOE_REQUIRE(value >= std::numeric_limits<int>::min() && value <= std::numeric_limits<int>::max(),
              key, ": ", value, " does not fit in a 32-bit int");
  return static_cast<int>(value);
}

// "a, b,c" -> {"a", "b", "c"}; "" -> {}.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    const size_t first = item.find_first_not_of(" \t");
    const size_t last = item.find_last_not_of(" \t");
    items.push_back(first == std::string::npos ? "" : item.substr(first, last - first + 1));
  }
  return items;
}

}  // namespace

OptionTable train_option_table() {
  OptionTable t;
  t.add_string("run.dir", "runs/quickstart", "Output directory for checkpoints and logs.")
      .non_empty();
  t.add_int("run.seed", 1234, "Seed for initialization, shuffling and dropout.").at_least(0);
  t.add_int("run.stop_after_steps", 0,
            "End this run after this many steps of its own (a checkpoint is written; a "
            "rerun resumes), e.g. to fit a scheduler's time slot; 0: run to train.steps.")
      .at_least(0)
      .at_most(kMaxCount);

  t.add_string("data.manifest", "", "manifest.json written by moe_prep.").required().non_empty();
  t.add_string("data.domains", "",
               "Comma-separated domains of the manifest to train and evaluate on (in this "
               "order); empty: all. One domain with model.mixture_of_experts false is the "
               "paper's single-domain model.");
  t.add_choice("data.mixing", {"proportional", "uniform", "temperature", "balanced"},
               "proportional",
               "How training batches mix domains: in proportion to their sizes, uniformly, "
               "with probability proportional to size^(1/data.temperature), or balanced (every "
               "batch holds each domain equally often, which keeps data dispatch's expert ranks "
               "equally busy).");
  t.add_float("data.temperature", 2.0, "Temperature of data.mixing=temperature.").greater_than(0);
  t.add_int("data.shuffle_window_chunks", 8,
            "Chunks of 1024 pairs shuffled together by the streaming loader (memory vs "
            "shuffle quality).")
      .at_least(1)
      .at_most(4096);

  t.add_int("model.hidden_size", 64, "Width of token embeddings and hidden states.")
      .at_least(1)
      .at_most(kMaxWidth);
  t.add_int("model.num_layers", 2, "Number of transformer encoder layers.")
      .at_least(1)
      .at_most(1024);
  t.add_int("model.num_heads", 4, "Attention heads per layer; must divide model.hidden_size.")
      .at_least(1)
      .at_most(1024);
  t.add_int("model.intermediate_size", 128, "Width of each feed-forward block.")
      .at_least(1)
      .at_most(kMaxWidth);
  t.add_int("model.max_position_embeddings", 128,
            "Longest input in tokens (includes the special tokens).")
      .at_least(2)
      .at_most(kMaxWidth);
  t.add_float("model.dropout", 0.1, "Dropout probability in training.").at_least(0).less_than(1);
  t.add_float("model.layer_norm_eps", 1e-12, "Epsilon of every layer norm.").greater_than(0);
  t.add_bool("model.mixture_of_experts", true,
             "true: one feed-forward expert per domain in model.expert_layers; false: one dense "
             "model for all domains.");
  t.add_string("model.init_from", "",
               "Hugging Face BERT model folder (config.json, model.safetensors or "
               "pytorch_model.bin, vocab.txt) to start from; empty: random initialisation. Its "
               "config.json fixes the architecture (leave the model size keys unset), and the "
               "data must be tokenized with its vocab.txt.");
  t.add_string("model.expert_layers", "all",
               "Layers whose feed-forward block becomes one expert per domain: all, middle "
               "(layer num_layers/2), or a comma-separated list of 0-based indices (\"0,5,11\").");
  t.add_bool("model.domain_tokens", true,
             "One learned token per domain, initialised from [CLS], replaces [CLS] at position 0.");
  t.add_bool("model.router", false,
             "Learn a linear router on the mean-pooled embedding output that predicts the domain "
             "(cross-entropy against the domain label); it picks the expert when no domain is "
             "given.");
  t.add_float("model.router_loss_weight", 1.0, "Weight of the router's cross-entropy in the loss.")
      .at_least(0);
  t.add_choice("model.pooling", {"mean", "cls"}, "mean",
               "Sentence embedding: mean over non-padding tokens, or the [CLS] position's state.");
  t.add_bool("model.projection_head", false,
             "Add the 2025 paper's head after pooling: LayerNorm -> Linear -> tanh -> Linear.");
  t.add_int("model.projection_size", 0, "Output width of the projection head; 0: hidden size.")
      .at_least(0)
      .at_most(kMaxWidth);
  t.add_bool("model.normalize", false, "L2-normalise sentence embeddings.");
  t.add_choice("model.attention", {"eager", "fused"}, "eager",
               "Attention kernel: eager (Hugging Face's eager path, operation for operation) or "
               "fused (LibTorch's scaled-dot-product attention; flash/memory-efficient kernels on "
               "GPUs).");

  t.add_int("train.steps", 300, "Optimizer steps.").at_least(1).at_most(kMaxCount);
  t.add_int("train.global_batch_size", 64, "Pairs per step over all ranks.")
      .at_least(1)
      .at_most(kMaxWidth);
  t.add_float("train.lr", 1e-3, "Peak learning rate.").greater_than(0);
  t.add_float("train.weight_decay", 0.01, "AdamW weight decay.").at_least(0);
  t.add_int("train.warmup_steps", 20, "Steps of linear learning-rate warm-up; <= train.steps.")
      .at_least(0)
      .at_most(kMaxCount);
  t.add_choice("train.loss", {"mnr", "mnr_symmetric", "mnr_plus"}, "mnr",
               "Contrastive loss: mnr = Multiple Negatives Ranking (cosine x train.scale, anchor "
               "-> positives); mnr_symmetric = mean of both directions; mnr_plus = the paper's "
               "2025 default (raw dot products, both directions, targets from the pairs' own "
               "similarities).");
  t.add_float("train.scale", 20.0, "Cosine-similarity scale of the MNR loss.").greater_than(0);
  t.add_bool("train.learned_scale", false,
             "Learn the logits' scale (the 2024 paper's learned temperature; starts at "
             "train.scale, or at 1/0.7 for mnr_plus; capped at 100).");
  t.add_int("train.grad_cache_mini_batch", 0,
            "GradCache: embed each rank's pairs in chunks of this many without keeping "
            "activations, then back-propagate chunk by chunk; the same gradients as one "
            "forward pass with a fraction of the memory. 0: off.")
      .at_least(0)
      .at_most(kMaxWidth);
  t.add_choice("train.negatives", {"all", "same_domain"}, "all",
               "In-batch negatives of an anchor: all = every other pair of the global batch "
               "(all ranks, all domains, as the paper's joint training); same_domain = only "
               "pairs of the anchor's domain.");
  t.add_choice("train.schedule", {"linear", "cosine", "constant"}, "linear",
               "Learning rate after the linear warm-up: linear decay to 0, half-cosine decay to "
               "0, or constant.");
  t.add_choice("train.precision", {"fp32", "bf16"}, "fp32",
               "bf16: bfloat16 autocast for the training forward pass on CUDA (float32 "
               "parameters, optimizer state and gradients; evaluation stays float32); needs "
               "runtime.device cuda.");
  t.add_float("train.clip_grad_norm", 1.0, "Clip the gradient norm to this; 0 turns it off.")
      .at_least(0);
  t.add_int("train.log_every", 20, "Print a progress line every this many steps.")
      .at_least(1)
      .at_most(kMaxCount);
  t.add_int("train.max_nonfinite_steps", 3,
            "A step whose loss or gradient norm is NaN or infinite (on any rank) is skipped on "
            "every rank: no update, its batch used up. After more than this many such steps in "
            "a run, training stops with an error and the checkpoints on disk stay as they were "
            "(0: stop at the first).")
      .at_least(0)
      .at_most(kMaxCount);

  t.add_choice("dist.dispatch", {"data", "layer"}, "data",
               "How work reaches experts on other ranks: data = each example moves once to a "
               "rank holding its expert and the whole model runs there (one small exchange per "
               "step); layer = in every expert layer each token's hidden state goes to its "
               "expert's rank and back (two all-to-alls per expert layer; needed when routing "
               "can differ per layer).");
  t.add_float("dist.timeout_s", 600.0,
              "Seconds a collective (MPI or NCCL) may take before the job is ended with a "
              "message naming the operation (a hang detector: a stalled rank, or a dead rank on "
              "another host, ends every rank; a dead rank on the same host is seen at once). "
              "Keep it well above the longest step, evaluation or checkpoint write.")
      .greater_than(0);
  t.add_float("dist.heartbeat_timeout_s", 10.0,
              "Seconds without a heartbeat from a rank (every rank sends every other one twice "
              "a second over UDP, beside MPI and NCCL) after which a rank waiting for it in a "
              "collective ends the job, naming it: its host is down or the network to it is "
              "cut. Shorter network glitches are ridden out. 0 turns the check off (hangs are "
              "then caught by dist.timeout_s alone).")
      .at_least(0);
  t.add_choice("eval.split", {"valid", "test"}, "test",
               "Split of the before/after table (F1max threshold tuned on it, as in the paper). "
               "run.dir/evaluation.md reports both protocols whatever this says.");
  t.add_int("eval.every", 0,
            "Evaluate on the valid split every this many steps, keeping the best model as "
            "run.dir/best.h5 (the one the final report evaluates); 0: only before and after.")
      .at_least(0)
      .at_most(kMaxCount);
  t.add_int("eval.patience", 0,
            "Stop when this many evaluations in a row (eval.every) did not improve the "
            "weighted valid F1max; 0: never stop early.")
      .at_least(0)
      .at_most(kMaxCount);
  t.add_bool("eval.cross_domain", true,
             "In the final report, also evaluate each domain's model path on every other "
             "domain's test pairs (models with experts or domain tokens).");
  t.add_int("eval.batch_size", 64, "Pairs per evaluation batch on each rank.")
      .at_least(1)
      .at_most(kMaxWidth);
  t.add_string("checkpoint.name", "checkpoint.h5",
               "File name (inside run.dir) of the checkpoint written when training ends.")
      .non_empty();
  t.add_int("checkpoint.every", 500,
            "Write run.dir/step-<N>.h5 every this many steps (with the optimizer and loader "
            "state, so training can resume from it); 0: only at the end.")
      .at_least(0)
      .at_most(kMaxCount);
  t.add_int("checkpoint.keep_last", 2, "How many step-<N>.h5 checkpoints to keep (oldest go).")
      .at_least(1)
      .at_most(kMaxCount);
  t.add_string("checkpoint.resume", "auto",
               "auto: continue from the newest checkpoint in run.dir when there is one (what a "
               "requeued job needs); never: always start afresh (existing checkpoints are "
               "overwritten as training reaches them); or the path of a checkpoint to continue "
               "from.")
      .non_empty();
  t.add_int("runtime.threads_per_rank", 0, "CPU threads per rank; 0 picks automatically.")
      .at_least(0)
      .at_most(4096);
  t.add_choice("runtime.device", {"auto", "cpu", "cuda"}, "auto",
               "Where each rank computes: cuda = the GPU of its local rank (collectives over "
               "NCCL; needs a CUDA build); cpu = CPU (collectives over MPI); auto = cuda when "
               "this build has CUDA and a GPU is visible, else cpu.");
  return t;
}

const char* to_string(DispatchMode mode) {
  switch (mode) {
    case DispatchMode::kData:
      return "data";
    case DispatchMode::kLayer:
      return "layer";
  }
  return "?";
}

const char* to_string(EvalSplit split) { return split == EvalSplit::kValid ? "valid" : "test"; }

TrainOptions TrainOptions::from_config(const Config& c) {
  TrainOptions o;
  o.run.dir = c.get_string("run.dir");
  o.run.seed = c.get_int("run.seed");
  o.data.manifest = c.get_string("data.manifest");
  o.data.mixing = c.get_string("data.mixing");
  o.data.domains = split_list(c.get_string("data.domains"));
  o.data.temperature = c.get_float("data.temperature");
  o.data.shuffle_window_chunks = static_cast<int>(c.get_int("data.shuffle_window_chunks"));

  o.model.hidden_size = get_int32(c, "model.hidden_size");
  o.model.num_layers = get_int32(c, "model.num_layers");
  o.model.num_heads = get_int32(c, "model.num_heads");
  o.model.intermediate_size = get_int32(c, "model.intermediate_size");
  o.model.max_position_embeddings = get_int32(c, "model.max_position_embeddings");
  o.model.dropout = c.get_float("model.dropout");
  o.model.layer_norm_eps = c.get_float("model.layer_norm_eps");
  o.model.mixture_of_experts = c.get_bool("model.mixture_of_experts");
  o.model.init_from = c.get_string("model.init_from");
  o.model.expert_layers = c.get_string("model.expert_layers");
  o.model.domain_tokens = c.get_bool("model.domain_tokens");
  o.model.router = c.get_bool("model.router");
  o.model.router_loss_weight = c.get_float("model.router_loss_weight");
  o.model.pooling = c.get_string("model.pooling");
  o.model.projection_head = c.get_bool("model.projection_head");
  o.model.projection_size = get_int32(c, "model.projection_size");
  o.model.normalize = c.get_bool("model.normalize");
  o.model.attention = c.get_string("model.attention");

  o.train.steps = get_int32(c, "train.steps");
  o.train.global_batch_size = get_int32(c, "train.global_batch_size");
  o.train.lr = c.get_float("train.lr");
  o.train.weight_decay = c.get_float("train.weight_decay");
  o.train.warmup_steps = get_int32(c, "train.warmup_steps");
  o.train.loss = c.get_string("train.loss");
  o.train.scale = c.get_float("train.scale");
  o.train.learned_scale = c.get_bool("train.learned_scale");
  o.train.grad_cache_mini_batch = get_int32(c, "train.grad_cache_mini_batch");
  o.train.same_domain_negatives = c.get_string("train.negatives") == "same_domain";
  o.train.clip_grad_norm = c.get_float("train.clip_grad_norm");
  o.train.max_nonfinite_steps = c.get_int("train.max_nonfinite_steps");
  o.train.schedule = c.get_string("train.schedule");
  o.train.precision = c.get_string("train.precision");
  o.train.log_every = get_int32(c, "train.log_every");

  o.dist.dispatch =
      c.get_string("dist.dispatch") == "layer" ? DispatchMode::kLayer : DispatchMode::kData;
  o.eval.split = c.get_string("eval.split") == "valid" ? EvalSplit::kValid : EvalSplit::kTest;
  o.eval.batch_size = get_int32(c, "eval.batch_size");
  o.eval.every = get_int32(c, "eval.every");
  o.eval.patience = get_int32(c, "eval.patience");
  o.eval.cross_domain = c.get_bool("eval.cross_domain");
  o.checkpoint.name = c.get_string("checkpoint.name");
  o.checkpoint.every = get_int32(c, "checkpoint.every");
  o.checkpoint.keep_last = get_int32(c, "checkpoint.keep_last");
  o.checkpoint.resume = c.get_string("checkpoint.resume");
  o.run.stop_after_steps = get_int32(c, "run.stop_after_steps");
  o.runtime.threads_per_rank = get_int32(c, "runtime.threads_per_rank");
  o.runtime.device = c.get_string("runtime.device");
  o.dist.timeout_s = c.get_float("dist.timeout_s");
  o.dist.heartbeat_timeout_s = c.get_float("dist.heartbeat_timeout_s");

  std::vector<std::string> problems;
  if (!o.model.init_from.empty()) {
    // The pretrained config.json decides these; a value set here would be silently ignored.
    for (const char* key :
         {"model.hidden_size", "model.num_layers", "model.num_heads", "model.intermediate_size",
          "model.max_position_embeddings", "model.layer_norm_eps"})
      if (c.source(key) != Source::kDefault)
        problems.push_back(cat(key, " is set (", source_name(c.source(key)),
                               ") but model.init_from takes the architecture from ",
                               o.model.init_from, "/config.json; remove it"));
  }
  for (const std::string& domain : o.data.domains)
    if (domain.empty()) problems.push_back("data.domains: an empty name in the list");
  if (o.eval.patience > 0 && o.eval.every == 0)
    problems.push_back("eval.patience is set but eval.every is 0 (no evaluation to stop on)");
  if (o.model.projection_size > 0 && !o.model.projection_head)
    problems.push_back("model.projection_size is set but model.projection_head is false");
  if (o.model.hidden_size % o.model.num_heads != 0)
    problems.push_back(cat("model.num_heads (", o.model.num_heads,
                           ") must divide model.hidden_size (", o.model.hidden_size, ")"));
  if (o.train.warmup_steps > o.train.steps)
    problems.push_back(cat("train.warmup_steps (", o.train.warmup_steps,
                           ") must be <= train.steps (", o.train.steps, ")"));
  // The table's bound already enforces this for configs it resolved; kept for the struct's
  // own guarantee.
  if (o.model.max_position_embeddings < 2)
    problems.push_back(
        cat("model.max_position_embeddings (", o.model.max_position_embeddings, ") must be >= 2"));
  std::string message;
  for (const std::string& problem : problems) message += (message.empty() ? "" : "\n") + problem;
  MOE_REQUIRE(problems.empty(), message);
  return o;
}

}  // namespace moe::config
