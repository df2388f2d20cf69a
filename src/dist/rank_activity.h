// What a rank is doing, as far as its peers need to know: the collective it waits in, if any.
#pragma once

#include <string>

namespace moe::dist {

struct Activity {
  std::string collective;  // the collective it waits in, or "" when it is not in one
  double seconds = 0;      // how long it has been in it (or outside any, since the last)
};

}  // namespace moe::dist
