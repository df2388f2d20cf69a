// Implementation of exchange_examples: examples are packed into one int32 stream per
// destination ([len_a, len_b, domain, label bits, weight bits, a..., b...]) and moved with
// all_to_all.
#include "train/example_exchange.h"

#include <cstring>

#include "common/error.h"

namespace moe::train {
namespace {

constexpr int64_t kHeaderInts = 5;

int32_t bits_of(float value) {
  int32_t bits = 0;
  static_assert(sizeof(bits) == sizeof(value));
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

void pack(const data::TokenPair& pair, std::vector<int32_t>& out) {
  out.push_back(static_cast<int32_t>(pair.a.size()));
  out.push_back(static_cast<int32_t>(pair.b.size()));
  out.push_back(pair.domain);
  out.push_back(bits_of(pair.label));
  out.push_back(bits_of(pair.weight));
  out.insert(out.end(), pair.a.begin(), pair.a.end());
  out.insert(out.end(), pair.b.begin(), pair.b.end());
}

std::vector<data::TokenPair> unpack(const int32_t* data, int64_t size) {
  std::vector<data::TokenPair> pairs;
  int64_t at = 0;
  while (at < size) {
    MOE_REQUIRE(at + kHeaderInts <= size, "example exchange: truncated message");
    data::TokenPair pair;
    const int64_t length_a = data[at], length_b = data[at + 1];
    pair.domain = data[at + 2];
    std::memcpy(&pair.label, &data[at + 3], sizeof(pair.label));
    std::memcpy(&pair.weight, &data[at + 4], sizeof(pair.weight));
    at += kHeaderInts;
    MOE_REQUIRE(length_a >= 0 && length_b >= 0 && at + length_a + length_b <= size,
                "example exchange: corrupt message");
    pair.a.assign(data + at, data + at + length_a);
    at += length_a;
    pair.b.assign(data + at, data + at + length_b);
    at += length_b;
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

}  // namespace

std::vector<data::TokenPair> exchange_examples(dist::Communicator& comm,
                                               const std::vector<data::TokenPair>& examples,
                                               const std::vector<int>& destinations) {
  MOE_REQUIRE(examples.size() == destinations.size(),
              "example exchange: one destination per example needed");
  const int world = comm.size();
  std::vector<std::vector<int32_t>> outgoing(world);
  for (size_t i = 0; i < examples.size(); ++i) {
    MOE_REQUIRE(destinations[i] >= 0 && destinations[i] < world,
                "example exchange: destination rank ", destinations[i], " out of range");
    pack(examples[i], outgoing[destinations[i]]);
  }
  if (world == 1) return unpack(outgoing[0].data(), static_cast<int64_t>(outgoing[0].size()));

  std::vector<int64_t> send_rows(world);
  std::vector<int32_t> flat;
  for (int p = 0; p < world; ++p) {
    send_rows[p] = static_cast<int64_t>(outgoing[p].size());
    flat.insert(flat.end(), outgoing[p].begin(), outgoing[p].end());
  }
  torch::Tensor send =
      torch::from_blob(flat.data(), {static_cast<int64_t>(flat.size())}, torch::kInt32);
  torch::Tensor received = comm.all_to_all_rows(send, send_rows);
  return unpack(received.data_ptr<int32_t>(), received.numel());
}

}  // namespace moe::train
