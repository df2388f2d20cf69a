// ScopedTempDir: a fresh folder under the system temp dir for one test, removed with its contents.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>

namespace moe::testing_support {

class ScopedTempDir {
 public:
  // Creates <temp>/<prefix>_<random>_<counter>; the counter keeps folders made in one process
  // apart, the random part keeps processes (ctest -j, several ranks) apart.
  explicit ScopedTempDir(const std::string& prefix) {
    static std::atomic<int> counter{0};
    std::random_device random;
    do {
      dir_ = std::filesystem::temp_directory_path() /
             (prefix + "_" + std::to_string(random()) + "_" + std::to_string(counter++));
    } while (!std::filesystem::create_directory(dir_));  // false: the name is taken, try another
  }
  ~ScopedTempDir() {
    std::error_code ignored;  // a failed clean-up must not fail or abort the test
    std::filesystem::remove_all(dir_, ignored);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  // The path of `name` inside the folder, as a string for APIs that take one.
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // Writes `content` to `name` inside the folder (bytes as given) and returns its path.
  std::string write_file(const std::string& name, const std::string& content) const {
    const std::string file = path(name);
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace moe::testing_support
