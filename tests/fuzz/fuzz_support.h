// Shared by the libFuzzer targets in this folder (docs/RELIABILITY.md "Fuzzing"):
// - each target defines LLVMFuzzerTestOneInput and fuzz_seeds(), a few valid inputs made by
//   the project's own writers, so the fuzzer starts from files of the current format;
// - MOE_FUZZ_WRITE_SEEDS=DIR makes a target write those seeds into DIR when it starts
//   (tests/fuzz/run_fuzzers.sh does this before each run);
// - readers that take a path get the input through FuzzInputFile.
// The oracle: any input may be refused, but only with moe::Error; another exception, a
// crash or a sanitizer report is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moe::fuzz {

// Defined by each target.
std::vector<std::string> fuzz_seeds();

// The input as a file NAME in a private folder (in /dev/shm when there is one), removed
// when this goes out of scope.
class FuzzInputFile {
 public:
  FuzzInputFile(std::string_view bytes, const std::string& name);
  ~FuzzInputFile();
  FuzzInputFile(const FuzzInputFile&) = delete;
  FuzzInputFile& operator=(const FuzzInputFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The bytes of a file (to turn a writer's output into a seed).
std::string file_bytes(const std::string& path);

// A private scratch folder for this process, created once.
const std::string& scratch_dir();

}  // namespace moe::fuzz
