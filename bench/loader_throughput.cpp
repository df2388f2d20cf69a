// Streaming loader throughput and memory: writes a synthetic pair dataset (unless --dir
// already holds one), then streams it with StreamingPairLoader on one consumer thread and
// reports pairs/s, CPU time per pair and peak resident memory (VmHWM).
//   loader_throughput [--dir DIR] [--pairs N] [--tokens T] [--domains D]
//                     [--pairs-per-shard S] [--epochs E] [--batch B] [--world P] [--rank R]
//                     [--mixing proportional|uniform|temperature|balanced] [--chunk-pairs C]
//                     [--window W] [--prefetch K] [--max-open-shards M] [--keep]
// Defaults: 2,000,000 pairs, sides of T = 128 tokens at most (lengths uniform in T/2..T, mean
// about 0.75 T: abstracts truncated at max_length), 4 domains of different sizes, 100,000
// pairs per shard (as moe_prep), 1 epoch, global batch 256, one rank. Without --dir the
// dataset goes to a fresh temporary folder that is removed at the end (unless --keep).
// The dataset is written by a child process, so the parent's VmHWM measures reading only.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "data/manifest.h"
#include "data/pair_shard.h"
#include "data/streaming_pair_loader.h"

namespace fs = std::filesystem;
using moe::data::Manifest;
using moe::data::StreamingLoaderOptions;
using moe::data::StreamingPairLoader;
using moe::data::TokenPair;

namespace {

struct Options {
  std::string dir;
  int64_t pairs = 2000000;
  int tokens = 128;
  int domains = 4;
  int64_t pairs_per_shard = 100000;
  int epochs = 1;
  bool keep = false;
  StreamingLoaderOptions loader;
};

Options parse(int argc, char** argv) {
  Options o;
  o.loader.global_batch_size = 256;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      MOE_REQUIRE(i + 1 < argc, arg, " needs a value");
      return argv[++i];
    };
    if (arg == "--dir")
      o.dir = value();
    else if (arg == "--pairs")
      o.pairs = std::stoll(value());
    else if (arg == "--tokens")
      o.tokens = std::stoi(value());
    else if (arg == "--domains")
      o.domains = std::stoi(value());
    else if (arg == "--pairs-per-shard")
      o.pairs_per_shard = std::stoll(value());
    else if (arg == "--epochs")
      o.epochs = std::stoi(value());
    else if (arg == "--batch")
      o.loader.global_batch_size = std::stoll(value());
    else if (arg == "--world")
      o.loader.world_size = std::stoi(value());
    else if (arg == "--rank")
      o.loader.rank = std::stoi(value());
    else if (arg == "--mixing")
      o.loader.mixing = moe::data::parse_mixing_policy(value());
    else if (arg == "--chunk-pairs")
      o.loader.chunk_pairs = std::stoll(value());
    else if (arg == "--window")
      o.loader.shuffle_window_chunks = std::stoll(value());
    else if (arg == "--prefetch")
      o.loader.prefetch_batches = std::stoi(value());
    else if (arg == "--max-open-shards")
      o.loader.max_open_shards = std::stoi(value());
    else if (arg == "--keep")
      o.keep = true;
    else
      throw moe::Error("unknown option " + arg + " (see the comment at the top of the source)");
  }
  MOE_REQUIRE(o.pairs > 0 && o.tokens >= 2 && o.domains > 0 && o.pairs_per_shard > 0,
              "--pairs, --tokens (>= 2), --domains and --pairs-per-shard must be positive");
  return o;
}

// Domain d gets a share proportional to d + 1, so sizes differ (1:2:3:4 for 4 domains).
void write_dataset(const Options& o) {
  Manifest manifest;
  manifest.vocab_file = "vocab.txt";
  manifest.vocab_hash = 42;
  manifest.lowercase = true;
  manifest.max_length = o.tokens;
  for (int d = 0; d < o.domains; ++d) manifest.domains.push_back("domain" + std::to_string(d));
  fs::create_directories(fs::path(o.dir) / "shards");
  std::mt19937_64 random(1);
  std::uniform_int_distribution<int> length(o.tokens / 2, o.tokens);
  std::uniform_int_distribution<int32_t> token(1000, 30000);
  const int64_t weight_sum = int64_t{o.domains} * (o.domains + 1) / 2;
  int64_t written = 0;
  for (int d = 0; d < o.domains; ++d) {
    const int64_t domain_pairs =
        d + 1 == o.domains ? o.pairs - written : o.pairs * (d + 1) / weight_sum;
    written += domain_pairs;
    for (int64_t begin = 0, shard = 0; begin < domain_pairs; begin += o.pairs_per_shard, ++shard) {
      const int64_t count = std::min(o.pairs_per_shard, domain_pairs - begin);
      char name[64];
      std::snprintf(name, sizeof name, "shards/domain%d-train-%05lld.h5", d,
                    static_cast<long long>(shard));
      moe::data::ShardInfo info;
      info.domain = manifest.domains[static_cast<size_t>(d)];
      info.split = "train";
      info.domain_index = d;
      info.vocab_hash = manifest.vocab_hash;
      info.lowercase = true;
      info.max_length = o.tokens;
      info.created_by = "bench/loader_throughput (synthetic)";
      moe::data::PairShardWriter writer((fs::path(o.dir) / name).string(), info);
      TokenPair pair;
      pair.domain = d;
      pair.label = 1.0f;
      for (int64_t i = 0; i < count; ++i) {
        pair.a.resize(static_cast<size_t>(length(random)));
        pair.b.resize(static_cast<size_t>(length(random)));
        for (int32_t& t : pair.a) t = token(random);
        for (int32_t& t : pair.b) t = token(random);
        pair.a.front() = pair.b.front() = 101;  // [CLS]
        pair.a.back() = pair.b.back() = 102;    // [SEP]
        writer.add(pair);
      }
      writer.finish();
      manifest.shards.push_back({name, info.domain, "train", count});
    }
  }
  std::ofstream((fs::path(o.dir) / "vocab.txt").string()) << "[PAD]\n";
  manifest.save((fs::path(o.dir) / "manifest.json").string());
}

