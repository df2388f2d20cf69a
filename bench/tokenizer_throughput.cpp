// Tokenizer throughput on real abstracts: MB/s of UTF-8 text turned into WordPiece ids, on
// one thread and on all threads.
//   build/bin/tokenizer_throughput [--vocab FILE] [--corpus CSV] [--column NAME]
//                                  [--repeat N] [--threads T] [--cased]
// Defaults: ../shared/data/vocab/bert-base-uncased.vocab.txt and the medical_abstract column
// of ../shared/data/corpora/medical_abstracts.csv, 5 passes, all cores.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "data/delimited_text.h"
#include "data/vocabulary.h"
#include "data/wordpiece_tokenizer.h"

namespace {

struct Options {
  std::string vocab = "../shared/data/vocab/bert-base-uncased.vocab.txt";
  std::string corpus = "../shared/data/corpora/medical_abstracts.csv";
  std::string column = "medical_abstract";
  int repeat = 5;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool cased = false;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      MOE_REQUIRE(i + 1 < argc, arg, " needs a value");
      return argv[++i];
    };
    if (arg == "--vocab")
      o.vocab = value();
    else if (arg == "--corpus")
      o.corpus = value();
    else if (arg == "--column")
      o.column = value();
    else if (arg == "--repeat")
      o.repeat = std::stoi(value());
    else if (arg == "--threads")
      o.threads = std::stoi(value());
    else if (arg == "--cased")
      o.cased = true;
    else
      throw moe::Error("unknown option " + arg + " (see the comment at the top of the source)");
  }
  return o;
}

std::vector<std::string> read_column(const std::string& path, const std::string& column) {
  std::ifstream in(path, std::ios::binary);
  MOE_REQUIRE(in, path, ": cannot open");
  moe::data::DelimitedRecordReader reader(in, moe::data::DelimitedDialect{});
  moe::data::DelimitedRecord record;
  MOE_REQUIRE(reader.next(record) && record.problem.empty(), path, ": no header");
  const auto it = std::find(record.fields.begin(), record.fields.end(), column);
  MOE_REQUIRE(it != record.fields.end(), path, ": no column ", column);
  const size_t index = static_cast<size_t>(it - record.fields.begin());
  std::vector<std::string> texts;
  while (reader.next(record)) {
    MOE_REQUIRE(record.problem.empty(), path, ":", record.line, ": ", record.problem);
    if (index < record.fields.size()) texts.push_back(record.fields[index]);
  }
  return texts;
}

// Seconds to tokenize texts[i] for i = first, first + stride, ... `repeat` times.
double tokenize_share(const moe::data::WordPieceTokenizer& tokenizer,
                      const std::vector<std::string>& texts, size_t first, size_t stride,
                      int repeat, int64_t& tokens) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<int32_t> ids;
  for (int r = 0; r < repeat; ++r) {
    for (size_t i = first; i < texts.size(); i += stride) {
      ids.clear();
      tokenizer.append_word_ids(texts[i], ids);
      tokens += static_cast<int64_t>(ids.size());
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    const std::vector<std::string> texts = read_column(o.corpus, o.column);
    double megabytes = 0;
    for (const auto& t : texts) megabytes += static_cast<double>(t.size()) / 1e6;
    moe::data::TokenizerOptions tokenizer_options;
    tokenizer_options.lowercase = !o.cased;
    const moe::data::WordPieceTokenizer tokenizer(moe::data::Vocabulary::load(o.vocab),
                                                  tokenizer_options);
    std::printf("corpus %s: %zu texts, %.2f MB; vocab %s (%s); %d passes\n", o.corpus.c_str(),
                texts.size(), megabytes, o.vocab.c_str(), o.cased ? "cased" : "uncased", o.repeat);

    int64_t tokens = 0;
    const double single = tokenize_share(tokenizer, texts, 0, 1, o.repeat, tokens);
    std::printf("1 thread : %7.1f MB/s  %9.0f tokens/s\n", megabytes * o.repeat / single,
                tokens / single);

    std::vector<std::thread> workers;
    std::vector<int64_t> counts(o.threads, 0);
    const auto start = std::chrono::steady_clock::now();
    for (int t = 0; t < o.threads; ++t)
      workers.emplace_back([&, t] {
        tokenize_share(tokenizer, texts, static_cast<size_t>(t), static_cast<size_t>(o.threads),
                       o.repeat, counts[t]);
      });
    for (auto& w : workers) w.join();
    const double all =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    int64_t all_tokens = 0;
    for (int64_t c : counts) all_tokens += c;
    std::printf("%d threads: %7.1f MB/s  %9.0f tokens/s  (%.1f MB/s per thread)\n", o.threads,
                megabytes * o.repeat / all, all_tokens / all,
                megabytes * o.repeat / all / o.threads);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tokenizer_throughput: error: %s\n", e.what());
    return 1;
  }
}
