// Numbers for people: fixed decimals for log lines and tables.
#pragma once

#include <iomanip>
#include <sstream>
#include <string>

namespace moe {

// 0.91403 -> "0.9140" (digits after the point).
inline std::string fixed(double value, int digits = 4) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << value;
  return out.str();
}

// 12.345 -> "12.3 s" (durations in messages).
inline std::string seconds_text(double seconds) { return fixed(seconds, 1) + " s"; }

}  // namespace moe