// Writes the dataset in a child process so that its memory does not count in our VmHWM.
void write_dataset_in_child(const Options& o) {
  std::fflush(nullptr);
  const pid_t child = fork();
  MOE_REQUIRE(child >= 0, "fork failed");
  if (child == 0) {
    try {
      write_dataset(o);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "writing the dataset: %s\n", error.what());
      _exit(1);
    }
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  MOE_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writing the dataset failed");
}

// A "VmHWM:" style line of /proc/self/status, in MiB.
double status_mib(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::strtod(line.c_str() + key.size(), nullptr) / 1024.0;
  }
  return -1.0;
}

double cpu_seconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Options o = parse(argc, argv);
    bool temporary = false;
    if (o.dir.empty()) {
      o.dir =
          (fs::temp_directory_path() / ("moe_loader_bench_" + std::to_string(getpid()))).string();
      temporary = !o.keep;
    }
    const std::string manifest_path = (fs::path(o.dir) / "manifest.json").string();
    if (!fs::exists(manifest_path)) {
      const auto start = std::chrono::steady_clock::now();
      write_dataset_in_child(o);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("wrote %lld pairs (sides of %d..%d tokens) to %s in %.1f s\n",
                  static_cast<long long>(o.pairs), o.tokens / 2, o.tokens, o.dir.c_str(), seconds);
    }
    const Manifest manifest = Manifest::load(manifest_path);
    const double rss_before = status_mib("VmRSS:");

    StreamingPairLoader loader(manifest, o.loader);
    const int64_t global_pairs = loader.split_size() * o.epochs;
    const int64_t steps =
        (global_pairs + o.loader.global_batch_size - 1) / o.loader.global_batch_size;
    const double process_cpu_before = cpu_seconds(RUSAGE_SELF);
    const double thread_cpu_before = cpu_seconds(RUSAGE_THREAD);
    const auto start = std::chrono::steady_clock::now();
    int64_t tokens = 0, local_pairs = 0;
    for (int64_t step = 0; step < steps; ++step) {
      for (const TokenPair& pair : loader.next_batch()) {
        tokens += static_cast<int64_t>(pair.a.size() + pair.b.size());
        ++local_pairs;
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double process_cpu = cpu_seconds(RUSAGE_SELF) - process_cpu_before;
    const double consumer_cpu = cpu_seconds(RUSAGE_THREAD) - thread_cpu_before;
    const StreamingPairLoader::Stats stats = loader.stats();
    const double read_pairs = static_cast<double>(steps * o.loader.global_batch_size);

    std::printf(
        "loader: %s mixing, global batch %lld, rank %d of %d, chunk %lld pairs, window %lld "
        "chunks, prefetch %d, at most %d open shards\n",
        moe::data::to_string(o.loader.mixing), static_cast<long long>(o.loader.global_batch_size),
        o.loader.rank, o.loader.world_size, static_cast<long long>(o.loader.chunk_pairs),
        static_cast<long long>(o.loader.shuffle_window_chunks), o.loader.prefetch_batches,
        o.loader.max_open_shards);
    std::printf(
        "streamed %lld steps (%.0f pairs read, %lld kept by this rank, %.1f tokens/pair)"
        " in %.2f s\n",
        static_cast<long long>(steps), read_pairs, static_cast<long long>(local_pairs),
        static_cast<double>(tokens) / static_cast<double>(local_pairs), seconds);
    std::printf(
        "throughput: %.0f pairs/s read (wall), %.0f pairs per CPU-second (all threads; "
        "%.2f CPU-s in total, consumer thread %.2f)\n",
        read_pairs / seconds, read_pairs / process_cpu, process_cpu, consumer_cpu);
    std::printf(
        "memory: peak RSS (VmHWM) %.1f MiB, RSS before the loader %.1f MiB, now %.1f MiB;"
        " peak buffered pairs %lld (bound %lld)\n",
        status_mib("VmHWM:"), rss_before, status_mib("VmRSS:"),
        static_cast<long long>(stats.peak_buffered_pairs),
        static_cast<long long>(stats.buffered_pairs_bound));
    if (temporary) fs::remove_all(o.dir);
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "loader_throughput: %s\n", error.what());
    return 1;
  }
}
