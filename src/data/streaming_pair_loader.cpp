// The streaming loader: stream set-up from the manifest, the I/O thread that builds this
// rank's slices of global batches, and the consumer side (see streaming_pair_loader.h).
#include "data/streaming_pair_loader.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <optional>
#include <thread>
#include <utility>

#include "common/error.h"
#include "common/splitmix64.h"
#include "data/bounded_queue.h"
#include "data/shuffled_pair_stream.h"

namespace moe::data {
namespace {

// Sub-seed tags: the single proportional stream, domain d's stream (tag + d), and the
// per-batch domain draws.
constexpr uint64_t kAllDomainsStreamTag = 0x616C6C0000000000ULL;
constexpr uint64_t kDomainStreamTag = 0x646F6D0000000000ULL;
constexpr uint64_t kMixingDrawTag = 0x6D69780000000000ULL;

// Thrown inside the I/O thread when the loader asks it to stop; never leaves the thread.
struct StopRequested {};

uint64_t hash_in(uint64_t hash, uint64_t value) { return splitmix64(hash ^ splitmix64(value)); }
uint64_t hash_in(uint64_t hash, const std::string& text) {
  hash = hash_in(hash, text.size());
  for (unsigned char c : text) hash = hash_in(hash, c);
  return hash;
}

// One shard of the split, opened on first read (by the I/O thread only).
struct ShardSlot {
  std::string listed_path;  // as the manifest lists it (relative to its folder)
  std::string path;         // resolved
  std::string domain;
  int32_t domain_index = 0;
  int64_t count = 0;
  std::unique_ptr<PairShardReader> reader;
  int64_t last_read = 0;  // when the reader was last used (for closing the least recent)
};

}  // namespace

// ---- State ---------------------------------------------------------------------------------

std::vector<int64_t> StreamingPairLoader::State::encode() const {
  std::vector<int64_t> values{step, static_cast<int64_t>(fingerprint)};
  for (const StreamPosition& stream : streams) {
    values.push_back(stream.epoch);
    values.push_back(stream.index);
  }
  return values;
}

StreamingPairLoader::State StreamingPairLoader::State::decode(const std::vector<int64_t>& values) {
  MOE_REQUIRE(values.size() >= 4 && values.size() % 2 == 0, "loader state: ", values.size(),
              " numbers; expected step, fingerprint and an epoch and index per stream");
  State state;
  state.step = values[0];
  state.fingerprint = static_cast<uint64_t>(values[1]);
  for (size_t i = 2; i < values.size(); i += 2) state.streams.push_back({values[i], values[i + 1]});
  return state;
}

bool StreamingPairLoader::State::operator==(const State& other) const {
  if (step != other.step || fingerprint != other.fingerprint) return false;
  if (streams.size() != other.streams.size()) return false;
  for (size_t i = 0; i < streams.size(); ++i) {
    if (streams[i].epoch != other.streams[i].epoch || streams[i].index != other.streams[i].index)
      return false;
  }
  return true;
}

// ---- Impl ----------------------------------------------------------------------------------

struct StreamingPairLoader::Impl {
  // One local batch, or the error that stopped the I/O thread before it.
  struct Batch {
    std::vector<TokenPair> pairs;
    State after;  // the position once this batch is taken
    std::exception_ptr error;
  };

  Impl(const Manifest& manifest, StreamingLoaderOptions opts);
  ~Impl() { stop(); }

  void start();
  void stop();
  void produce(State from);
  std::vector<TokenPair> read_chunk(const PairChunk& chunk);
  PairShardReader& open_shard(ShardSlot& slot);
  void note_buffered(int64_t in_progress, int64_t queuing = 0);
  // Pairs in the prefetch queue: its batches all hold local_batch pairs.
  int64_t queued_pairs() const {
    return queue ? static_cast<int64_t>(queue->size()) * local_batch : 0;
  }
  bool mixing() const { return options.mixing != MixingPolicy::kProportional; }

  StreamingLoaderOptions options;
  int64_t local_batch = 0;
  int64_t split_size = 0;
  uint64_t vocab_hash = 0;
  uint64_t fingerprint = 0;
  uint64_t mixing_seed = 0;
  std::vector<ShardSlot> shards;  // readers: touched only by the I/O thread while it runs
  int64_t reads = 0;              // chunk reads so far (the clock of ShardSlot::last_read)
  std::vector<ShuffledPairStream> streams;  // touched only by the I/O thread while it runs
  std::vector<double> probabilities;        // per domain; mixing policies only
  int64_t bound = 0;

  // Consumer side.
  State state;
  std::exception_ptr error;  // sticky until restore()

