// Encoder forward and forward+backward throughput, eager against fused attention, and the
// time to export a domain and read it back.
//   build/bin/encoder_throughput [--hidden 256] [--layers 4] [--heads 4] [--length 128]
//                                [--batch 16] [--repeat 10] [--threads 2]
// Reports tokens/s for each kernel; the model is a BERT of the given size with two domain
// experts in every layer (sequences of one domain, as data dispatch delivers them).
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "common/error.h"
#include "hf/model_export.h"
#include "model/bert_encoder.h"
#include "model/parameter_names.h"

namespace {

struct Options {
  int64_t hidden = 256, layers = 4, heads = 4, length = 128, batch = 16, repeat = 10;
  int threads = 2;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    MOE_REQUIRE(i + 1 < argc, arg, " needs a value");
    const int64_t value = std::stoll(argv[++i]);
    if (arg == "--hidden")
      o.hidden = value;
    else if (arg == "--layers")
      o.layers = value;
    else if (arg == "--heads")
      o.heads = value;
    else if (arg == "--length")
      o.length = value;
    else if (arg == "--batch")
      o.batch = value;
    else if (arg == "--repeat")
      o.repeat = value;
    else if (arg == "--threads")
      o.threads = static_cast<int>(value);
    else
      throw moe::Error("unknown option " + arg);
  }
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    torch::set_num_threads(o.threads);
    moe::model::BertConfig config;
    config.vocab_size = 30522;
    config.hidden_size = o.hidden;
    config.num_layers = o.layers;
    config.num_heads = o.heads;
    config.intermediate_size = 4 * o.hidden;
    config.max_position_embeddings = std::max<int64_t>(o.length, 512);
    config.hidden_dropout = config.attention_dropout = 0.0;
    moe::model::EncoderLayout layout;
    layout.domains = {"cardio", "pulmo"};
    for (int64_t l = 0; l < o.layers; ++l) layout.expert_layers.push_back(l);
    layout.domain_tokens = true;
    moe::model::BertEncoder model(config, layout);
    moe::model::initialize_like_bert(*model, 1, 101);

    torch::manual_seed(0);
    const torch::Tensor ids = torch::randint(1000, 30000, {o.batch, o.length}, torch::kInt64);
    const torch::Tensor mask = torch::ones_like(ids);
    const torch::Tensor domains = torch::zeros({o.batch}, torch::kInt64);
    const double tokens = static_cast<double>(o.batch * o.length * o.repeat);
    std::printf("hidden %lld, layers %lld, heads %lld, batch %lld x %lld tokens, %d threads\n",
                static_cast<long long>(o.hidden), static_cast<long long>(o.layers),
                static_cast<long long>(o.heads), static_cast<long long>(o.batch),
                static_cast<long long>(o.length), o.threads);
    for (auto kernel : {moe::model::AttentionKernel::eager, moe::model::AttentionKernel::fused}) {
      model->set_attention_kernel(kernel);
      const char* name = kernel == moe::model::AttentionKernel::eager ? "eager" : "fused";
      {
        torch::NoGradGuard no_grad;
        model->eval();
        model->embed(ids, mask, domains);  // warm-up
        const auto start = std::chrono::steady_clock::now();
        for (int64_t r = 0; r < o.repeat; ++r) model->embed(ids, mask, domains);
        std::printf("%-6s forward            %9.0f tokens/s\n", name,
                    tokens / seconds_since(start));
      }
      model->train();
      const auto start = std::chrono::steady_clock::now();
      for (int64_t r = 0; r < o.repeat; ++r) {
        model->zero_grad();
        model->embed(ids, mask, domains).pow(2).mean().backward();
      }
      std::printf("%-6s forward+backward   %9.0f tokens/s\n", name, tokens / seconds_since(start));
    }

    moe::model::CheckpointContents checkpoint;
    checkpoint.config = config;
    checkpoint.layout = layout;
    for (int32_t id = 0; id < config.vocab_size; ++id)
      checkpoint.vocab_tokens.push_back(id == 101 ? "[CLS]" : "t" + std::to_string(id));
    for (const auto& item : model->named_parameters()) {
      const auto name = moe::model::checkpoint_name(item.key());
      (name.expert.empty() ? checkpoint.shared : checkpoint.experts[name.expert])[name.name] =
          item.value().detach();
    }
    const std::string out = (std::filesystem::temp_directory_path() / "moe_bench_export").string();
    std::filesystem::remove_all(out);
    const auto start = std::chrono::steady_clock::now();
    const auto result =
        moe::hf::export_domain(checkpoint, "pulmo", out, moe::hf::TensorDtype::float32);
    std::printf("export + read-back check: %.2f s (%lld tensors, difference %.3g)\n",
                seconds_since(start), static_cast<long long>(result.tensors),
                result.max_difference);
    std::filesystem::remove_all(out);
    return 0;
  } catch (const moe::Error& e) {
    std::fprintf(stderr, "encoder_throughput: %s\n", e.what());
    return 1;
  }
}
