// Checks moe_train's option table (keys, defaults, docs) and TrainOptions, including the
// rules that involve several keys.
#include "config/train_options.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/error.h"

namespace moe::config {
namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const moe::Error& e) {
    return e.what();
  }
  return "<no moe::Error thrown>";
}

TrainOptions options_with(std::vector<std::string> overrides) {
  overrides.insert(overrides.begin(), "data.manifest=prep/manifest.json");
  return TrainOptions::from_config(Config::from_overrides(train_option_table(), overrides));
}

std::string error_with(const std::vector<std::string>& overrides) {
  return error_of([&] { options_with(overrides); });
}

const std::vector<std::string> kTrainKeys = {
    "run.dir",
    "run.seed",
    "run.stop_after_steps",
    "data.manifest",
    "data.domains",
    "data.mixing",
    "data.temperature",
    "data.shuffle_window_chunks",
    "model.hidden_size",
    "model.num_layers",
    "model.num_heads",
    "model.intermediate_size",
    "model.max_position_embeddings",
    "model.dropout",
    "model.layer_norm_eps",
    "model.mixture_of_experts",
    "model.init_from",
    "model.expert_layers",
    "model.domain_tokens",
    "model.router",
    "model.router_loss_weight",
    "model.pooling",
    "model.projection_head",
    "model.projection_size",
    "model.normalize",
    "model.attention",
    "train.steps",
    "train.global_batch_size",
    "train.lr",
    "train.weight_decay",
    "train.warmup_steps",
    "train.loss",
    "train.scale",
    "train.learned_scale",
    "train.grad_cache_mini_batch",
    "train.negatives",
    "train.schedule",
    "train.precision",
    "train.clip_grad_norm",
    "train.log_every",
    "train.max_nonfinite_steps",
    "dist.dispatch",
    "dist.timeout_s",
    "dist.heartbeat_timeout_s",
    "eval.split",
    "eval.every",
    "eval.patience",
    "eval.cross_domain",
    "eval.batch_size",
    "checkpoint.name",
    "checkpoint.every",
    "checkpoint.keep_last",
    "checkpoint.resume",
    "runtime.threads_per_rank",
    "runtime.device",
};

TEST(TrainOptionTable, DeclaresEveryKeyInOrder) {
  const OptionTable t = train_option_table();
  EXPECT_EQ(t.keys(), kTrainKeys);
  for (const Option& option : t.options()) EXPECT_FALSE(option.help.empty()) << option.key;
  EXPECT_TRUE(t.find("data.manifest")->required());
  for (const Option& option : t.options()) {
    if (option.key != "data.manifest") {
      EXPECT_FALSE(option.required()) << option.key;
    }
  }
  EXPECT_EQ(t.find("dist.dispatch")->choices, (std::vector<std::string>{"data", "layer"}));
  EXPECT_EQ(t.find("train.negatives")->choices, (std::vector<std::string>{"all", "same_domain"}));
  EXPECT_EQ(t.find("eval.split")->choices, (std::vector<std::string>{"valid", "test"}));
  EXPECT_EQ(t.find("model.mixture_of_experts")->type, OptionType::kBool);
}

TEST(TrainOptionTable, HelpAndMarkdownCoverEveryKey) {
  const OptionTable t = train_option_table();
  const std::string help = t.help_text();
  const std::string markdown = t.markdown_reference();
  for (const std::string& key : kTrainKeys) {
    EXPECT_NE(help.find("  " + key + " "), std::string::npos) << key;
    EXPECT_NE(markdown.find("| `" + key + "` |"), std::string::npos) << key;
  }
  std::istringstream in(markdown);
  std::size_t rows = 0;
  for (std::string line; std::getline(in, line);) rows += line.rfind("| `", 0) == 0 ? 1 : 0;
  EXPECT_EQ(rows, kTrainKeys.size());
}

