// moe_train's options: the declaration table (the single source of its --help, docs/CONFIG.md
// and YAML keys) and the typed struct the trainer reads after cross-key checks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/option_table.h"

namespace moe::config {

// Every key moe_train accepts, with type, default, range and help.
OptionTable train_option_table();

// How tokens reach the experts of other ranks (dist.dispatch).
enum class DispatchMode { kData, kLayer };
// Which split the final evaluation reads (eval.split).
enum class EvalSplit { kValid, kTest };

// "data"/"layer" and "valid"/"test", as written in the config.
const char* to_string(DispatchMode mode);
const char* to_string(EvalSplit split);

// The resolved moe_train configuration with C++ types; field names follow the keys.
struct TrainOptions {
  struct Run {
    std::string dir;
    std::int64_t seed = 0;
    int stop_after_steps = 0;  // 0: no limit
  } run;
  struct Data {
    std::string manifest;
    std::vector<std::string> domains;  // empty: every domain of the manifest
    std::string mixing;                // proportional, uniform, temperature or balanced
    double temperature = 0;
    int shuffle_window_chunks = 0;
  } data;
  struct Model {
    int hidden_size = 0;
    int num_layers = 0;
    int num_heads = 0;
    int intermediate_size = 0;
    int max_position_embeddings = 0;
    double dropout = 0;
    double layer_norm_eps = 0;
    bool mixture_of_experts = true;  // false: one dense model for all domains
    std::string init_from;           // Hugging Face model folder, or empty
    std::string expert_layers;       // "all", "middle" or "0,5,11"
    bool domain_tokens = true;
    bool router = false;
    double router_loss_weight = 0;
    std::string pooling;  // mean or cls
    bool projection_head = false;
    int projection_size = 0;
    bool normalize = false;
    std::string attention;  // eager or fused
  } model;
  struct Train {
    int steps = 0;
    int global_batch_size = 0;  // pairs per step over all ranks
    double lr = 0;
    double weight_decay = 0;
    int warmup_steps = 0;
    std::string loss;  // mnr, mnr_symmetric or mnr_plus
    double scale = 0;  // MNR loss cosine scale
    bool learned_scale = false;
    int grad_cache_mini_batch = 0;       // 0: off
    bool same_domain_negatives = false;  // train.negatives: same_domain
    double clip_grad_norm = 0;           // 0: no clipping
    std::string schedule;                // linear, cosine or constant
    std::string precision;               // fp32 or bf16 (CUDA autocast)
    int log_every = 0;
    int max_nonfinite_steps = 0;  // skipped NaN/Inf steps tolerated per run
  } train;
  struct Dist {
    DispatchMode dispatch = DispatchMode::kData;
    double timeout_s = 0;            // collective hang detector (MPI and NCCL)
    double heartbeat_timeout_s = 0;  // a peer silent this long is lost; 0: not checked
  } dist;
  struct Eval {
    EvalSplit split = EvalSplit::kTest;
    int batch_size = 0;
    int every = 0;     // steps between valid evaluations; 0: none
    int patience = 0;  // evaluations without improvement before stopping; 0: never
    bool cross_domain = true;
  } eval;
  struct Checkpoint {
    std::string name;    // final checkpoint, inside run.dir
    int every = 0;       // steps between step-<N>.h5 checkpoints; 0: none
    int keep_last = 0;   // step checkpoints kept
    std::string resume;  // auto, never or a path
  } checkpoint;
  struct Runtime {
    int threads_per_rank = 0;  // 0: chosen from the cores available to each rank
    std::string device;        // auto, cpu or cuda
  } runtime;

  // Reads a Config resolved against train_option_table() and checks the rules that involve
  // several keys (model.num_heads divides model.hidden_size, train.warmup_steps <=
  // train.steps, model.max_position_embeddings >= 2); throws moe::Error naming both keys,
  // all violations one per line.
  static TrainOptions from_config(const Config& config);
};

}  // namespace moe::config
