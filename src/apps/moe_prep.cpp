// moe_prep: prepares training data.
//   moe_prep synth --out DIR            a synthetic co-citation corpus (papers, citations, vocab)
//   moe_prep build --papers F --citations F --vocab F --out DIR
//                                       co-citation pairs -> tokenized HDF5 shards + manifest
//   moe_prep tokenize --vocab F [--cased] --jsonl
//                                       one JSON string per stdin line -> JSON id array per line
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "data/dataset_statistics.h"
#include "data/pair_dataset_builder.h"
#include "data/pair_table_dataset.h"
#include "data/paper_corpus.h"
#include "data/synthetic_corpus.h"
#include "data/vocabulary.h"
#include "data/wordpiece_tokenizer.h"
#include "hf/tokenizer_files.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage =
    "usage: moe_prep COMMAND [options]\n"
    "commands:\n"
    "  synth     generate a synthetic co-citation corpus (papers.jsonl, citations.csv, vocab.txt)\n"
    "  build     assemble co-citation pairs, tokenize, write HDF5 shards and manifest.json\n"
    "  pairs     ready-made pair files (CSV/TSV/JSONL: a, b, label[, domain]) -> shards\n"
    "  tokenize  tokenize JSON strings from stdin (one per line) to JSON id arrays\n"
    "  inspect   counts and token-length statistics per domain and split of a dataset\n"
    "'moe_prep COMMAND --help' lists a command's options.\n";

std::string joined_command_line(int argc, char** argv) {
  std::string text;
  for (int i = 0; i < argc; ++i) text += (i ? " " : "") + std::string(argv[i]);
  return text;
}

