// Implementation of the typo suggestions declared in edit_distance.h.
#include "config/edit_distance.h"

#include <algorithm>
#include <limits>
#include <tuple>

namespace moe::config {
namespace {

std::string_view last_component(std::string_view key) {
  const std::size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

// A third of the shorter word may be wrong (at least one character): "lr" vs "l" is a typo,
// "lr" vs "xy" is not, "hidden_size" vs "hiden_sise" is.
bool plausible_typo(std::size_t distance, std::string_view a, std::string_view b) {
  const std::size_t shorter = std::min(a.size(), b.size());
  return distance <= std::max<std::size_t>(1, shorter / 3);
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t rows = a.size() + 1;
  const std::size_t cols = b.size() + 1;
  std::vector<std::size_t> d(rows * cols);
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * cols + j]; };
  for (std::size_t i = 0; i < rows; ++i) at(i, 0) = i;
  for (std::size_t j = 0; j < cols; ++j) at(0, j) = j;
  for (std::size_t i = 1; i < rows; ++i) {
    for (std::size_t j = 1; j < cols; ++j) {
      const std::size_t substitution = a[i - 1] == b[j - 1] ? 0 : 1;
      std::size_t best =
          std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + substitution});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        best = std::min(best, at(i - 2, j - 2) + 1);
      at(i, j) = best;
    }
  }
  return at(rows - 1, cols - 1);
}

std::optional<std::string> closest_key(std::string_view key,
                                       const std::vector<std::string>& candidates) {
  constexpr std::size_t kFar = std::numeric_limits<std::size_t>::max();
  const std::string_view key_last = last_component(key);
  // Ranked by the better of the two comparisons, then by whole-key distance; the first
  // declared candidate wins a tie.
  std::tuple<std::size_t, std::size_t> best_rank{kFar, kFar};
  std::optional<std::string> best;
  for (const std::string& candidate : candidates) {
    const std::size_t whole = edit_distance(key, candidate);
    const std::string_view candidate_last = last_component(candidate);
    const std::size_t last = edit_distance(key_last, candidate_last);
    std::size_t score = kFar;
    // The whole-key distance is judged by the last components' lengths: a shared "train."
    // must not make "train.xy" look like a typo of "train.lr".
    if (plausible_typo(whole, key_last, candidate_last)) score = whole;
    if (plausible_typo(last, key_last, candidate_last)) score = std::min(score, last);
    if (score == kFar) continue;
    const std::tuple<std::size_t, std::size_t> rank{score, whole};
    if (rank < best_rank) {
      best_rank = rank;
      best = candidate;
    }
  }
  return best;
}

}  // namespace moe::config
