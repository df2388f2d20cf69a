// Vector search speed: build rate and queries per second of each index kind moe_index offers,
// on synthetic unit vectors clustered around random topics (the shape of real embeddings),
// with the approximate kinds' recall@10 against exact search at their default settings.
//   build/bin/index_speed [--count N] [--dimension D] [--queries Q] [--kinds exact,hnsw,ivf]
//                         [--threads T] [--clusters C] [--search-depths 16,64,256]
// Defaults: 100000 vectors of 768 dimensions (BERT-base), 1000 queries, every kind, all cores.
// --search-depths repeats the searches of the approximate kinds at each efSearch / probes.
// Fewer vectors a topic (--clusters) make the data closer to uniform: harder to index.
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "index/index_build.h"
#include "index/vector_index.h"

namespace {

struct Options {
  int64_t count = 100000;
  int64_t dimension = 768;
  int64_t queries = 1000;
  int64_t clusters = 1000;
  std::vector<std::string> kinds = {"exact", "hnsw", "ivf"};
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<int64_t> depths;  // search depths to sweep (efSearch / probes); empty: the default
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      MOE_REQUIRE(i + 1 < argc, arg, " needs a value");
      return argv[++i];
    };
    if (arg == "--count") {
      o.count = std::stoll(value());
    } else if (arg == "--dimension") {
      o.dimension = std::stoll(value());
    } else if (arg == "--queries") {
      o.queries = std::stoll(value());
    } else if (arg == "--clusters") {
      o.clusters = std::stoll(value());
    } else if (arg == "--threads") {
      o.threads = std::stoi(value());
    } else if (arg == "--search-depths") {
      std::stringstream list(value());
      for (std::string depth; std::getline(list, depth, ',');)
        o.depths.push_back(std::stoll(depth));
    } else if (arg == "--kinds") {
      o.kinds.clear();
      std::stringstream list(value());
      for (std::string kind; std::getline(list, kind, ',');) o.kinds.push_back(kind);
    } else {
      throw moe::Error("unknown option " + arg + " (see the comment at the top of the source)");
    }
  }
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Unit vectors around `clusters` random centres, generated in slices to bound the peak.
torch::Tensor clustered(int64_t count, int64_t dimension, const torch::Tensor& centres) {
  torch::Tensor out = torch::empty({count, dimension}, torch::kFloat32);
  for (int64_t first = 0; first < count; first += 65536) {
    const int64_t rows = std::min<int64_t>(65536, count - first);
    const torch::Tensor which = torch::randint(centres.size(0), {rows}, torch::kInt64);
    torch::Tensor x = centres.index_select(0, which) + 0.35 * torch::randn({rows, dimension});
    out.slice(0, first, first + rows).copy_(x / x.norm(2, 1, true));
  }
  return out;
}

struct Measured {
  torch::Tensor rows;
  double batch_qps = 0, latency_ms = 0;
  std::string recall;
};

// Queries per second for the whole batch in one call, milliseconds a query one at a time
// (interactive use: no batching across queries), and recall@10 against `truth` (undefined:
// this is the exact index).
Measured measure_search(const moe::index::VectorIndex& index, const torch::Tensor& queries,
                        const torch::Tensor& truth) {
  Measured result;
  auto start = std::chrono::steady_clock::now();
  result.rows = index.search(queries, 10).rows;
  result.batch_qps = static_cast<double>(queries.size(0)) / seconds_since(start);
  const int64_t alone = std::min<int64_t>(queries.size(0), 100);
  start = std::chrono::steady_clock::now();
  for (int64_t q = 0; q < alone; ++q) index.search(queries.slice(0, q, q + 1), 10);
  result.latency_ms = 1000.0 * seconds_since(start) / static_cast<double>(alone);
  if (!truth.defined()) {
    result.recall =
        index.kind() == moe::index::IndexKind::exact ? "1 (exact)" : "(run exact first)";
    return result;
  }
  char text[32];
  std::snprintf(
      text, sizeof text, "%.3f",
      moe::index::recall_at_k(truth, result.rows, std::vector<int64_t>(queries.size(0), -1), 10));
  result.recall = text;
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    torch::set_num_threads(o.threads);
    torch::manual_seed(1);
    const torch::Tensor centres = torch::randn({o.clusters, o.dimension});
    const torch::Tensor stored = clustered(o.count, o.dimension, centres);
    const torch::Tensor queries = clustered(o.queries, o.dimension, centres);
    std::printf("%lld vectors x %lld dimensions (%lld topics), %lld queries, k=10, %d threads\n",
                static_cast<long long>(o.count), static_cast<long long>(o.dimension),
                static_cast<long long>(o.clusters), static_cast<long long>(o.queries), o.threads);
    std::printf(
        "| kind | settings | build s | vectors/s | queries/s (batch of %lld) | ms a query "
        "(one at a time) | recall@10 |\n",
        static_cast<long long>(o.queries));
    std::printf("|---|---|---:|---:|---:|---:|---:|\n");
    torch::Tensor truth;
    for (const std::string& name : o.kinds) {
      const moe::index::IndexKind kind = moe::index::parse_index_kind(name);
      const moe::index::IndexParameters parameters = moe::index::resolved({}, o.count);
      auto start = std::chrono::steady_clock::now();
      moe::index::VectorIndex index(kind, o.dimension, parameters);
      if (index.needs_training()) {
        const int64_t sample = std::min<int64_t>(o.count, 50 * parameters.ivf_lists);
        index.train(
            stored.slice(0, 0, o.count, std::max<int64_t>(1, o.count / sample)).contiguous());
      }
      for (int64_t first = 0; first < o.count; first += 65536)
        index.add(stored.slice(0, first, std::min(o.count, first + 65536)));
      const double build = seconds_since(start);
      std::vector<int64_t> depths = {index.search_depth()};
      if (kind != moe::index::IndexKind::exact && !o.depths.empty()) depths = o.depths;
      for (const int64_t depth : depths) {
        if (kind != moe::index::IndexKind::exact) index.set_search_depth(depth);
        const Measured measured = measure_search(index, queries, truth);
        if (kind == moe::index::IndexKind::exact) truth = measured.rows;
        std::string settings = "-";
        if (kind == moe::index::IndexKind::hnsw)
          settings = "M " + std::to_string(parameters.hnsw_neighbors) + ", efC " +
                     std::to_string(parameters.hnsw_build_depth) + ", efS " +
                     std::to_string(index.search_depth());
        if (kind == moe::index::IndexKind::ivf)
          settings = std::to_string(parameters.ivf_lists) + " lists, " +
                     std::to_string(index.search_depth()) + " probes";
        std::printf("| %s | %s | %.1f | %.0f | %.1f | %.2f | %s |\n", name.c_str(),
                    settings.c_str(), build, static_cast<double>(o.count) / build,
                    measured.batch_qps, measured.latency_ms, measured.recall.c_str());
        std::fflush(stdout);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "index_speed: %s\n", e.what());
    return 1;
  }
  return 0;
}
