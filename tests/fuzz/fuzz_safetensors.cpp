// Fuzz target: the safetensors reader (header length, JSON header, dtypes, shapes, offsets)
// and reading every tensor it accepts. The input is the whole file.
#include <torch/torch.h>

#include <string_view>

#include "common/error.h"
#include "fuzz_support.h"
#include "hf/safetensors_file.h"

namespace moe::fuzz {
std::vector<std::string> fuzz_seeds() {
  const FuzzInputFile slot("", "seed.safetensors");
  torch::manual_seed(0);
  std::vector<std::string> seeds;
  for (const hf::TensorDtype dtype :
       {hf::TensorDtype::float32, hf::TensorDtype::float16, hf::TensorDtype::bfloat16}) {
    hf::write_safetensors(slot.path(),
                          {{"embeddings.word_embeddings.weight", torch::randn({4, 3})},
                           {"pooler.dense.bias", torch::randn({3})},
                           {"scalar", torch::randn({})}},
                          dtype, {{"format", "pt"}});
    seeds.push_back(file_bytes(slot.path()));
  }
  return seeds;
}
}  // namespace moe::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const moe::fuzz::FuzzInputFile file(std::string_view(reinterpret_cast<const char*>(data), size),
                                      "in.safetensors");
  try {
    const moe::hf::SafetensorsReader reader(file.path());
    for (const std::string& name : reader.names()) {
      const std::vector<int64_t> shape = reader.shape(name);
      const torch::Tensor tensor =
          reader.dtype(name) == "I64" ? reader.read_int64(name) : reader.read(name);
      if (tensor.sizes().vec() != shape) std::abort();
    }
  } catch (const moe::Error&) {
    // Refusing an input with a clear error is allowed.
  }
  return 0;
}