TEST(TrainOptions, DefaultsMatchTheDeclarations) {
  const TrainOptions o = options_with({});
  EXPECT_EQ(o.run.dir, "runs/quickstart");
  EXPECT_EQ(o.run.seed, 1234);
  EXPECT_EQ(o.data.manifest, "prep/manifest.json");
  EXPECT_EQ(o.model.hidden_size, 64);
  EXPECT_EQ(o.model.num_layers, 2);
  EXPECT_EQ(o.model.num_heads, 4);
  EXPECT_EQ(o.model.intermediate_size, 128);
  EXPECT_EQ(o.model.max_position_embeddings, 128);
  EXPECT_DOUBLE_EQ(o.model.dropout, 0.1);
  EXPECT_DOUBLE_EQ(o.model.layer_norm_eps, 1e-12);
  EXPECT_TRUE(o.model.mixture_of_experts);
  EXPECT_EQ(o.train.steps, 300);
  EXPECT_EQ(o.train.global_batch_size, 64);
  EXPECT_DOUBLE_EQ(o.train.lr, 1e-3);
  EXPECT_DOUBLE_EQ(o.train.weight_decay, 0.01);
  EXPECT_EQ(o.train.warmup_steps, 20);
  EXPECT_DOUBLE_EQ(o.train.scale, 20.0);
  EXPECT_DOUBLE_EQ(o.train.clip_grad_norm, 1.0);
  EXPECT_EQ(o.train.log_every, 20);
  EXPECT_EQ(o.dist.dispatch, DispatchMode::kData);
  EXPECT_EQ(o.eval.split, EvalSplit::kTest);
  EXPECT_EQ(o.eval.batch_size, 64);
  EXPECT_EQ(o.checkpoint.name, "checkpoint.h5");
  EXPECT_EQ(o.runtime.threads_per_rank, 0);
  EXPECT_EQ(o.runtime.device, "auto");
  EXPECT_EQ(o.train.loss, "mnr");
  EXPECT_FALSE(o.train.learned_scale);
  EXPECT_EQ(o.train.grad_cache_mini_batch, 0);
  EXPECT_EQ(o.checkpoint.every, 500);
  EXPECT_EQ(o.checkpoint.keep_last, 2);
  EXPECT_EQ(o.checkpoint.resume, "auto");
  EXPECT_EQ(o.run.stop_after_steps, 0);
  EXPECT_DOUBLE_EQ(o.dist.timeout_s, 600.0);
  EXPECT_DOUBLE_EQ(o.dist.heartbeat_timeout_s, 10.0);
}

TEST(TrainOptions, ReadsAFullYamlConfig) {
  const std::string yaml =
      "run: {dir: runs/big, seed: 7}\n"
      "data: {manifest: prep/m.json}\n"
      "model:\n"
      "  hidden_size: 96\n"
      "  num_layers: 3\n"
      "  num_heads: 6\n"
      "  intermediate_size: 384\n"
      "  max_position_embeddings: 64\n"
      "  dropout: 0.0\n"
      "  layer_norm_eps: 1e-6\n"
      "  mixture_of_experts: no\n"
      "train:\n"
      "  steps: 50\n"
      "  global_batch_size: 32\n"
      "  lr: 2e-4\n"
      "  weight_decay: 0\n"
      "  warmup_steps: 50\n"
      "  scale: 15\n"
      "  clip_grad_norm: 0\n"
      "  log_every: 5\n"
      "dist: {dispatch: data, timeout_s: 30}\n"
      "eval: {split: valid, batch_size: 16}\n"
      "checkpoint: {name: last.h5}\n"
      "runtime: {threads_per_rank: 2, device: cpu}\n";
  const TrainOptions o =
      TrainOptions::from_config(Config::load_text(train_option_table(), yaml, "big.yaml"));
  EXPECT_EQ(o.run.dir, "runs/big");
  EXPECT_EQ(o.run.seed, 7);
  EXPECT_EQ(o.model.num_heads, 6);
  EXPECT_DOUBLE_EQ(o.model.layer_norm_eps, 1e-6);
  EXPECT_FALSE(o.model.mixture_of_experts);
  EXPECT_EQ(o.train.warmup_steps, 50);
  EXPECT_DOUBLE_EQ(o.train.clip_grad_norm, 0.0);
  EXPECT_EQ(o.dist.dispatch, DispatchMode::kData);
  EXPECT_EQ(o.eval.split, EvalSplit::kValid);
  EXPECT_EQ(o.eval.batch_size, 16);
  EXPECT_EQ(o.checkpoint.name, "last.h5");
  EXPECT_EQ(o.runtime.threads_per_rank, 2);
  EXPECT_EQ(o.runtime.device, "cpu");
  EXPECT_DOUBLE_EQ(o.dist.timeout_s, 30.0);
}

TEST(TrainOptions, HeadsMustDivideHiddenSize) {
  EXPECT_EQ(error_with({"model.num_heads=5"}),
            "model.num_heads (5) must divide model.hidden_size (64)");
  EXPECT_EQ(options_with({"model.num_heads=8"}).model.num_heads, 8);
}

