// The extension of a file name, lower-cased (".CSV" -> ".csv"; "" when there is none): what
// the pair and text readers choose their format by.
#pragma once

#include <cctype>
#include <filesystem>
#include <string>

namespace moe::data {

inline std::string lowercase_extension(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension;
}

}  // namespace moe::data
