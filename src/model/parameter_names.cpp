// Implementation of the parameter-name mapping (see parameter_names.h).
#include "model/parameter_names.h"

#include "common/error.h"

namespace moe::model {
namespace {

// Splits "encoder.layer.N.<rest>" into its prefix "encoder.layer.N." and rest.
bool split_layer_prefix(const std::string& name, std::string& prefix, std::string& rest) {
  static const std::string kLayer = "encoder.layer.";
  if (name.compare(0, kLayer.size(), kLayer) != 0) return false;
  const size_t dot = name.find('.', kLayer.size());
  if (dot == std::string::npos) return false;
  prefix = name.substr(0, dot + 1);
  rest = name.substr(dot + 1);
  return true;
}

}  // namespace

CheckpointName checkpoint_name(const std::string& parameter_name) {
  std::string prefix, rest;
  if (!split_layer_prefix(parameter_name, prefix, rest)) return {"", parameter_name};
  if (rest.compare(0, 4, "ffn.") == 0) return {"", prefix + rest.substr(4)};
  if (rest.compare(0, 8, "experts.") == 0) {
    const size_t dot = rest.find('.', 8);
    MOE_REQUIRE(dot != std::string::npos, "malformed expert parameter name ", parameter_name);
    return {rest.substr(8, dot - 8), prefix + rest.substr(dot + 1)};
  }
  return {"", parameter_name};
}

int64_t layer_of(const std::string& name) {
  std::string prefix, rest;
  if (!split_layer_prefix(name, prefix, rest)) return -1;
  static const size_t kStart = std::string("encoder.layer.").size();
  try {
    return std::stoll(prefix.substr(kStart, prefix.size() - kStart - 1));
  } catch (const std::exception&) {
    return -1;
  }
}

bool is_feed_forward_name(const std::string& name) {
  std::string prefix, rest;
  return split_layer_prefix(name, prefix, rest) &&
         (rest.compare(0, 13, "intermediate.") == 0 || rest.compare(0, 13, "output.dense.") == 0);
}

std::string parameter_name(const CheckpointName& name, const EncoderLayout& layout) {
  if (!is_feed_forward_name(name.name)) return name.name;
  std::string prefix, rest;
  split_layer_prefix(name.name, prefix, rest);
  if (!layout.has_experts(layer_of(name.name))) return prefix + "ffn." + rest;
  MOE_REQUIRE(!name.expert.empty(), "feed-forward parameter ", name.name,
              " of an expert layer needs an expert name");
  return prefix + "experts." + name.expert + "." + rest;
}

}  // namespace moe::model
