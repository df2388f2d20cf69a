// moe_embed CHECKPOINT INPUT --out FILE.h5 [--domain NAME]: texts (JSON lines, CSV, TSV or one
// per line) to sentence embeddings with their ids in an HDF5 file (layout in
// embed/embedding_file.h and docs/FORMATS.md). Under mpirun every rank embeds a share.
#include <torch/torch.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "common/error.h"
#include "common/number_format.h"
#include "common/openmp_wait_policy.h"
#include "dist/device_choice.h"
#include "dist/mpi_communicator.h"
#include "dist/mpi_environment.h"
#include "embed/embedding_job.h"

namespace po = boost::program_options;

namespace {

constexpr int kUsageError = 2;
constexpr const char* kUsage =
    "usage: moe_embed CHECKPOINT.h5 INPUT --out FILE.h5 [--domain NAME] [options]\n"
    "       mpirun -np P moe_embed ...   (every rank embeds a share; rank 0 writes)\n";

struct CommandLine {
  moe::embed::EmbeddingJobOptions job;
  std::string device = "auto";
  int threads = 0;
  bool help = false;
  std::string help_text;
};

CommandLine parse_command_line(int argc, char** argv) {
  CommandLine result;
  po::options_description visible("Options");
  visible.add_options()("help,h", "show this help")("out,o", po::value<std::string>(),
                                                    "embedding file to write (HDF5)")(
      "domain", po::value<std::string>(),
      "embed every text as this domain (its expert / domain token); without it and without "
      "--domain-field, the router picks per text")(
      "domain-field", po::value<std::string>(),
      "column (CSV/TSV) or key (JSONL) naming each text's domain")(
      "format", po::value<std::string>()->default_value("auto"),
      "input format: auto (from the extension: .jsonl/.ndjson/.json, .csv, .tsv/.tab, else "
      "lines), jsonl, csv, tsv or lines (one text per line)")(
      "text-field", po::value<std::string>()->default_value("text"), "column or key of the text")(
      "id-field", po::value<std::string>(),
      "column or key of the id (default: \"id\" when present, else the text's 0-based position)")(
      "dtype", po::value<std::string>()->default_value("float32"),
      "stored type: float32 or float16")("normalize", "L2-normalise every embedding")(
      "batch-size", po::value<int64_t>()->default_value(64), "texts per forward pass")(
      "max-length", po::value<int>()->default_value(0),
      "tokens per text, [CLS] and [SEP] included (0: the longest the checkpoint was trained "
      "on); longer texts are cut")("texts-per-round", po::value<int64_t>()->default_value(2048),
                                   "texts each rank embeds between two writes (bounds memory)")(
      "overwrite", "replace an existing --out file")("no-progress", "no progress bar")(
      "device", po::value<std::string>()->default_value("auto"),
      "auto, cpu or cuda (a rank takes GPU local_rank modulo the visible GPUs)")(
      "threads", po::value<int>()->default_value(0),
      "CPU threads per rank (0: the node's cores split between its ranks)");
  po::options_description all;
  all.add(visible).add_options()("inputs", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("inputs", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  po::notify(vm);

  std::ostringstream help;
  help << kUsage << "\n"
       << visible
       << "\nInput: JSON lines ({\"id\": ..., \"text\": ...}), CSV/TSV with a header row, or one "
          "text per line.\nOutput: /embeddings [N, D], /ids [N] (+ /domain, /domain_names for "
          "models with per-domain paths); see docs/FORMATS.md.\nExit status: 0 done, 1 failure "
          "while embedding, 2 bad command line or input (nothing written).\n";
  result.help_text = help.str();
  result.help = vm.count("help") > 0;
  if (result.help) return result;

  const std::vector<std::string> inputs =
      vm.count("inputs") ? vm["inputs"].as<std::vector<std::string>>() : std::vector<std::string>{};
  MOE_REQUIRE(inputs.size() == 2, "need CHECKPOINT.h5 and INPUT, got ", inputs.size(),
              " positional argument(s)");
  MOE_REQUIRE(vm.count("out"), "--out FILE.h5 is required");
  moe::embed::EmbeddingJobOptions& job = result.job;
  job.checkpoint = inputs[0];
  job.input = inputs[1];
  job.output = vm["out"].as<std::string>();
  const std::string format = vm["format"].as<std::string>();
  job.format = format == "auto" ? moe::data::text_format_of_path(job.input)
                                : moe::data::parse_text_format(format);
  job.fields.text = vm["text-field"].as<std::string>();
  if (vm.count("id-field")) {
    job.fields.id = vm["id-field"].as<std::string>();
    job.fields.id_required = true;
  }
  if (vm.count("domain-field")) job.fields.domain = vm["domain-field"].as<std::string>();
  if (vm.count("domain")) job.domain = vm["domain"].as<std::string>();
  job.dtype = vm["dtype"].as<std::string>();
  job.normalize = vm.count("normalize") > 0;
  job.batch_size = vm["batch-size"].as<int64_t>();
  job.max_length = vm["max-length"].as<int>();
  job.chunk_texts = vm["texts-per-round"].as<int64_t>();
  job.overwrite = vm.count("overwrite") > 0;
  job.progress = vm.count("no-progress") == 0;
  result.device = vm["device"].as<std::string>();
  result.threads = vm["threads"].as<int>();
  MOE_REQUIRE(result.threads >= 0, "--threads must not be negative");
  return result;
}

std::string describe(const moe::embed::EmbeddingSummary& summary,
                     const moe::embed::EmbeddingPlan& plan, int ranks) {
  std::ostringstream text;
  text << "embedded " << summary.count << " texts (" << summary.dimension << " dimensions, "
       << plan.options.dtype << (plan.options.normalize ? ", L2-normalised" : "") << ") in "
       << moe::fixed(summary.seconds, 1) << " s ("
       << moe::fixed(static_cast<double>(summary.count) / std::max(summary.seconds, 1e-9), 1)
       << " texts/s, " << ranks << " rank" << (ranks == 1 ? "" : "s") << ") -> "
       << plan.options.output << "\n";
  if (!summary.texts_per_domain.empty()) {
    text << "  domains (" << plan.routing << "):";
    for (size_t d = 0; d < summary.texts_per_domain.size(); ++d)
      text << " " << plan.checkpoint.layout.domains[d] << " " << summary.texts_per_domain[d];
    text << "\n";
  }
  if (summary.truncated > 0) {
    text << "  " << summary.truncated << " text(s) were cut to " << plan.max_length
         << " tokens (--max-length)\n";
  }
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  moe::use_passive_openmp_wait(argv);  // before any thread starts (openmp_wait_policy.h)
  moe::dist::MpiEnvironment mpi(&argc, &argv);
  const bool root = mpi.rank() == 0;

  // Phase 1: command line, checkpoint, every input record and the output path, on every
  // rank, before anything is written; the lowest failing rank reports, all exit with 2.
  CommandLine command_line;
  moe::embed::EmbeddingPlan plan;
  torch::Device device = torch::kCPU;
  std::string failure;
  try {
    command_line = parse_command_line(argc, argv);
    if (!command_line.help) {
      device = moe::dist::choose_device(command_line.device, mpi.local_rank());
      plan = moe::embed::plan_embedding(command_line.job);
    }
  } catch (const po::error& e) {
    failure = std::string(e.what()) + " (see moe_embed --help)";
  } catch (const std::exception& e) {
    failure = e.what();
  }
  const int reporter = mpi.first_rank_where(!failure.empty());
  if (reporter >= 0) {
    if (mpi.rank() == reporter) std::fprintf(stderr, "moe_embed: error: %s\n", failure.c_str());
    return kUsageError;
  }
  if (command_line.help) {
    if (root) std::cout << command_line.help_text;
    return 0;
  }

  // Phase 2: embedding. A failure on one rank ends the whole job.
  try {
    torch::set_num_threads(mpi.threads_per_rank(command_line.threads));
    plan.options.progress = plan.options.progress && root;
    auto world = moe::dist::MpiCommunicator::world();
    const moe::embed::EmbeddingSummary summary = moe::embed::run_embedding(plan, *world, device);
    if (root) std::cout << describe(summary, plan, mpi.world_size()) << std::flush;
  } catch (const std::exception& e) {
    moe::dist::abort_job(moe::cat("moe_embed: error: ", e.what()));
  }
  return 0;
}
