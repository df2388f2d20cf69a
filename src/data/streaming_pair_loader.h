// StreamingPairLoader: streams the training pairs of one split listed in a manifest, in
// per-rank slices of global batches that do not depend on the number of ranks, with one I/O
// thread reading ahead into a bounded queue. Memory does not grow with the dataset.
//
// The global example order (a pure function of the manifest's shards, seed and options; never
// of the rank, the world size or I/O timing):
//   * The split is cut into chunks of chunk_pairs pairs (ranges inside shards).
//   * proportional: one stream over every domain's chunks (ShuffledPairStream: per epoch a
//     seeded chunk order, then a seeded shuffle inside each window of shuffle_window_chunks
//     chunks). Global batch k holds the next global_batch_size pairs of that stream; a batch
//     may run on into the next epoch. Domains appear in proportion to their size.
//   * uniform / temperature / balanced: one such stream per domain. Example j of global batch
//     k comes from domain batch_domains(policy, probabilities, seed, k)[j], and takes that domain's
//     next pair. Each domain's stream has its own epochs (one pass over that domain's pairs) and
//     wraps independently: under uniform mixing a small domain is repeated while a large one
//     is still in its first pass.
//   * Rank r of P gets examples [r * B / P, (r + 1) * B / P) of each global batch B. Every rank
//     reads every chunk (keeping only its slice), so the streams advance identically.
// The position is a State (step and each stream's epoch and index). state() after a batch and
// restore() in a new loader, with any world size, continue with exactly the global batches an
// uninterrupted run would produce.
//
// Threads: only the I/O thread touches HDF5 while it runs (shards are opened lazily there).
// next_batch(), state(), restore() and the destructor belong to one consumer thread. A shard
// that fails to open or read surfaces as a moe::Error naming the file from the next_batch()
// call that needs it (batches before it are delivered first); the error repeats on every
// later call until restore().
//
// Memory: at most Stats::buffered_pairs_bound pairs = streams x the largest shuffle window
// (shuffle_window_chunks x chunk_pairs) + (prefetch_batches + 1) x the local batch, plus the
// offsets of at most max_open_shards open shards (16 bytes per pair, kept by
// PairShardReader) and a few integers per chunk (8 bytes per chunk_pairs pairs).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/domain_mixing.h"
#include "data/manifest.h"
#include "data/pair_shard.h"  // TokenPair

namespace moe::data {

struct StreamingLoaderOptions {
  std::string split = "train";
  int64_t global_batch_size = 0;  // > 0 and a multiple of world_size
  int rank = 0, world_size = 1;
  uint64_t seed = 0;
  MixingPolicy mixing = MixingPolicy::kProportional;
  double temperature = 2.0;           // kTemperature only: P(domain) ∝ pairs^(1/temperature)
  int64_t chunk_pairs = 1024;         // pairs per read; the unit of the chunk shuffle
  int64_t shuffle_window_chunks = 8;  // chunks whose pairs are shuffled together
  int prefetch_batches = 4;           // local batches the I/O thread may read ahead
  // Shards open at once (each keeps its offsets in memory, 16 bytes per pair); the least
  // recently read is closed first. Reopening re-reads the offsets, so keep every shard of the
  // split open when memory allows.
  int max_open_shards = 64;
};

class StreamingPairLoader {
 public:
  // Where the next global batch starts. Saved in checkpoints; independent of rank and world
  // size.
  struct StreamPosition {
    int64_t epoch = 0;  // passes completed over the stream's pairs
    int64_t index = 0;  // the next pair's index in epoch `epoch`'s order
  };
  struct State {
    int64_t step = 0;          // global batches taken
    uint64_t fingerprint = 0;  // hash of what defines the order (see restore)
    // proportional: one stream over all domains; the other policies: one per manifest
    // domain, in manifest order (a domain with no pairs stays at {0, 0}).
    std::vector<StreamPosition> streams;

    // Flat form for checkpoint files: [step, fingerprint bits, epoch_0, index_0, epoch_1, ...].
    std::vector<int64_t> encode() const;
    static State decode(const std::vector<int64_t>& values);
    bool operator==(const State& other) const;
  };
  // Counters for tests and monitoring (pairs held by the loader, returned batches excluded).
  struct Stats {
    int64_t buffered_pairs = 0;       // now: windows + batch being built + prefetch queue
    int64_t peak_buffered_pairs = 0;  // the most seen since construction
    int64_t buffered_pairs_bound = 0;
    int64_t queued_batches = 0;
    int64_t open_shards = 0;
  };

  // Validates the options (batch size a multiple of the world size, rank in range, positive
  // sizes) and that the split has pairs; opens no file. Starts at step 0.
  StreamingPairLoader(const Manifest& manifest, StreamingLoaderOptions options);
  ~StreamingPairLoader();  // stops and joins the I/O thread, even when it waits on a full queue
  StreamingPairLoader(const StreamingPairLoader&) = delete;
  StreamingPairLoader& operator=(const StreamingPairLoader&) = delete;

  // This rank's global_batch_size / world_size pairs of the next global batch. Domains carry
  // the manifest's domain indices. Starts the I/O thread on first use.
  std::vector<TokenPair> next_batch();

  // The position after the last batch returned (not the I/O thread's read-ahead position).
  State state() const;
  // Continues from a state() of a loader over the same shards with the same seed, mixing,
  // temperature, chunk_pairs and shuffle_window_chunks (rank, world size, prefetch depth and
  // even the global batch size may differ). Anything else is a moe::Error. Discards read-ahead
  // batches and any stored I/O error.
  void restore(const State& state);

  // Completed passes over the data: proportional: the stream's epoch; the other policies:
  // the fewest passes any non-empty domain has completed (so after epoch() == e every pair of
  // the split has been handed out at least e times).
  int64_t epoch() const;
  int64_t local_batch_size() const;
  // Pairs in the split (one proportional epoch).
  int64_t split_size() const;
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace moe::data
