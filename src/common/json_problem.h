// What nlohmann::json's parser threw, worded for "file:line: bad JSON ..." messages. The
// parser throws parse_error for bad syntax and out_of_range for a number no double holds
// (1e999); a reader must turn both into its own error, never let one escape.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace moe {

// "at column 7: syntax error while parsing value - invalid literal; last read: 'tru,'" or
// "number overflow parsing '1e999'": the library's "[json.exception...]" prefix removed.
std::string json_problem(const nlohmann::json::exception& error);

}  // namespace moe
