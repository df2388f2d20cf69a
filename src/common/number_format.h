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

}  // namespace moe
