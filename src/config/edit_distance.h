// Typo suggestions for configuration keys: an edit distance and the closest declared key.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moe::config {

// Optimal string alignment distance: inserting, deleting or substituting a character, or
// swapping two adjacent characters, each costs 1 (so "stpes" is 1 away from "steps").
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate a user most likely meant by `key`. Compares whole dotted keys and also their
// last components, so "train.stpes", "steps" and "eval.steps" all find "train.steps".
// Returns nullopt when no candidate is close enough to be a plausible typo.
std::optional<std::string> closest_key(std::string_view key,
                                       const std::vector<std::string>& candidates);

}  // namespace moe::config