  std::unique_ptr<BoundedQueue<Batch>> queue;
  std::thread io;
  std::atomic<bool> stopping{false};
  std::atomic<int64_t> pending_pairs{0};  // a finished batch waiting to enter the queue
  std::atomic<int64_t> held_pairs{0};     // pairs the I/O thread holds (windows + batch)
  std::atomic<int64_t> peak_pairs{0};
  std::atomic<int64_t> open_shards{0};
};

StreamingPairLoader::Impl::Impl(const Manifest& manifest, StreamingLoaderOptions opts)
    : options(std::move(opts)), vocab_hash(manifest.vocab_hash) {
  const StreamingLoaderOptions& o = options;
  MOE_REQUIRE(o.world_size > 0, "loader: world size ", o.world_size, " must be positive");
  MOE_REQUIRE(o.rank >= 0 && o.rank < o.world_size, "loader: rank ", o.rank, " is outside 0..",
              o.world_size - 1);
  MOE_REQUIRE(o.global_batch_size > 0, "loader: global batch size ", o.global_batch_size,
              " must be positive");
  MOE_REQUIRE(o.global_batch_size % o.world_size == 0, "loader: global batch size ",
              o.global_batch_size, " is not a multiple of the number of ranks (", o.world_size,
              "); choose a batch size divisible by ", o.world_size);
  MOE_REQUIRE(o.chunk_pairs > 0, "loader: chunk_pairs ", o.chunk_pairs, " must be positive");
  MOE_REQUIRE(o.shuffle_window_chunks > 0, "loader: shuffle_window_chunks ",
              o.shuffle_window_chunks, " must be positive");
  MOE_REQUIRE(o.prefetch_batches > 0, "loader: prefetch_batches ", o.prefetch_batches,
              " must be positive");
  MOE_REQUIRE(o.max_open_shards > 0, "loader: max_open_shards ", o.max_open_shards,
              " must be positive");
  local_batch = o.global_batch_size / o.world_size;

  const size_t domains = manifest.domains.size();
  std::vector<int64_t> domain_counts(domains, 0);
  for (const ShardEntry& entry : manifest.shards_of(o.split)) {
    ShardSlot slot;
    slot.listed_path = entry.path;
    slot.path = manifest.resolve(entry.path);
    slot.domain = entry.domain;
    slot.domain_index = manifest.domain_index(entry.domain);
    slot.count = entry.count;
    domain_counts[static_cast<size_t>(slot.domain_index)] += entry.count;
    split_size += entry.count;
    shards.push_back(std::move(slot));
  }
  MOE_REQUIRE(split_size > 0, "loader: the manifest lists no '", o.split,
              "' pairs; check the split name or re-run moe_prep");

  // Every input of the example order goes into the fingerprint; rank, world size, batch size,
  // prefetch depth and where the dataset folder lives do not.
  fingerprint = hash_in(0x6C6F61646572ULL, o.seed);
  fingerprint = hash_in(fingerprint, static_cast<uint64_t>(o.mixing));
  if (o.mixing == MixingPolicy::kTemperature) {
    uint64_t bits = 0;
    std::memcpy(&bits, &o.temperature, sizeof bits);
    fingerprint = hash_in(fingerprint, bits);
  }
  fingerprint = hash_in(fingerprint, static_cast<uint64_t>(o.chunk_pairs));
  fingerprint = hash_in(fingerprint, static_cast<uint64_t>(o.shuffle_window_chunks));
  fingerprint = hash_in(fingerprint, o.split);
  for (const ShardSlot& slot : shards) {
    fingerprint =
        hash_in(hash_in(fingerprint, slot.listed_path), static_cast<uint64_t>(slot.count));
    fingerprint = hash_in(fingerprint, static_cast<uint64_t>(slot.domain_index));
  }

  // Streams: one over everything, or one per domain (in manifest order).
  auto chunks_of = [&](int32_t domain) {  // domain < 0: every shard
    std::vector<int64_t> sizes;
    std::vector<int32_t> ids;
    for (size_t s = 0; s < shards.size(); ++s) {
      if (domain >= 0 && shards[s].domain_index != domain) continue;
      sizes.push_back(shards[s].count);
      ids.push_back(static_cast<int32_t>(s));
    }
    return cut_into_chunks(sizes, ids, o.chunk_pairs);
  };
  if (!mixing()) {
    streams.emplace_back(chunks_of(-1), derive_seed(o.seed, kAllDomainsStreamTag),
                         o.shuffle_window_chunks);
  } else {
    probabilities = domain_probabilities(domain_counts, o.mixing, o.temperature);
    mixing_seed = derive_seed(o.seed, kMixingDrawTag);
    for (size_t d = 0; d < domains; ++d) {
      streams.emplace_back(chunks_of(static_cast<int32_t>(d)),
                           derive_seed(o.seed, kDomainStreamTag + d), o.shuffle_window_chunks);
    }
  }

  for (const ShuffledPairStream& stream : streams) bound += stream.max_window_pairs();
  bound += (o.prefetch_batches + 1) * local_batch;

  state.fingerprint = fingerprint;
  state.streams.assign(streams.size(), StreamPosition{});
}

void StreamingPairLoader::Impl::start() {
  stopping = false;
  pending_pairs = 0;
  queue = std::make_unique<BoundedQueue<Batch>>(static_cast<size_t>(options.prefetch_batches));
  io = std::thread([this, from = state] { produce(from); });
}

void StreamingPairLoader::Impl::stop() {
  stopping = true;
  if (queue) queue->close();
  if (io.joinable()) io.join();
  queue.reset();
  pending_pairs = 0;
  held_pairs = 0;
}

// Records the pairs held right now. `in_progress`: pairs the I/O thread holds outside the
// streams (the batch being built, a pair in hand); `queuing`: a batch about to be pushed.
// Queued pairs are read from the queue's own size (every batch holds local_batch pairs), so
// a batch the consumer has just popped is never still counted as queued.
void StreamingPairLoader::Impl::note_buffered(int64_t in_progress, int64_t queuing) {
  int64_t held = in_progress;
  for (const ShuffledPairStream& stream : streams) held += stream.buffered_pairs();
  held_pairs.store(held);
  pending_pairs.store(queuing);
  const int64_t total = held + queuing + queued_pairs();
  int64_t peak = peak_pairs.load(std::memory_order_relaxed);
  while (total > peak && !peak_pairs.compare_exchange_weak(peak, total)) {
  }
}

// Opens a shard (closing the least recently read one when max_open_shards are open) and
// checks it against its manifest entry.
PairShardReader& StreamingPairLoader::Impl::open_shard(ShardSlot& slot) {
  if (slot.reader) return *slot.reader;
  if (open_shards.load() >= options.max_open_shards) {
    ShardSlot* oldest = nullptr;
    for (ShardSlot& other : shards) {
      if (other.reader && (!oldest || other.last_read < oldest->last_read)) oldest = &other;
    }
    oldest->reader.reset();
    --open_shards;
  }
  auto reader = std::make_unique<PairShardReader>(slot.path);
  const ShardInfo& info = reader->info();
  MOE_REQUIRE(info.vocab_hash == vocab_hash, "shard ", slot.path, ": vocabulary hash ",
              info.vocab_hash, " differs from the manifest's ", vocab_hash,
              "; re-run moe_prep with one vocabulary");
  MOE_REQUIRE(info.domain == slot.domain && info.split == options.split, "shard ", slot.path,
              ": holds ", info.domain, "/", info.split, " but the manifest lists it as ",
              slot.domain, "/", options.split);
  MOE_REQUIRE(reader->size() == slot.count, "shard ", slot.path, ": holds ", reader->size(),
              " pairs but the manifest says ", slot.count, "; re-run moe_prep");
  slot.reader = std::move(reader);
  ++open_shards;
  return *slot.reader;
}

std::vector<TokenPair> StreamingPairLoader::Impl::read_chunk(const PairChunk& chunk) {
  if (stopping.load(std::memory_order_relaxed)) throw StopRequested{};
  ShardSlot& slot = shards[static_cast<size_t>(chunk.shard)];
  slot.last_read = ++reads;
  std::vector<TokenPair> pairs = open_shard(slot).read(chunk.begin, chunk.count);
  for (TokenPair& pair : pairs) pair.domain = slot.domain_index;  // the manifest's numbering
  return pairs;
}

void StreamingPairLoader::Impl::produce(State from) {
  const ShuffledPairStream::ChunkReader reader = [this](const PairChunk& chunk) {
    return read_chunk(chunk);
  };
  try {
    for (size_t s = 0; s < streams.size(); ++s) {
      if (streams[s].size() > 0) streams[s].seek({from.streams[s].epoch, from.streams[s].index});
    }
    State at = std::move(from);
    const int64_t global = options.global_batch_size;
    const int64_t first = options.rank * local_batch;
    for (;;) {
      Batch batch;
      batch.pairs.reserve(static_cast<size_t>(local_batch));
      const std::vector<int32_t> domains =
          mixing() ? batch_domains(options.mixing, probabilities, mixing_seed, at.step, global)
                   : std::vector<int32_t>();
      for (int64_t j = 0; j < global; ++j) {
        if (stopping.load(std::memory_order_relaxed)) return;
        ShuffledPairStream& stream = streams[domains.empty() ? 0 : domains[static_cast<size_t>(j)]];
        const bool loads_window = stream.buffered_pairs() == 0;
        TokenPair pair = stream.next(reader);
        if (loads_window) note_buffered(static_cast<int64_t>(batch.pairs.size()) + 1);
        if (j >= first && j < first + local_batch) batch.pairs.push_back(std::move(pair));
      }
      ++at.step;
      for (size_t s = 0; s < streams.size(); ++s) {
        const ShuffledPairStream::Position p = streams[s].position();
        at.streams[s] = {p.epoch, p.index};
      }
      batch.after = at;
      note_buffered(0, local_batch);
      if (!queue->push(std::move(batch))) return;
      pending_pairs.store(0);
    }
  } catch (const StopRequested&) {
    return;
  } catch (...) {
    Batch failed;
    failed.error = std::current_exception();
    queue->push(std::move(failed));  // false only when the loader is stopping anyway
  }
}

// ---- StreamingPairLoader -------------------------------------------------------------------

StreamingPairLoader::StreamingPairLoader(const Manifest& manifest, StreamingLoaderOptions options)
    : impl_(std::make_unique<Impl>(manifest, std::move(options))) {}

StreamingPairLoader::~StreamingPairLoader() = default;

std::vector<TokenPair> StreamingPairLoader::next_batch() {
  Impl& impl = *impl_;
  if (impl.error) std::rethrow_exception(impl.error);
  if (!impl.io.joinable()) impl.start();
  std::optional<Impl::Batch> batch = impl.queue->pop();
  if (!batch) {  // the I/O thread ended without a batch or an error: cannot happen, but never hang
    impl.error = std::make_exception_ptr(Error("loader: the I/O thread stopped unexpectedly"));
  } else if (batch->error) {
    impl.error = batch->error;
  }
  if (impl.error) {
    impl.stop();
    std::rethrow_exception(impl.error);
  }
  impl.state = std::move(batch->after);
  return std::move(batch->pairs);
}

StreamingPairLoader::State StreamingPairLoader::state() const { return impl_->state; }

void StreamingPairLoader::restore(const State& state) {
  Impl& impl = *impl_;
  MOE_REQUIRE(state.fingerprint == impl.fingerprint,
              "loader: the saved position belongs to a different data order (another dataset, "
              "split, seed, mixing policy, temperature, chunk_pairs or shuffle_window_chunks); "
              "resume with the settings it was saved with");
  MOE_REQUIRE(state.streams.size() == impl.streams.size(), "loader: the saved position has ",
              state.streams.size(), " streams, this loader ", impl.streams.size());
  MOE_REQUIRE(state.step >= 0, "loader: the saved position has step ", state.step);
  for (size_t s = 0; s < impl.streams.size(); ++s) {
    const StreamPosition& p = state.streams[s];
    const int64_t size = impl.streams[s].size();
    MOE_REQUIRE(p.epoch >= 0 && p.index >= 0 && (p.index < size || (size == 0 && p.index == 0)),
                "loader: the saved position of stream ", s, " (epoch ", p.epoch, ", index ",
                p.index, ") is outside its ", size, " pairs");
  }
  impl.stop();
  impl.state = state;
  impl.error = nullptr;
}

int64_t StreamingPairLoader::epoch() const {
  const Impl& impl = *impl_;
  int64_t fewest = -1;
  for (size_t s = 0; s < impl.streams.size(); ++s) {
    if (impl.streams[s].size() == 0) continue;
    const int64_t e = impl.state.streams[s].epoch;
    fewest = fewest < 0 ? e : std::min(fewest, e);
  }
  return std::max<int64_t>(fewest, 0);
}

int64_t StreamingPairLoader::local_batch_size() const { return impl_->local_batch; }

int64_t StreamingPairLoader::split_size() const { return impl_->split_size; }

StreamingPairLoader::Stats StreamingPairLoader::stats() const {
  const Impl& impl = *impl_;
  Stats stats;
  stats.queued_batches = impl.queue ? static_cast<int64_t>(impl.queue->size()) : 0;
  stats.buffered_pairs = impl.held_pairs.load() + impl.pending_pairs.load() + impl.queued_pairs();
  stats.peak_buffered_pairs = impl.peak_pairs.load();
  stats.buffered_pairs_bound = impl.bound;
  stats.open_shards = impl.open_shards.load();
  return stats;
}

}  // namespace moe::data
