// moe_bench: the training step of moe_train on a synthetic workload, with an interface other
// implementations of the same step can copy (bench/python/eager_step.py does), so the two
// are compared side by side on one machine:
//   moe_bench --hidden 256 --layers 4 --heads 4 --intermediate 1024 --vocab 30522 --seq 128
//             --batch 32 --experts 1 --steps 30 --warmup-steps 5 --threads 2 --seed 0
//             --dropout 0.1 [--dispatch data|layer] [--attention eager|fused]
//             [--matmul onednn|aten] [--domains random|balanced] [--ranks-note TEXT]
//             [--device cpu|cuda|auto] [--precision fp32|bf16] [--peak-tflops X]
// Per step: --batch anchor and --batch positive texts (the global batch over all ranks) of
// random token ids, lengths uniform in [seq/2, seq], right-padded to the longest text of the
// batch; domains uniform over the experts (1: a dense model; --domains balanced: each expert
// exactly batch/experts pairs, as data.mixing=balanced gives moe_train); mean pooling; MNR loss
// (cosine x 20) against every pair of the global batch; AdamW (lr 2e-5, weight decay 0.01, none on
// biases and LayerNorm), linear warm-up over --warmup-steps, global-norm clipping at 1.0.
// Every batch is made before timing; --warmup-steps untimed steps, then --steps timed ones.
// Prints one line (rank 0, global rates):
//   samples_per_s=... tokens_per_s=... step_ms=... loss=... peak_rss_mb=...
// samples are pairs; tokens the non-padding tokens of both sides; peak_rss_mb the largest
// peak resident set over the ranks. On stderr it also gives the model FLOPs per step, the
// rate achieved and, with --peak-tflops, the model FLOPs utilisation (model_flops.h).
#include <sys/resource.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>

#include "common/error.h"
#include "common/openmp_wait_policy.h"
#include "data/domain_mixing.h"
#include "dist/device_choice.h"
#include "dist/device_communicator.h"
#include "dist/mpi_communicator.h"
#include "dist/mpi_environment.h"
#include "model/cpu_matmul.h"
#include "model/model_flops.h"
#include "model/self_attention.h"
#include "train/contrastive_step.h"
#include "train/expert_parallel_model.h"
#include "train/learning_rate_schedule.h"
#include "train/optimizer_setup.h"

namespace po = boost::program_options;

