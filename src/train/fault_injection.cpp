// Implementation of the requested faults (see fault_injection.h).
#include "train/fault_injection.h"

#include <cstdlib>
#include <sstream>
#include <string>

#include "common/error.h"

namespace moe::train {
namespace {

// Positive integers separated by commas; `source` names the list in errors.
std::vector<int64_t> parse_step_list(const std::string& text, const std::string& source) {
  std::vector<int64_t> steps;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    size_t used = 0;
    int64_t step = 0;
    try {
      step = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    MOE_REQUIRE(used == item.size() && !item.empty() && step >= 1, source, ": '", item,
                "' is not a step number (want positive integers separated by commas, got '", text,
                "')");
    steps.push_back(step);
  }
  return steps;
}

}  // namespace

std::vector<int64_t> nonfinite_fault_steps() {
  const char* value = std::getenv("MOE_FAULT_NONFINITE_STEPS");
  if (value == nullptr || *value == '\0') return {};
  return parse_step_list(value, "MOE_FAULT_NONFINITE_STEPS");
}

}  // namespace moe::train
