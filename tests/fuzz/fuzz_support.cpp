// Implementation of the fuzz targets' shared pieces (see fuzz_support.h).
#include "fuzz_support.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace moe::fuzz {

const std::string& scratch_dir() {
  static const std::string dir = [] {
    const fs::path base =
        fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    const fs::path mine = base / ("moe_fuzz_" + std::to_string(getpid()));
    fs::create_directories(mine);
    return mine.string();
  }();
  return dir;
}

FuzzInputFile::FuzzInputFile(std::string_view bytes, const std::string& name)
    : path_(scratch_dir() + "/" + name) {
  std::ofstream out(path_, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("fuzz harness: cannot write " + path_);
}

FuzzInputFile::~FuzzInputFile() {
  std::error_code ignored;
  fs::remove(path_, ignored);
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

namespace {

// The scratch folder goes when the process ends normally (libFuzzer's -runs and
// -max_total_time exits included).
struct ScratchCleanup {
  ~ScratchCleanup() {
    std::error_code ignored;
    fs::remove_all(scratch_dir(), ignored);
  }
};

}  // namespace
}  // namespace moe::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  // The folder's name is made first, so it is destroyed after the cleanup that needs it.
  moe::fuzz::scratch_dir();
  static moe::fuzz::ScratchCleanup cleanup;
  const char* dir = std::getenv("MOE_FUZZ_WRITE_SEEDS");
  if (dir == nullptr || *dir == '\0') return 0;
  fs::create_directories(dir);
  const std::vector<std::string> seeds = moe::fuzz::fuzz_seeds();
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::ofstream out(fs::path(dir) / ("seed-" + std::to_string(i)), std::ios::binary);
    out.write(seeds[i].data(), static_cast<std::streamsize>(seeds[i].size()));
  }
  return 0;
}