namespace {

struct BenchOptions {
  int64_t hidden = 256, layers = 4, heads = 4, intermediate = 1024, vocab = 30522, seq = 128;
  int64_t batch = 32, experts = 1, steps = 30, warmup_steps = 5;
  int threads = 2;
  uint64_t seed = 0;
  double dropout = 0.1, peak_tflops = 0.0;
  std::string dispatch = "data", attention = "eager", ranks_note, profile;
  std::string device = "cpu", precision = "fp32";
  std::string matmul = moe::model::to_string(moe::model::cpu_matmul()), domains = "random";
};

BenchOptions parse(int argc, char** argv) {
  BenchOptions o;
  po::options_description options("moe_bench options");
  options.add_options()("help,h", "show this help")(
      "hidden", po::value(&o.hidden)->default_value(o.hidden), "hidden size")(
      "layers", po::value(&o.layers)->default_value(o.layers), "encoder layers")(
      "heads", po::value(&o.heads)->default_value(o.heads), "attention heads")(
      "intermediate", po::value(&o.intermediate)->default_value(o.intermediate),
      "feed-forward width")("vocab", po::value(&o.vocab)->default_value(o.vocab),
                            "vocabulary size")("seq", po::value(&o.seq)->default_value(o.seq),
                                               "longest text in tokens")(
      "batch", po::value(&o.batch)->default_value(o.batch), "pairs per step (all ranks)")(
      "experts", po::value(&o.experts)->default_value(o.experts),
      "domain experts in every layer (1: dense)")(
      "steps", po::value(&o.steps)->default_value(o.steps), "timed steps")(
      "warmup-steps", po::value(&o.warmup_steps)->default_value(o.warmup_steps),
      "untimed steps first (also the learning-rate warm-up)")(
      "threads", po::value(&o.threads)->default_value(o.threads), "intra-op threads per rank")(
      "seed", po::value(&o.seed)->default_value(o.seed), "seed of weights and batches")(
      "dropout", po::value(&o.dropout)->default_value(o.dropout), "hidden and attention dropout")(
      "dispatch", po::value(&o.dispatch)->default_value(o.dispatch),
      "data (examples travel to experts) or layer (tokens travel in each expert layer)")(
      "attention", po::value(&o.attention)->default_value(o.attention), "eager or fused")(
      "matmul", po::value(&o.matmul)->default_value(o.matmul),
      "CPU matrix products: onednn (oneDNN's kernels, where built) or aten (LibTorch's BLAS)")(
      "domains", po::value(&o.domains)->default_value(o.domains),
      "random (each pair's expert drawn uniformly) or balanced (each expert batch/experts pairs "
      "per step, in random positions)")("ranks-note", po::value(&o.ranks_note),
                                        "free text echoed on stderr (labels a run)")(
      "device", po::value(&o.device)->default_value(o.device),
      "cpu, cuda (GPU local rank, NCCL between ranks) or auto")(
      "precision", po::value(&o.precision)->default_value(o.precision),
      "fp32, or bf16 (autocast on CUDA; float32 weights, gradients and optimizer)")(
      "peak-tflops", po::value(&o.peak_tflops)->default_value(o.peak_tflops),
      "the device's peak dense TFLOP/s at this precision, to report model FLOPs utilisation "
      "(0: not reported)")(
      "profile", po::value(&o.profile),
      "write LibTorch's operator trace of the timed steps on rank 0 to this file (Chrome trace "
      "JSON; bench/python/profile_summary.py tabulates it); slows the steps");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, options), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << options;
    std::exit(0);
  }
  MOE_REQUIRE(o.seq >= 4 && o.batch >= 1 && o.experts >= 1 && o.steps >= 1 && o.warmup_steps >= 0 &&
                  o.threads >= 1 && o.hidden % o.heads == 0,
              "moe_bench: need --seq >= 4, positive --batch, --experts, --steps, --threads, "
              "--warmup-steps >= 0 and --heads dividing --hidden");
  MOE_REQUIRE(o.dispatch == "data" || o.dispatch == "layer", "--dispatch: data or layer");
  MOE_REQUIRE(o.dropout >= 0.0 && o.dropout < 1.0, "--dropout: a probability in [0, 1)");
  MOE_REQUIRE(o.domains == "random" || o.domains == "balanced", "--domains: random or balanced");
  MOE_REQUIRE(o.attention == "eager" || o.attention == "fused", "--attention: eager or fused");
  MOE_REQUIRE(o.matmul == "onednn" || o.matmul == "aten", "--matmul: onednn or aten");
  MOE_REQUIRE(o.device == "cpu" || o.device == "cuda" || o.device == "auto",
              "--device: cpu, cuda or auto");
  MOE_REQUIRE(o.precision == "fp32" || o.precision == "bf16", "--precision: fp32 or bf16");
  MOE_REQUIRE(o.peak_tflops >= 0.0, "--peak-tflops: a rate in TFLOP/s, or 0");
  moe::model::set_cpu_matmul(moe::model::parse_cpu_matmul(o.matmul));
  return o;
}

// Rank 0's time per timed step by phase: the step's own (contrastive_step.h) and the
// optimizer's, with the collectives inside them totalled apart.
struct PhaseTotals {
  moe::train::StepPhaseSeconds step;
  double clip = 0.0, optimizer = 0.0;

