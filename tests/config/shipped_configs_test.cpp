// Every configuration in configs/ loads and passes moe_train's checks, so a user who starts
// from one meets no configuration error (the data they point at is checked at run time).
#include <gtest/gtest.h>

#include <filesystem>

#include "config/config.h"
#include "config/train_options.h"

namespace moe::config {
namespace {

TEST(ShippedConfigs, EveryConfigLoadsAndValidates) {
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator("configs")) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    EXPECT_NO_THROW(TrainOptions::from_config(
        Config::load_file(train_option_table(), entry.path().string(), {})));
    ++checked;
  }
  EXPECT_GE(checked, 6) << "configs/ should hold the quickstart, single-domain, dense, paper, "
                           "pretrained single-domain and from-scratch configs";
}

TEST(ShippedConfigs, ModesAreOneConfigApart) {
  auto load = [](const std::string& name) {
    return TrainOptions::from_config(
        Config::load_file(train_option_table(), "configs/" + name, {}));
  };
  const TrainOptions moe = load("quickstart.yaml");
  const TrainOptions dense = load("dense_all_domains.yaml");
  const TrainOptions single = load("single_domain.yaml");
  EXPECT_TRUE(moe.model.mixture_of_experts);
  EXPECT_FALSE(dense.model.mixture_of_experts);
  EXPECT_TRUE(dense.data.domains.empty());
  EXPECT_FALSE(single.model.mixture_of_experts);
  EXPECT_EQ(single.data.domains, std::vector<std::string>{"cardio"});
  EXPECT_EQ(single.data.manifest, moe.data.manifest);
}

TEST(ShippedConfigs, PaperConfigFollowsThe2024Recipe) {
  const TrainOptions paper = TrainOptions::from_config(
      Config::load_file(train_option_table(), "configs/paper_five_domains.yaml", {}));
  EXPECT_EQ(paper.model.init_from, "models/scibert_scivocab_uncased");
  EXPECT_TRUE(paper.model.mixture_of_experts);
  EXPECT_TRUE(paper.model.domain_tokens);
  EXPECT_EQ(paper.train.lr, 1e-5);
  EXPECT_EQ(paper.train.weight_decay, 0.01);
  EXPECT_EQ(paper.train.warmup_steps, 500);
  EXPECT_EQ(paper.train.schedule, "cosine");
  EXPECT_EQ(paper.train.loss, "mnr_plus");
  EXPECT_TRUE(paper.train.learned_scale);
  EXPECT_EQ(paper.train.precision, "bf16");
  EXPECT_EQ(paper.eval.patience, 5);
  // 20 pairs per rank on 5 ranks, one per domain expert.
  EXPECT_EQ(paper.train.global_batch_size % 5, 0);
}

}  // namespace
}  // namespace moe::config
