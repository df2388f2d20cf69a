// Hashes a checkpoint's parameters (see model_fingerprint.h).
#include "model/model_fingerprint.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "common/splitmix64.h"

namespace moe::model {
namespace {

class Hasher {
 public:
  void add_bytes(const void* data, size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
      uint64_t word = 0;
      std::memcpy(&word, bytes + i, 8);
      state_ = splitmix64(state_ ^ word);
    }
    uint64_t tail = 0;
    if (size > i) std::memcpy(&tail, bytes + i, size - i);  // an empty tensor's data may be null
    state_ = splitmix64(state_ ^ tail ^ (static_cast<uint64_t>(size) << 56));
  }
  void add_text(const std::string& text) { add_bytes(text.data(), text.size()); }
  void add_number(int64_t value) { add_bytes(&value, sizeof value); }
  void add_tensor(const std::string& name, const torch::Tensor& tensor) {
    add_text(name);
    add_text(std::string(c10::toString(tensor.scalar_type())));
    for (const int64_t extent : tensor.sizes()) add_number(extent);
    const torch::Tensor values = tensor.to(torch::kCPU).contiguous();
    add_bytes(values.data_ptr(), static_cast<size_t>(values.nbytes()));
  }
  uint64_t value() const { return state_; }

 private:
  uint64_t state_ = 0x6D6F652D656D6264ULL;  // "moe-embd"
};

}  // namespace

std::string model_fingerprint(const CheckpointContents& checkpoint) {
  Hasher hasher;
  hasher.add_text(layout_to_json(checkpoint.layout));
  hasher.add_text(bert_config_to_json(checkpoint.config));
  hasher.add_number(static_cast<int64_t>(checkpoint.vocab_hash));
  hasher.add_number(checkpoint.lowercase ? 1 : 0);
  for (const auto& [name, tensor] : checkpoint.shared) hasher.add_tensor("shared/" + name, tensor);
  for (const auto& [domain, tensors] : checkpoint.experts) {
    for (const auto& [name, tensor] : tensors) {
      hasher.add_tensor("experts/" + domain + "/" + name, tensor);
    }
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hasher.value()));
  return text;
}

}  // namespace moe::model
