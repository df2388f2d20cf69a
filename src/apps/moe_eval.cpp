// moe_eval CHECKPOINT MANIFEST... [--out DIR] [--format md|csv|json]: the paper's tables for a
// trained model on prepared datasets: per domain and "All", under the paper's protocol
// (threshold tuned on the test pairs) and the honest one (threshold from valid), plus the
// cross-domain table for a model with per-domain paths.
#include <torch/torch.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "common/error.h"
#include "common/openmp_wait_policy.h"
#include "hf/json_file.h"
#include "train/checkpoint_evaluation.h"
#include "train/evaluation_tables.h"

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

}  // namespace

int main(int argc, char** argv) {
  moe::use_passive_openmp_wait(argv);  // before any thread starts (openmp_wait_policy.h)
  po::options_description visible("Options");
  visible.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(),
      "folder for evaluation.{md,csv,json} and cross_domain.{csv,json} (else: stdout)")(
      "format", po::value<std::string>()->default_value("md"), "stdout format: md, csv or json")(
      "batch-size", po::value<int64_t>()->default_value(64), "pairs per forward pass")(
      "no-cross-domain", "skip the cross-domain table")(
      "threads", po::value<int>()->default_value(0), "CPU threads (0: LibTorch's default)");
  po::options_description all;
  all.add(visible).add_options()("inputs", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("inputs", -1);
  const std::string usage =
      "usage: moe_eval CHECKPOINT.h5 MANIFEST.json [MANIFEST.json ...] [--out DIR] "
      "[--format md|csv|json]\n";
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
