// An index folder is built under "<out>.partial" and renamed onto <out> only when complete,
// so <out> never holds half an index: a failure (or a killed build) leaves the previous index,
// if any, untouched, and the partial folder is removed (or replaced by the next build).
#pragma once

#include <string>

namespace moe::index {

class StagingFolder {
 public:
  // Checks <out> (must not exist unless overwrite; its parent must exist) and creates an
  // empty "<out>.partial" (removing a stale one). Errors name the path.
  StagingFolder(std::string out, bool overwrite);
  // Removes the partial folder unless commit() ran.
  ~StagingFolder();
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;

  const std::string& path() const { return partial_; }
  // Moves the partial folder onto <out> (an old <out> is removed only after the new one is in
  // place under its own name).
  void commit();

 private:
  std::string out_;
  std::string partial_;
  bool overwrite_ = false;
  bool committed_ = false;
};

// The checks of the constructor, without creating anything (every rank runs them).
void check_index_output(const std::string& out, bool overwrite);
// "<out>.partial", trailing slashes of <out> dropped: where the build writes (every rank can
// name it; only the constructor creates it).
std::string staging_path(const std::string& out);

}  // namespace moe::index