// Parses argv[1..] of a sub-command; returns false when --help was printed.
bool parse(int argc, char** argv, po::options_description& options, po::variables_map& vm,
           const char* usage) {
  options.add_options()("help,h", "show this help");
  po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
  if (vm.count("help")) {
    std::cout << usage << "\n" << options;
    return false;
  }
  po::notify(vm);
  return true;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

int run_synth(int argc, char** argv) {
  moe::data::SyntheticCorpusOptions synth;
  std::string out, domains = "cardio,pulmo";
  po::options_description options("moe_prep synth options");
  options.add_options()("out", po::value(&out)->required(), "output folder")(
      "domains", po::value(&domains)->default_value(domains), "comma-separated domain names")(
      "papers-per-domain",
      po::value(&synth.papers_per_domain)->default_value(synth.papers_per_domain),
      "papers in each domain")(
      "topics-per-domain",
      po::value(&synth.topics_per_domain)->default_value(synth.topics_per_domain),
      "topics in each domain")(
      "words-per-abstract",
      po::value(&synth.words_per_abstract)->default_value(synth.words_per_abstract),
      "words in each abstract")(
      "topic-word-fraction",
      po::value(&synth.topic_word_fraction)->default_value(synth.topic_word_fraction),
      "share of an abstract's words drawn from its topic")(
      "references-per-paper",
      po::value(&synth.references_per_paper)->default_value(synth.references_per_paper),
      "citations each paper makes")("same-topic-citations",
                                    po::value(&synth.same_topic_citation_probability)
                                        ->default_value(synth.same_topic_citation_probability),
                                    "chance that a citation stays within the citing paper's topic")(
      "seed", po::value(&synth.seed)->default_value(synth.seed), "random seed");
  po::variables_map vm;
  if (!parse(argc, argv, options, vm, "usage: moe_prep synth --out DIR [options]")) return 0;
  synth.domains = split_commas(domains);
  MOE_REQUIRE(!synth.domains.empty(), "--domains: give at least one domain name");

  const moe::data::SyntheticCorpus corpus = moe::data::generate_synthetic_corpus(synth);
  fs::create_directories(out);
  moe::data::write_papers_jsonl((fs::path(out) / "papers.jsonl").string(), corpus.papers);
  moe::data::write_citations_csv((fs::path(out) / "citations.csv").string(), corpus.citations);
  moe::data::Vocabulary::from_tokens(moe::data::synthetic_vocabulary(corpus))
      .save((fs::path(out) / "vocab.txt").string());
  std::printf("[prep] synthetic corpus: %zu papers in %zu domains, %zu citations -> %s\n",
              corpus.papers.size(), synth.domains.size(), corpus.citations.size(), out.c_str());
  return 0;
}

// --vocab takes a vocab.txt or a Hugging Face model folder: then its vocab.txt, with the
// casing its tokenizer_config.json declares (so the data matches the model model.init_from
// will load). Returns whether to lower-case; `vocab` becomes the vocab.txt path.
bool resolve_vocabulary(std::string& vocab, bool cased) {
  if (!fs::is_directory(vocab)) return !cased;
  const moe::hf::TokenizerSettings settings = moe::hf::read_tokenizer_settings(vocab);
  MOE_REQUIRE(!(cased && settings.options.lowercase), "--cased contradicts ", vocab,
              ": its tokenizer lower-cases (do_lower_case true)");
  vocab = (fs::path(vocab) / "vocab.txt").string();
  MOE_REQUIRE(fs::exists(vocab), vocab, " does not exist (a model folder needs its vocab.txt)");
  std::fprintf(stderr, "[prep] vocabulary %s (%s, from the model folder)\n", vocab.c_str(),
               settings.options.lowercase ? "lower-cased" : "cased");
  return settings.options.lowercase;
}

int run_build(int argc, char** argv) {
  const std::string command_line = "moe_prep " + joined_command_line(argc, argv);
  moe::data::PairDatasetOptions build;
  bool cased = false;
  po::options_description options("moe_prep build options");
  options.add_options()("papers", po::value(&build.papers_path)->required(),
                        "papers JSONL (id, domain, text)")(
      "citations", po::value(&build.citations_path)->required(),
      "citations CSV (citing_id,cited_id)")(
      "vocab", po::value(&build.vocab_path)->required(),
      "WordPiece vocabulary (one token per line), or a Hugging Face model folder")(
      "cased", po::bool_switch(&cased), "keep case and accents (cased vocabularies)")(
      "max-length", po::value(&build.max_length)->default_value(build.max_length),
      "tokens per abstract including [CLS] and [SEP]")(
      "min-cocitations", po::value(&build.cocitation.min_cocitations)->default_value(1),
      "papers that must cite both abstracts of a positive pair")(
      "valid-fraction", po::value(&build.cocitation.valid_fraction)->default_value(0.1),
      "share of each domain's papers held out for validation")(
      "test-fraction", po::value(&build.cocitation.test_fraction)->default_value(0.1),
      "share of each domain's papers held out for test")(
      "seed", po::value(&build.cocitation.seed)->default_value(build.cocitation.seed),
      "seed for splits and negatives")(
      "pairs-per-shard", po::value(&build.pairs_per_shard)->default_value(build.pairs_per_shard),
      "pairs in each HDF5 shard")("out", po::value(&build.out_dir)->required(), "output folder");
  po::variables_map vm;
  if (!parse(argc, argv, options, vm,
             "usage: moe_prep build --papers F --citations F --vocab F --out DIR [options]"))
    return 0;
  build.lowercase = resolve_vocabulary(build.vocab_path, cased);
  build.created_by = command_line;
  const moe::data::PairDatasetReport report = moe::data::build_pair_dataset(build);
  const auto& s = report.stats;
  std::printf(
      "[prep] %lld citations, %lld co-cited pairs (%lld cross-domain dropped, %lld under "
      "threshold)\n",
      static_cast<long long>(s.edges), static_cast<long long>(s.cocited_pairs),
      static_cast<long long>(s.cross_domain_pairs),
      static_cast<long long>(s.below_threshold_pairs));
  for (const std::string& domain : report.manifest.domains)
    std::printf("[prep] %-12s train %6lld  valid %6lld  test %6lld pairs\n", domain.c_str(),
                static_cast<long long>(report.manifest.count("train", domain)),
                static_cast<long long>(report.manifest.count("valid", domain)),
                static_cast<long long>(report.manifest.count("test", domain)));
  std::printf("[prep] wrote %s\n", report.manifest_path.c_str());
  return 0;
}

template <typename Policy>
Policy parse_policy(const std::string& flag, const std::string& value,
                    const std::vector<std::pair<std::string, Policy>>& choices) {
  std::string names;
  for (const auto& [name, policy] : choices) {
    if (name == value) return policy;
    names += (names.empty() ? "" : ", ") + name;
  }
  throw moe::Error(moe::cat("--", flag, ": must be one of ", names, "; got '", value, "'"));
}

int run_pairs(int argc, char** argv) {
  const std::string command_line = "moe_prep " + joined_command_line(argc, argv);
  moe::data::PairTableDatasetOptions build;
  moe::data::PairTableReaderOptions& input = build.input;
  bool cased = false, no_quoting = false;
  std::string format = "auto", domains, bad_rows = "fail", empty_text = "skip",
              invalid_utf8 = "fail";
  po::options_description options("moe_prep pairs options");
  options.add_options()("train", po::value(&build.train_path)->required(), "training pairs file")(
      "valid", po::value(&build.valid_path), "validation pairs file (labels 0 and 1)")(
      "test", po::value(&build.test_path), "test pairs file (labels 0 and 1)")(
      "vocab", po::value(&build.vocab_path)->required(),
      "WordPiece vocabulary, or a Hugging Face model folder")(
      "out", po::value(&build.out_dir)->required(), "output folder")(
      "format", po::value(&format)->default_value(format), "auto (by extension), csv, tsv, jsonl")(
      "no-quoting", po::bool_switch(&no_quoting), "CSV/TSV without quote handling (plain TSV)")(
      "a-column", po::value(&input.columns.a)->default_value(input.columns.a), "first text column")(
      "b-column", po::value(&input.columns.b)->default_value(input.columns.b),
      "second text column")("label-column",
                            po::value(&input.columns.label)->default_value(input.columns.label),
                            "label column (0/1); empty: every row is a positive")(
      "domain-column", po::value(&input.columns.domain)->default_value(input.columns.domain),
      "domain column; empty: use --domain for every row")(
      "domain", po::value(&input.default_domain), "domain of rows without a domain column")(
      "domains", po::value(&domains), "comma-separated allowed domains (others are an error)")(
      "bad-rows", po::value(&bad_rows)->default_value(bad_rows), "fail or skip malformed rows")(
      "empty-text", po::value(&empty_text)->default_value(empty_text),
      "skip or fail on empty text")("invalid-utf8",
                                    po::value(&invalid_utf8)->default_value(invalid_utf8),
                                    "fail, skip or repair (U+FFFD) rows with invalid UTF-8")(
      "cased", po::bool_switch(&cased), "keep case and accents (cased vocabularies)")(
      "max-length", po::value(&build.max_length)->default_value(build.max_length),
      "tokens per text including [CLS] and [SEP]")(
      "pairs-per-shard", po::value(&build.pairs_per_shard)->default_value(build.pairs_per_shard),
      "pairs in each HDF5 shard");
  po::variables_map vm;
  if (!parse(argc, argv, options, vm,
             "usage: moe_prep pairs --train F [--valid F] [--test F] --vocab F --out DIR"))
    return 0;
  input.format = moe::data::parse_pair_table_format(format);
  input.quoting = !no_quoting;
  input.allowed_domains = split_commas(domains);
  using namespace moe::data;
  input.bad_rows = parse_policy<BadRowPolicy>(
      "bad-rows", bad_rows, {{"fail", BadRowPolicy::fail}, {"skip", BadRowPolicy::skip}});
  input.empty_text = parse_policy<EmptyTextPolicy>(
      "empty-text", empty_text, {{"skip", EmptyTextPolicy::skip}, {"fail", EmptyTextPolicy::fail}});
  input.invalid_utf8 = parse_policy<InvalidUtf8Policy>("invalid-utf8", invalid_utf8,
                                                       {{"fail", InvalidUtf8Policy::fail},
                                                        {"skip", InvalidUtf8Policy::skip},
                                                        {"repair", InvalidUtf8Policy::repair}});
  build.lowercase = resolve_vocabulary(build.vocab_path, cased);
  build.created_by = command_line;

  const PairTableReport report = build_pair_table_dataset(build);
  for (const PairTableFileReport& file : report.files) {
    const PairTableCounts& c = file.counts;
    std::printf(
        "[prep] %-5s %s: %lld rows, %lld kept, %lld malformed, %lld empty, %lld invalid "
        "UTF-8 (%lld repaired), %lld train negatives dropped\n",
        file.split.c_str(), file.path.c_str(), static_cast<long long>(c.rows),
        static_cast<long long>(c.kept), static_cast<long long>(c.malformed),
        static_cast<long long>(c.empty_text), static_cast<long long>(c.invalid_utf8),
        static_cast<long long>(c.repaired_utf8), static_cast<long long>(file.negatives_dropped));
    if (!c.first_skipped.empty())
      std::printf("[prep]   first skipped: %s\n", c.first_skipped.c_str());
  }
  for (const PairTableSplitCounts& w : report.written)
    std::printf("[prep] %-12s %-5s %7lld positive %7lld negative pairs\n", w.domain.c_str(),
                w.split.c_str(), static_cast<long long>(w.positives),
                static_cast<long long>(w.negatives));
  std::printf("[prep] wrote %s\n", report.manifest_path.c_str());
  return 0;
}

int run_tokenize(int argc, char** argv) {
  std::string vocab;
  bool cased = false, jsonl = false;
  po::options_description options("moe_prep tokenize options");
  options.add_options()("vocab", po::value(&vocab)->required(),
                        "WordPiece vocabulary, or a Hugging Face model folder")(
      "cased", po::bool_switch(&cased), "keep case and accents")(
      "jsonl", po::bool_switch(&jsonl), "input lines are JSON strings (required)");
  po::variables_map vm;
  if (!parse(argc, argv, options, vm, "usage: moe_prep tokenize --vocab F [--cased] --jsonl"))
    return 0;
  MOE_REQUIRE(jsonl, "moe_prep tokenize: only --jsonl input is supported; pass --jsonl");
  moe::data::TokenizerOptions tokenizer_options;
  tokenizer_options.lowercase = resolve_vocabulary(vocab, cased);
  const moe::data::WordPieceTokenizer tokenizer(moe::data::Vocabulary::load(vocab),
                                                tokenizer_options);
  std::string line;
  for (int64_t number = 1; std::getline(std::cin, line); ++number) {
    nlohmann::json text;
    try {
      text = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw moe::Error(moe::cat("stdin:", number, ": not a JSON string: ", e.what()));
    }
    MOE_REQUIRE(text.is_string(), "stdin:", number, ": expected a JSON string");
    std::cout << nlohmann::json(tokenizer.encode_words(text.get<std::string>())).dump() << '\n';
  }
  return 0;
}

int run_inspect(int argc, char** argv) {
  std::string path;
  po::options_description options("moe_prep inspect options");
  options.add_options()("manifest", po::value(&path)->required(),
                        "manifest.json of a dataset (or the folder holding it)");
  po::positional_options_description positional;
  positional.add("manifest", 1);
  po::variables_map vm;
  options.add_options()("help,h", "show this help");
  po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), vm);
  if (vm.count("help")) {
    std::cout << "usage: moe_prep inspect PATH\n\n" << options;
    return 0;
  }
  po::notify(vm);
  if (fs::is_directory(path)) path = (fs::path(path) / "manifest.json").string();
  const moe::data::Manifest manifest = moe::data::Manifest::load(path);
  std::cout << moe::data::format_dataset_statistics(
      manifest, moe::data::compute_dataset_statistics(manifest));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  try {
    if (command == "synth") return run_synth(argc - 1, argv + 1);
    if (command == "build") return run_build(argc - 1, argv + 1);
    if (command == "pairs") return run_pairs(argc - 1, argv + 1);
    if (command == "tokenize") return run_tokenize(argc - 1, argv + 1);
    if (command == "inspect") return run_inspect(argc - 1, argv + 1);
    std::fprintf(stderr, "moe_prep: unknown command '%s'\n%s", command.c_str(), kUsage);
    return 2;
  } catch (const po::error& e) {
    std::fprintf(stderr, "moe_prep %s: error: %s\n", command.c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moe_prep %s: error: %s\n", command.c_str(), e.what());
    return 1;
  }
}
