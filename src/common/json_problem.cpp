// Implementation of json_problem (see json_problem.h).
#include "common/json_problem.h"

#include "common/error.h"

namespace moe {

std::string json_problem(const nlohmann::json::exception& error) {
  const std::string what = error.what();
  if (const auto* parse = dynamic_cast<const nlohmann::json::parse_error*>(&error)) {
    // "[json.exception.parse_error.101] parse error at line 1, column 7: syntax error ..."
    const std::size_t colon = what.find(": ");
    return cat("at column ", parse->byte, ": ",
               colon == std::string::npos ? what : what.substr(colon + 2));
  }
  // "[json.exception.out_of_range.406] number overflow parsing '1e999'"
  const std::size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

}  // namespace moe
