// Implementation of EncoderLayout helpers (see encoder_layout.h).
#include "model/encoder_layout.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "common/error.h"

namespace moe::model {

bool EncoderLayout::has_experts(int64_t layer) const {
  return std::binary_search(expert_layers.begin(), expert_layers.end(), layer);
}

std::vector<int32_t> EncoderLayout::held_domains() const {
  if (!local_domains.empty()) return local_domains;
  std::vector<int32_t> all(domains.size());
  for (size_t d = 0; d < domains.size(); ++d) all[d] = static_cast<int32_t>(d);
  return all;
}

int32_t EncoderLayout::domain_id(const std::string& name) const {
  const auto found = std::find(domains.begin(), domains.end(), name);
  if (found != domains.end()) return static_cast<int32_t>(found - domains.begin());
  std::string known;
  for (const std::string& d : domains) known += (known.empty() ? "" : ", ") + d;
  throw Error(cat("unknown domain '", name,
                  "' (the model knows: ", known.empty() ? "none, it is dense" : known, ")"));
}

int64_t EncoderLayout::sentence_size(const BertConfig& config) const {
  return projection_head && projection_size > 0 ? projection_size : config.hidden_size;
}

std::vector<int64_t> parse_expert_layers(const std::string& spec, int64_t num_layers,
                                         const std::string& key) {
  std::vector<int64_t> layers;
  if (spec == "none") return layers;
  if (spec == "all") {
    for (int64_t i = 0; i < num_layers; ++i) layers.push_back(i);
    return layers;
  }
  if (spec == "middle") return {num_layers / 2};
  std::stringstream stream(spec);
  std::string item;
  while (std::getline(stream, item, ',')) {
    size_t used = 0;
    int64_t layer = -1;
    try {
      layer = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    MOE_REQUIRE(used > 0 && used == item.size(), key, ": '", spec,
                "' is not all, middle, none or a comma-separated list of layer indices");
    MOE_REQUIRE(layer >= 0 && layer < num_layers, key, ": layer ", layer, " is outside 0..",
                num_layers - 1);
    layers.push_back(layer);
  }
  MOE_REQUIRE(!layers.empty(), key, ": empty layer list");
  std::sort(layers.begin(), layers.end());
  MOE_REQUIRE(std::adjacent_find(layers.begin(), layers.end()) == layers.end(), key,
              ": a layer is listed twice in '", spec, "'");
  return layers;
}

void validate_layout(const BertConfig& config, const EncoderLayout& layout) {
  const std::set<std::string> unique(layout.domains.begin(), layout.domains.end());
  MOE_REQUIRE(unique.size() == layout.domains.size(), "model: a domain is listed twice");
  MOE_REQUIRE(layout.pooling == "mean" || layout.pooling == "cls", "model: pooling '",
              layout.pooling, "' is not one of mean, cls");
  MOE_REQUIRE(layout.projection_size >= 0, "model: projection size must not be negative");
  MOE_REQUIRE(std::is_sorted(layout.expert_layers.begin(), layout.expert_layers.end()) &&
                  std::adjacent_find(layout.expert_layers.begin(), layout.expert_layers.end()) ==
                      layout.expert_layers.end(),
              "model: expert layers must be sorted and unique");
  for (int64_t layer : layout.expert_layers)
    MOE_REQUIRE(layer >= 0 && layer < config.num_layers, "model: expert layer ", layer,
                " is outside 0..", config.num_layers - 1);
  const bool needs_domains = layout.mixture_of_experts() || layout.domain_tokens || layout.router;
  MOE_REQUIRE(!needs_domains || !layout.domains.empty(),
              "model: experts, domain tokens and the router need at least one domain");
  MOE_REQUIRE(!layout.router || layout.domains.size() >= 2,
              "model: a router needs at least two domains to choose from");
  for (int32_t d : layout.local_domains)
    MOE_REQUIRE(d >= 0 && d < static_cast<int32_t>(layout.domains.size()),
                "model: local expert id ", d, " is not a domain id");
}

}  // namespace moe::model
