// StagingFolder (see staging_folder.h).
#include "index/staging_folder.h"

#include <filesystem>

#include "common/error.h"

namespace moe::index {
namespace fs = std::filesystem;

void check_index_output(const std::string& out, bool overwrite) {
  std::error_code error;
  MOE_REQUIRE(!out.empty(), "--out: name the index folder to write");
  MOE_REQUIRE(overwrite || !fs::exists(out, error), "--out ", out,
              " exists; pass --overwrite to replace it");
  MOE_REQUIRE(!fs::exists(out, error) || fs::is_directory(out, error), "--out ", out,
              " is a file; an index is a folder");
  const fs::path parent = fs::absolute(out, error).parent_path();
  MOE_REQUIRE(fs::is_directory(parent, error), "--out ", out, ": folder ", parent.string(),
              " does not exist");
}

namespace {
std::string without_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}
}  // namespace

std::string staging_path(const std::string& out) {
  return without_trailing_slashes(out) + ".partial";
}

StagingFolder::StagingFolder(std::string out, bool overwrite)
    : out_(without_trailing_slashes(std::move(out))), overwrite_(overwrite) {
  check_index_output(out_, overwrite_);
  partial_ = staging_path(out_);
  std::error_code error;
  fs::remove_all(partial_, error);
  MOE_REQUIRE(!error, "cannot remove the stale ", partial_, ": ", error.message());
  fs::create_directory(partial_, error);
  MOE_REQUIRE(!error, "cannot create ", partial_, ": ", error.message());
}

StagingFolder::~StagingFolder() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove_all(partial_, ignored);
}

void StagingFolder::commit() {
  std::error_code error;
  const std::string old = out_ + ".old";
  const bool replacing = fs::exists(out_, error);
  MOE_REQUIRE(!replacing || overwrite_, out_, " appeared while the index was built; not replaced");
  if (replacing) {
    fs::remove_all(old, error);
    fs::rename(out_, old, error);
    MOE_REQUIRE(!error, "cannot move the old ", out_, " aside: ", error.message());
  }
  fs::rename(partial_, out_, error);
  if (error && replacing) {
    std::error_code ignored;
    fs::rename(old, out_, ignored);  // put the old index back
  }
  MOE_REQUIRE(!error, "cannot rename ", partial_, " to ", out_, ": ", error.message());
  committed_ = true;
  if (replacing) fs::remove_all(old, error);
}

}  // namespace moe::index