TEST(TrainOptions, WarmupMustNotExceedSteps) {
  EXPECT_EQ(error_with({"train.steps=10", "train.warmup_steps=11"}),
            "train.warmup_steps (11) must be <= train.steps (10)");
  EXPECT_EQ(options_with({"train.steps=10", "train.warmup_steps=10"}).train.warmup_steps, 10);
}

TEST(TrainOptions, InitFromTakesTheArchitectureFromThePretrainedModel) {
  EXPECT_EQ(error_with({"model.init_from=models/scibert", "model.hidden_size=128"}),
            "model.hidden_size is set (--set) but model.init_from takes the architecture from "
            "models/scibert/config.json; remove it");
  const TrainOptions o = options_with({"model.init_from=models/scibert", "model.dropout=0.2"});
  EXPECT_EQ(o.model.init_from, "models/scibert");
  EXPECT_DOUBLE_EQ(o.model.dropout, 0.2);  // a training choice, not the architecture
}

TEST(TrainOptions, ProjectionSizeNeedsTheHead) {
  EXPECT_EQ(error_with({"model.projection_size=32"}),
            "model.projection_size is set but model.projection_head is false");
  const TrainOptions o = options_with({"model.projection_head=true", "model.projection_size=32"});
  EXPECT_EQ(o.model.projection_size, 32);
  EXPECT_TRUE(o.model.projection_head);
}

TEST(TrainOptions, AllCrossKeyProblemsAreListed) {
  EXPECT_EQ(error_with({"model.num_heads=3", "train.warmup_steps=301"}),
            "model.num_heads (3) must divide model.hidden_size (64)\n"
            "train.warmup_steps (301) must be <= train.steps (300)");
}

TEST(TrainOptions, SingleKeyRangesAreCheckedByTheTable) {
  EXPECT_EQ(error_with({"model.max_position_embeddings=1"}),
            "--set model.max_position_embeddings=1: model.max_position_embeddings: must be >= "
            "2, got 1");
  EXPECT_EQ(error_with({"train.lr=0"}), "--set train.lr=0: train.lr: must be > 0, got 0");
  EXPECT_EQ(error_with({"train.weight_decay=-0.1"}),
            "--set train.weight_decay=-0.1: train.weight_decay: must be >= 0, got -0.1");
  EXPECT_EQ(error_with({"model.dropout=1"}),
            "--set model.dropout=1: model.dropout: must be < 1, got 1");
  EXPECT_EQ(error_with({"train.warmup_steps=-1"}),
            "--set train.warmup_steps=-1: train.warmup_steps: must be >= 0, got -1");
  EXPECT_EQ(error_with({"model.hidden_size=9999999999"}),
            "--set model.hidden_size=9999999999: model.hidden_size: must be <= 1048576, got "
            "9999999999");
  EXPECT_EQ(error_with({"dist.dispatch=expert"}),
            "--set dist.dispatch=expert: dist.dispatch: must be one of data, layer; got "
            "'expert'");
  EXPECT_EQ(error_with({"data.manifest="}),
            "--set data.manifest=: data.manifest: must not be empty");
}

TEST(TrainOptions, ManifestIsRequired) {
  EXPECT_EQ(error_of([] { Config::from_overrides(train_option_table(), {}); }),
            "missing required option 'data.manifest' (set it in the config file or with --set "
            "data.manifest=...)");
}

TEST(TrainOptions, EnumNamesMatchTheConfigText) {
  EXPECT_STREQ(to_string(DispatchMode::kData), "data");
  EXPECT_STREQ(to_string(DispatchMode::kLayer), "layer");
  EXPECT_EQ(options_with({"dist.dispatch=layer"}).dist.dispatch, DispatchMode::kLayer);
  EXPECT_STREQ(to_string(EvalSplit::kValid), "valid");
  EXPECT_STREQ(to_string(EvalSplit::kTest), "test");
}

TEST(TrainOptions, EffectiveConfigRoundTrips) {
  const Config original = Config::from_overrides(
      train_option_table(), {"data.manifest=m.json", "train.lr=3e-4", "dist.dispatch=data"});
  const Config reloaded =
      Config::load_text(train_option_table(), original.to_yaml(), "effective.yaml");
  for (const std::string& key : kTrainKeys)
    EXPECT_EQ(reloaded.get_text(key), original.get_text(key)) << key;
}

}  // namespace
}  // namespace moe::config
