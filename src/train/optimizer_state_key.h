// The key under which a LibTorch optimizer keeps a parameter's state: the TensorImpl's
// address printed as a string in LibTorch 1.x, the pointer itself in 2.x.
#pragma once

#include <torch/torch.h>

#include <sstream>
#include <string>
#include <type_traits>

namespace moe::train {

template <typename Optimizer>  // a template, so only the matching branch is compiled
auto optimizer_state_key(Optimizer& optimizer, const torch::Tensor& parameter) {
  using Key = typename std::decay_t<decltype(optimizer.state())>::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;
    text << static_cast<const void*>(parameter.unsafeGetTensorImpl());
    return text.str();
  } else {
    return static_cast<Key>(static_cast<void*>(parameter.unsafeGetTensorImpl()));
  }
}

}  // namespace moe::train
