// Fuzz target: the pair shard reader (HDF5 file, attributes, datasets, offsets, Fletcher32
// checksums) and reading every pair it accepts, with every HDF5 handle closed afterwards. The
// input is the whole file; the seeds are shards written by PairShardWriter, stored and
// deflated.
#include <hdf5.h>

#include <algorithm>
#include <string_view>

#include "common/error.h"
#include "data/pair_shard.h"
#include "fuzz_support.h"

namespace moe::fuzz {
std::vector<std::string> fuzz_seeds() {
  std::vector<std::string> seeds;
  for (const int deflate : {0, 6}) {
    const std::string path = scratch_dir() + "/seed.h5";
    data::ShardInfo info;
    info.domain = "cardio";
    info.split = "train";
    info.vocab_hash = 42;
    info.lowercase = true;
    info.max_length = 8;
    info.created_by = "fuzz_shard seed";
    data::PairShardWriter writer(path, info, deflate);
    for (int i = 0; i < 5; ++i) {
      data::TokenPair pair;
      pair.a = {101, 7 + i, 102};
      pair.b = {101, 9, 10 + i, 102};
      pair.domain = 0;
      pair.label = static_cast<float>(i % 2);
      writer.add(pair);
    }
    writer.finish();
    seeds.push_back(file_bytes(path));
  }
  return seeds;
}
}  // namespace moe::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const moe::fuzz::FuzzInputFile file(std::string_view(reinterpret_cast<const char*>(data), size),
                                      "in.h5");
  try {
    const moe::data::PairShardReader reader(file.path());
    const int32_t max_length = reader.info().max_length;
    for (int64_t begin = 0; begin < reader.size(); begin += 3) {
      const int64_t count = std::min<int64_t>(3, reader.size() - begin);
      const std::vector<moe::data::TokenPair> pairs = reader.read(begin, count);
      if (static_cast<int64_t>(pairs.size()) != count) std::abort();
      for (const moe::data::TokenPair& pair : pairs)
        if (max_length > 0 && (static_cast<int32_t>(pair.a.size()) > max_length ||
                               static_cast<int32_t>(pair.b.size()) > max_length))
          std::abort();
    }
  } catch (const moe::Error&) {
    // Refusing an input with a clear error is allowed.
  }
  // Whatever happened, every HDF5 object the reader opened is closed again.
  if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) std::abort();
  return 0;
}
