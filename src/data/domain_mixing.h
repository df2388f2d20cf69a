// Domain mixing policies for the streaming loader: how likely each example of a global batch
// is to come from each domain, and the seeded per-batch draw of those domains.
//
//   proportional  P(d) ∝ n_d          (the natural order: one stream over all domains)
//   uniform       P(d) = 1 / D'       (D' = domains that have pairs in the split)
//   temperature   P(d) ∝ n_d^(1/T)    (T = 1: proportional; T -> infinity: uniform)
//   balanced      P(d) = 1 / D', and every batch holds each domain B / D' times (± 1) instead
//                 of independent draws: under data dispatch each expert's rank gets the same
//                 number of pairs every step, so no rank waits for another.
// A domain with no pairs always has probability 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moe::data {

enum class MixingPolicy { kProportional, kUniform, kTemperature, kBalanced };

// "proportional", "uniform", "temperature", "balanced".
const char* to_string(MixingPolicy policy);
// The inverse of to_string; anything else is a moe::Error listing the choices.
MixingPolicy parse_mixing_policy(const std::string& name);

// The probability of each domain, from the domains' pair counts. temperature must be finite
// and > 0 (it is used only by kTemperature). Every count zero is a moe::Error.
std::vector<double> domain_probabilities(const std::vector<int64_t>& counts, MixingPolicy policy,
                                         double temperature);

// The domain of each of the batch_size examples of global batch `step`: independent draws
// from `probabilities`, a pure function of (probabilities, seed, step) that is the same on
// every rank and every platform with IEEE doubles.
std::vector<int32_t> draw_batch_domains(const std::vector<double>& probabilities, uint64_t seed,
                                        int64_t step, int64_t batch_size);

// The same without the sampling noise: domain d fills floor(B p_d) positions, the positions
// left over go one each to the domains with the largest remainders (ties in a seeded order that
// changes every step), and a seeded shuffle places them; a pure function of the same inputs.
std::vector<int32_t> stratified_batch_domains(const std::vector<double>& probabilities,
                                              uint64_t seed, int64_t step, int64_t batch_size);

// The batch's domains under `policy`: stratified for balanced, independent draws otherwise.
std::vector<int32_t> batch_domains(MixingPolicy policy, const std::vector<double>& probabilities,
                                   uint64_t seed, int64_t step, int64_t batch_size);

}  // namespace moe::data
