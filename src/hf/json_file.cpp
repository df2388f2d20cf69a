// Implementation of the JSON file helpers (see json_file.h).
#include "hf/json_file.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "common/error.h"
#include "common/json_problem.h"

namespace moe::hf {

namespace fs = std::filesystem;
using Json = nlohmann::json;

Json read_json(const std::string& path) {
  MOE_REQUIRE(!fs::is_directory(path), path, ": is a folder, not a JSON file");
  std::ifstream in(path, std::ios::binary);
  MOE_REQUIRE(in.good(), path, ": cannot open it (",
              fs::exists(path) ? "not readable" : "no such file", ")");
  Json root;
  try {
    root = Json::parse(in);
  } catch (const Json::exception& error) {  // bad syntax, or a number too large for a double
    throw Error(cat(path, ": not valid JSON ", json_problem(error)));
  }
  return root;
}

Json read_json_object(const std::string& path) {
  Json root = read_json(path);
  MOE_REQUIRE(root.is_object(), path, ": must be a JSON object, found ", root.type_name());
  return root;
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    MOE_REQUIRE(out.good(), path, ": cannot write ", temporary);
    out << text;
    out.flush();
    if (!out.good()) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
      throw Error(cat(path, ": writing ", temporary, " failed"));
    }
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw Error(cat(path, ": cannot rename ", temporary, " onto it: ", error.message()));
  }
}

void write_json_file(const std::string& path, const nlohmann::ordered_json& json) {
  write_file_atomically(path, json.dump(2) + "\n");
}

}  // namespace moe::hf