  void print(int64_t steps, double seconds, const moe::dist::CommunicationStats& comm) const {
    const double ms = 1000.0 / static_cast<double>(steps);
    const double named = step.total() + clip + optimizer;
    std::fprintf(stderr,
                 "[moe_bench] ms/step by phase (rank 0): exchange=%.1f forward=%.1f loss=%.1f "
                 "backward=%.1f gradient_sync=%.1f clip=%.1f optimizer=%.1f other=%.1f; "
                 "collectives inside them=%.1f ms, %.1f KiB sent\n",
                 ms * step.exchange, ms * step.forward, ms * step.loss, ms * step.backward,
                 ms * step.gradient_sync, ms * clip, ms * optimizer, ms * (seconds - named),
                 ms * comm.seconds,
                 static_cast<double>(comm.bytes_sent) / 1024.0 / static_cast<double>(steps));
  }
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The step's global batch: the same on every rank (one seed), each rank takes its slice.
struct GlobalBatch {
  std::vector<moe::data::TokenPair> pairs;
  int64_t tokens = 0;  // non-padding tokens of both sides
};

GlobalBatch make_batch(const BenchOptions& o, std::mt19937_64& rng) {
  std::uniform_int_distribution<int64_t> length(o.seq / 2, o.seq);
  std::uniform_int_distribution<int32_t> token(5, static_cast<int32_t>(o.vocab - 1));
  std::uniform_int_distribution<int32_t> domain(0, static_cast<int32_t>(o.experts - 1));
  GlobalBatch batch;
  const std::vector<int32_t> balanced =
      o.domains == "balanced"
          ? moe::data::stratified_batch_domains(
                std::vector<double>(static_cast<size_t>(o.experts), 1.0 / o.experts), rng(), 0,
                o.batch)
          : std::vector<int32_t>();
  auto text = [&] {
    std::vector<int32_t> ids(static_cast<size_t>(length(rng)));
    for (int32_t& id : ids) id = token(rng);
    ids.front() = 2;  // [CLS]
    ids.back() = 3;   // [SEP]
    batch.tokens += static_cast<int64_t>(ids.size());
    return ids;
  };
  for (int64_t i = 0; i < o.batch; ++i) {
    moe::data::TokenPair pair;
    pair.a = text();
    pair.b = text();
    pair.label = 1.0f;
    pair.domain = balanced.empty() ? domain(rng) : balanced[static_cast<size_t>(i)];
    batch.pairs.push_back(std::move(pair));
  }
  return batch;
}

// Clocks read on the host: a GPU's queued work must finish first.
void wait_for_device(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

}  // namespace

int main(int argc, char** argv) {
  moe::use_passive_openmp_wait(argv);  // before any thread starts (openmp_wait_policy.h)
  moe::dist::MpiEnvironment mpi(&argc, &argv);
  try {
    const BenchOptions o = parse(argc, argv);
    const torch::Device device = moe::dist::choose_device(o.device, mpi.local_rank(), "--device");
    MOE_REQUIRE(o.precision == "fp32" || device.is_cuda(), "--precision bf16 needs a CUDA device (",
                "--device ", o.device, " gave ", device.str(), ")");
    auto mpi_world = moe::dist::MpiCommunicator::world();
    // CUDA tensors over NCCL, as moe_train does; a collective stuck for 10 minutes ends the job.
    auto world = moe::dist::make_device_communicator(*mpi_world, device, 600.0);
    MOE_REQUIRE(o.batch % world->size() == 0, "--batch ", o.batch,
                " must be a multiple of the ranks (", world->size(), ")");
    if (mpi.rank() == 0) {  // the settings that move the numbers, for the record
      const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
      std::fprintf(stderr,
                   "[moe_bench] ranks=%d device=%s precision=%s threads=%d OMP_WAIT_POLICY=%s "
                   "attention=%s matmul=%s dispatch=%s experts=%lld domains=%s%s%s\n",
                   world->size(), moe::dist::describe_device(device).c_str(), o.precision.c_str(),
                   o.threads, wait_policy ? wait_policy : "(unset)", o.attention.c_str(),
                   o.matmul.c_str(), o.dispatch.c_str(), static_cast<long long>(o.experts),
                   o.domains.c_str(), o.ranks_note.empty() ? "" : " note=", o.ranks_note.c_str());
    }
    if (!o.profile.empty() && mpi.rank() == 0)
      MOE_REQUIRE(std::ofstream(o.profile).good(), "--profile: cannot write ", o.profile);
    torch::set_num_threads(o.threads);
    torch::manual_seed(o.seed + static_cast<uint64_t>(mpi.rank()));

    moe::model::BertConfig config;
    config.vocab_size = o.vocab;
    config.hidden_size = o.hidden;
    config.num_layers = o.layers;
    config.num_heads = o.heads;
    config.intermediate_size = o.intermediate;
    config.max_position_embeddings = o.seq;
    config.hidden_dropout = o.dropout;
    config.attention_dropout = o.dropout;
    moe::model::EncoderLayout layout;  // enforced routing, no domain tokens, no router
    for (int64_t e = 0; e < o.experts; ++e) layout.domains.push_back("d" + std::to_string(e));
    if (o.experts > 1)
      for (int64_t l = 0; l < o.layers; ++l) layout.expert_layers.push_back(l);
    moe::train::ExpertParallelModel model(config, layout, *world, o.seed, -1, o.dispatch == "layer",
                                          device);
    model.encoder()->set_attention_kernel(moe::model::parse_attention_kernel(o.attention));
    model.encoder()->train();
    auto optimizer = moe::train::make_adamw(*model.encoder(), 2e-5, 0.01, {});

    std::mt19937_64 rng(o.seed);
    const int64_t total = o.warmup_steps + o.steps;
    const int64_t per_rank = o.batch / world->size();
    std::vector<std::vector<moe::data::TokenPair>> local(static_cast<size_t>(total));
    int64_t timed_tokens = 0;
    double timed_flops = 0.0;  // the whole global batch's, counted on every rank alike
    for (int64_t s = 0; s < total; ++s) {
      GlobalBatch batch = make_batch(o, rng);
      if (s >= o.warmup_steps) {
        timed_tokens += batch.tokens;
        for (const moe::data::TokenPair& pair : batch.pairs)
          timed_flops += moe::model::training_flops(config, static_cast<int64_t>(pair.a.size())) +
                         moe::model::training_flops(config, static_cast<int64_t>(pair.b.size()));
      }
      const auto begin = batch.pairs.begin() + per_rank * world->rank();
      local[static_cast<size_t>(s)].assign(begin, begin + per_rank);
    }

    moe::train::ContrastiveStepOptions step;
    step.global_batch_size = o.batch;
    step.scale = 20.0;
    step.pad_id = 0;
    step.bf16_autocast = o.precision == "bf16";
    int64_t turn = 0;
    double loss = 0.0;
    PhaseTotals phases;
    std::unique_ptr<torch::autograd::profiler::RecordProfile> profile;
    std::chrono::steady_clock::time_point start;
    for (int64_t s = 0; s < total; ++s) {
      if (s == o.warmup_steps) {
        wait_for_device(device);
        world->barrier();
        if (!o.profile.empty() && mpi.rank() == 0)
          profile = std::make_unique<torch::autograd::profiler::RecordProfile>(o.profile);
        world->reset_stats();
        start = std::chrono::steady_clock::now();
      }
      const double lr = moe::train::learning_rate_at(s, total, o.warmup_steps, 2e-5);
      for (auto& group : optimizer->param_groups())
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
      moe::train::release_gradients(*optimizer);
      const moe::train::ContrastiveStepResult result = moe::train::contrastive_forward_backward(
          model, *world, local[static_cast<size_t>(s)], step, turn);
      loss = result.loss;
      const auto clip_start = std::chrono::steady_clock::now();
      model.clip_gradients(1.0);
      const auto optimizer_start = std::chrono::steady_clock::now();
      optimizer->step();
      if (s >= o.warmup_steps) {
        phases.step += result.phases;
        phases.clip += std::chrono::duration<double>(optimizer_start - clip_start).count();
        phases.optimizer += seconds_since(optimizer_start);
      }
    }
    wait_for_device(device);
    world->barrier();
    const double seconds = seconds_since(start);
    profile.reset();  // writes the trace
    const std::vector<int64_t> rss =
        world->all_gather_value(static_cast<int64_t>(peak_rss_mb() * 1024.0));
    const double peak = static_cast<double>(*std::max_element(rss.begin(), rss.end())) / 1024.0;
    if (mpi.rank() == 0) {
      phases.print(o.steps, seconds, world->stats());
      const double achieved = timed_flops / seconds / 1e12;
      std::fprintf(stderr, "[moe_bench] model FLOPs %.3g per step, %.2f TFLOP/s achieved",
                   timed_flops / o.steps, achieved);
      if (o.peak_tflops > 0.0)
        std::fprintf(stderr, ", MFU %.1f%% of %.0f TFLOP/s", 100.0 * achieved / o.peak_tflops,
                     o.peak_tflops);
      std::fprintf(stderr, "\n");
      std::printf("samples_per_s=%.3f tokens_per_s=%.1f step_ms=%.2f loss=%.6f peak_rss_mb=%.1f\n",
                  static_cast<double>(o.batch * o.steps) / seconds,
                  static_cast<double>(timed_tokens) / seconds, 1000.0 * seconds / o.steps, loss,
                  peak);
    }
  } catch (const po::error& e) {
    if (mpi.rank() == 0) std::fprintf(stderr, "moe_bench: %s (see --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    moe::dist::abort_job(std::string("moe_bench: error: ") + e.what());
  }
  return 0;
}
