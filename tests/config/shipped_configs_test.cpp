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
  EXPECT_GE(checked, 3) << "configs/ should hold the quickstart, single-domain and dense configs";
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

}  // namespace
}  // namespace moe::config
