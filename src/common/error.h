// Error type and check helpers shared by every layer: user-facing failures carry one
// actionable line that names the file, key or operation at fault.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace moe {

// Thrown for conditions a user can cause (bad config, bad data, failed I/O). Programs
// catch it at the top, print what() on one line and exit non-zero.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Builds a message from streamable parts: throw Error(cat("shard ", path, ": ", why)).
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

}  // namespace moe

// Throws moe::Error with the given message parts when cond is false.
#define MOE_REQUIRE(cond, ...)                                \
  do {                                                        \
    if (!(cond)) throw ::moe::Error(::moe::cat(__VA_ARGS__)); \
  } while (0)
