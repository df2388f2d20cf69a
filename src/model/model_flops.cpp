// Implementation of the model FLOPs count (see model_flops.h).
#include "model/model_flops.h"

namespace moe::model {

double forward_flops(const BertConfig& config, int64_t tokens) {
  const auto n = static_cast<double>(tokens);
  const auto hidden = static_cast<double>(config.hidden_size);
  const auto intermediate = static_cast<double>(config.intermediate_size);
  const double multiply_adds_per_layer =
      4.0 * n * hidden * hidden + 2.0 * n * n * hidden + 2.0 * n * hidden * intermediate;
  return 2.0 * multiply_adds_per_layer * static_cast<double>(config.num_layers);
}

double training_flops(const BertConfig& config, int64_t tokens) {
  return 3.0 * forward_flops(config, tokens);
}

}  // namespace moe::model
