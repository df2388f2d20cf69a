// moe_eval CHECKPOINT MANIFEST... [--out DIR] [--format md|csv|json]: the paper's tables for a
// trained model on prepared datasets: per domain and "All", under the paper's protocol
// (threshold tuned on the test pairs) and the honest one (threshold from valid), plus the
// cross-domain table for a model with per-domain paths.
// moe_eval --retrieval CHECKPOINT CORPUS: recall@k and MRR of each text's first half finding
// its second half among all second halves, for the checkpoint and for TF-IDF (docs/SEARCH.md).
#include <torch/torch.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "common/error.h"
#include "common/openmp_wait_policy.h"
#include "data/text_records.h"
#include "hf/json_file.h"
#include "train/checkpoint_evaluation.h"
#include "train/evaluation_tables.h"
#if MOE_WITH_FAISS
#include "index/retrieval_evaluation.h"
#endif

namespace po = boost::program_options;

namespace {

constexpr int kUsageError = 2;

std::string render(const moe::train::CheckpointEvaluation& e, const std::string& format) {
  using namespace moe::train;
  if (format == "csv") return render_csv(e.report);
  if (format == "json") return render_json(e.report);
  std::string text = render_markdown(e.report);
  if (e.cross) text += "\n" + render_markdown(*e.cross);
  return text;
}

std::vector<int64_t> parse_cut_offs(const std::string& text) {
  std::vector<int64_t> values;
  std::stringstream list(text);
  for (std::string item; std::getline(list, item, ',');) {
    try {
      size_t used = 0;
      values.push_back(std::stoll(item, &used));
      MOE_REQUIRE(used == item.size() && values.back() > 0, "");
    } catch (const std::exception&) {
      throw moe::Error(moe::cat("--ks ", text, ": '", item, "' is not a positive integer"));
    }
  }
  MOE_REQUIRE(!values.empty(), "--ks needs at least one cut-off");
  return values;
}

// The halves task over a corpus file, evaluated for the checkpoint and TF-IDF.
int run_retrieval(const po::variables_map& vm, const std::vector<std::string>& inputs) {
#if MOE_WITH_FAISS
  MOE_REQUIRE(inputs.size() == 2, "--retrieval needs CHECKPOINT.h5 and CORPUS, got ", inputs.size(),
              " positional argument(s)");
  const std::string& corpus = inputs[1];
  moe::data::TextFields fields;
  fields.text = vm["text-field"].as<std::string>();
  if (vm.count("id-field")) {
    fields.id = vm["id-field"].as<std::string>();
    fields.id_required = true;
  }
  if (vm.count("domain-field")) fields.domain = vm["domain-field"].as<std::string>();
  const std::string format = vm["input-format"].as<std::string>();
  moe::data::TextRecordReader reader(corpus,
                                     format == "auto" ? moe::data::text_format_of_path(corpus)
                                                      : moe::data::parse_text_format(format),
                                     fields);
  const int64_t limit = vm["limit"].as<int64_t>();
  std::vector<moe::index::TextWithDomain> texts;
  moe::data::TextRecord record;
  while ((limit <= 0 || static_cast<int64_t>(texts.size()) < limit) && reader.next(record))
    texts.push_back({record.id, record.text, record.domain});
  const moe::index::RetrievalTask task =
      moe::index::halves_task(texts, vm["min-words"].as<int64_t>());
  moe::index::RetrievalEvaluationOptions options;
  options.ks = parse_cut_offs(vm["ks"].as<std::string>());
  options.mrr_k = vm["mrr-k"].as<int64_t>();
  options.batch_size = vm["batch-size"].as<int64_t>();
  options.max_length = vm["max-length"].as<int>();
  if (vm.count("domain")) options.domain = vm["domain"].as<std::string>();
  MOE_REQUIRE(options.domain.empty() || fields.domain.empty(),
              "--domain and --domain-field exclude each other");
  const moe::index::RetrievalEvaluation evaluation =
      moe::index::evaluate_retrieval(inputs[0], task, options);
  const std::string format_out = vm["format"].as<std::string>();
  const auto render = [&](const std::string& kind) {
    return kind == "csv"    ? moe::index::render_retrieval_csv(evaluation)
           : kind == "json" ? moe::index::render_retrieval_json(evaluation)
                            : moe::index::render_retrieval_markdown(evaluation);
  };
  std::fprintf(stderr,
               "retrieval task: %zu texts of %s split in halves (%lld too short, skipped)\n",
               texts.size(), corpus.c_str(), static_cast<long long>(task.skipped));
  if (!vm.count("out")) {
    std::cout << render(format_out);
    return 0;
  }
  const std::string dir = vm["out"].as<std::string>();
  std::filesystem::create_directories(dir);
  for (const std::string kind : {"md", "csv", "json"})
    moe::hf::write_file_atomically(dir + "/retrieval." + kind, render(kind));
  std::printf("wrote %s/retrieval.{md,csv,json}\n", dir.c_str());
  return 0;
#else
  throw moe::Error("--retrieval needs a build with FAISS (-DMOE_WITH_FAISS=ON, libfaiss-dev)");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  moe::use_passive_openmp_wait(argv);  // before any thread starts (openmp_wait_policy.h)
  po::options_description visible("Options");
  visible.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(),
      "folder for evaluation.{md,csv,json} and cross_domain.{csv,json}, or retrieval.{md,csv,json} "
      "with --retrieval (else: stdout)")("format", po::value<std::string>()->default_value("md"),
                                         "stdout format: md, csv or json")(
      "batch-size", po::value<int64_t>()->default_value(64), "pairs per forward pass")(
      "no-cross-domain", "skip the cross-domain table")(
      "threads", po::value<int>()->default_value(0), "CPU threads (0: LibTorch's default)");
  po::options_description retrieval("Retrieval (--retrieval CHECKPOINT.h5 CORPUS)");
  retrieval.add_options()("retrieval",
                          "each text's first half retrieves its second half among all second "
                          "halves: recall@k and MRR for the checkpoint and for TF-IDF")(
      "text-field", po::value<std::string>()->default_value("text"), "column or key of the text")(
      "id-field", po::value<std::string>(), "column or key of the id")(
      "domain-field", po::value<std::string>(),
      "column or key of each text's domain: its path, and the part it is searched in")(
      "domain", po::value<std::string>(), "run every text as this domain")(
      "input-format", po::value<std::string>()->default_value("auto"),
      "auto, jsonl, csv, tsv or lines")("ks", po::value<std::string>()->default_value("1,5,10"),
                                        "recall cut-offs")(
      "mrr-k", po::value<int64_t>()->default_value(10), "MRR cut-off")(
      "limit", po::value<int64_t>()->default_value(0), "use the first N texts (0: all)")(
      "min-words", po::value<int64_t>()->default_value(8), "skip texts with fewer words")(
      "max-length", po::value<int>()->default_value(0),
      "tokens per half (0: the checkpoint's training length)");
  visible.add(retrieval);
  po::options_description all;
  all.add(visible).add_options()("inputs", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("inputs", -1);
  const std::string usage =
      "usage: moe_eval CHECKPOINT.h5 MANIFEST.json [MANIFEST.json ...] [--out DIR] "
      "[--format md|csv|json]\n"
      "       moe_eval --retrieval CHECKPOINT.h5 CORPUS [--domain-field F | --domain NAME]\n";
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "moe_eval: %s\n%s", e.what(), usage.c_str());
    return kUsageError;
  }
  if (vm.count("help")) {
    std::cout << usage << "\n" << visible;
    return 0;
  }
  const std::vector<std::string> inputs =
      vm.count("inputs") ? vm["inputs"].as<std::vector<std::string>>() : std::vector<std::string>{};
  const std::string format = vm["format"].as<std::string>();
  if (vm.count("retrieval")) {
    try {
      MOE_REQUIRE(format == "md" || format == "csv" || format == "json", "--format ", format,
                  " is not md, csv or json");
      MOE_REQUIRE(vm["batch-size"].as<int64_t>() > 0, "--batch-size must be positive");
      if (vm["threads"].as<int>() > 0) torch::set_num_threads(vm["threads"].as<int>());
      return run_retrieval(vm, inputs);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "moe_eval: error: %s\n", e.what());
      return kUsageError;
    }
  }
  if (inputs.size() < 2 || (format != "md" && format != "csv" && format != "json") ||
      vm["batch-size"].as<int64_t>() < 1) {
    std::fprintf(stderr,
                 "moe_eval: need a checkpoint, at least one manifest, a format of md, "
                 "csv or json and a positive --batch-size\n%s",
                 usage.c_str());
    return kUsageError;
  }
  try {
    if (vm["threads"].as<int>() > 0) torch::set_num_threads(vm["threads"].as<int>());
    moe::train::CheckpointEvaluationOptions options;
    options.batch_size = vm["batch-size"].as<int64_t>();
    options.cross_domain = vm.count("no-cross-domain") == 0;
    const moe::train::CheckpointEvaluation evaluation = moe::train::evaluate_checkpoint(
        inputs.front(), {inputs.begin() + 1, inputs.end()}, options);
    if (!vm.count("out")) {
      std::cout << render(evaluation, format);
      return 0;
    }
    const std::string dir = vm["out"].as<std::string>();
    std::filesystem::create_directories(dir);
    moe::hf::write_file_atomically(dir + "/evaluation.md", render(evaluation, "md"));
    moe::hf::write_file_atomically(dir + "/evaluation.csv", render(evaluation, "csv"));
    moe::hf::write_file_atomically(dir + "/evaluation.json", render(evaluation, "json"));
    if (evaluation.cross) {
      moe::hf::write_file_atomically(dir + "/cross_domain.csv", render_csv(*evaluation.cross));
      moe::hf::write_file_atomically(dir + "/cross_domain.json", render_json(*evaluation.cross));
    }
    std::printf("evaluated %zu domain(s); wrote %s/evaluation.{md,csv,json}%s\n",
                evaluation.domains.size(), dir.c_str(),
                evaluation.cross ? " and cross_domain.{csv,json}" : "");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moe_eval: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
