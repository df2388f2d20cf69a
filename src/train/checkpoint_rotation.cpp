// Implementation of the checkpoint naming, rotation and resume choice (see
// checkpoint_rotation.h).
#include "train/checkpoint_rotation.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <regex>

#include "common/error.h"
#include "common/hdf5_file.h"

namespace moe::train {
namespace fs = std::filesystem;

std::string step_checkpoint_path(const std::string& run_dir, int64_t step) {
  char name[64];
  std::snprintf(name, sizeof(name), "step-%08lld.h5", static_cast<long long>(step));
  return (fs::path(run_dir) / name).string();
}

std::vector<StepCheckpoint> list_step_checkpoints(const std::string& run_dir) {
  std::vector<StepCheckpoint> found;
  std::error_code error;
  if (!fs::is_directory(run_dir, error)) return found;
  static const std::regex pattern(R"(step-(\d{8,})\.h5)");
  for (const auto& entry : fs::directory_iterator(run_dir)) {
    std::smatch match;
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && std::regex_match(name, match, pattern))
      found.push_back({std::stoll(match[1].str()), entry.path().string()});
  }
  std::sort(found.begin(), found.end(),
            [](const StepCheckpoint& a, const StepCheckpoint& b) { return a.step < b.step; });
  return found;
}

void remove_old_step_checkpoints(const std::string& run_dir, int keep) {
  std::vector<StepCheckpoint> found = list_step_checkpoints(run_dir);
  for (size_t i = 0; i + static_cast<size_t>(std::max(keep, 0)) < found.size(); ++i) {
    std::error_code error;
    fs::remove(found[i].path, error);
    MOE_REQUIRE(!error, "checkpoint rotation: cannot remove ", found[i].path, ": ",
                error.message());
  }
}

std::vector<std::string> remove_unfinished_checkpoints(const std::string& run_dir) {
  std::vector<std::string> removed;
  std::error_code error;
  if (!fs::is_directory(run_dir, error)) return removed;
  for (const auto& entry : fs::directory_iterator(run_dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.size() < 7 ||
        name.compare(name.size() - 7, 7, ".h5.tmp") != 0)
      continue;
    fs::remove(entry.path(), error);
    MOE_REQUIRE(!error, "run.dir: cannot remove the unfinished checkpoint ", entry.path().string(),
                ": ", error.message());
    removed.push_back(entry.path().string());
  }
  std::sort(removed.begin(), removed.end());
  return removed;
}

std::string choose_resume_checkpoint(const std::string& setting, const std::string& run_dir,
                                     const std::string& final_name) {
  if (setting == "never") return "";
  if (setting != "auto") {
    MOE_REQUIRE(fs::is_regular_file(setting), "checkpoint.resume: ", setting,
                " does not exist (use auto, never or the path of a checkpoint)");
    return setting;
  }
  std::string best;
  int64_t best_step = -1;
  auto consider = [&](const std::string& path) {
    const int64_t step = h5::File::open_read(path).int_attribute("/", "step");
    if (step > best_step) {
      best_step = step;
      best = path;
    }
  };
  for (const StepCheckpoint& checkpoint : list_step_checkpoints(run_dir)) consider(checkpoint.path);
  const fs::path final_path = fs::path(run_dir) / final_name;
  if (fs::is_regular_file(final_path)) consider(final_path.string());
  return best;
}

}  // namespace moe::train
