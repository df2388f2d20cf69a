// moe_train CONFIG.yaml [--set key=value ...]: trains a sentence-embedding model (dense or
// one expert per domain) on the data a manifest lists, on every rank of the MPI job.
#include <torch/torch.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "common/error.h"
#include "common/log.h"
#include "config/train_options.h"
#include "data/manifest.h"
#include "dist/mpi_communicator.h"
#include "dist/mpi_environment.h"
#include "train/trainer.h"

namespace po = boost::program_options;

namespace {

constexpr int kUsageError = 2;

struct CommandLine {
  std::string config_path;
  std::vector<std::string> overrides;
  bool help = false;
  bool print_config = false;
};

CommandLine parse_command_line(int argc, char** argv, std::string& help_text) {
  po::options_description visible("Options");
  visible.add_options()("help,h", "show this help and every configuration key")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override a configuration key: --set train.steps=100 (repeatable)")(
      "print-config", "print the effective configuration and exit");
  po::options_description all;
  all.add(visible).add_options()("config", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("config", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  po::notify(vm);

  std::ostringstream help;
  help << "usage: moe_train CONFIG.yaml [--set key=value ...]\n"
       << "       mpirun -np P moe_train CONFIG.yaml   (one rank per GPU or CPU worker)\n\n"
       << visible << "\nConfiguration keys (YAML nesting or --set with dotted names):\n"
       << moe::config::train_option_table().help_text();
  help_text = help.str();

  CommandLine result;
  result.help = vm.count("help") > 0;
  result.print_config = vm.count("print-config") > 0;
  if (vm.count("set")) result.overrides = vm["set"].as<std::vector<std::string>>();
  if (vm.count("config")) result.config_path = vm["config"].as<std::string>();
  return result;
}

// Ranks share the machine's cores: without a setting, split them evenly.
int threads_per_rank(int configured, int local_ranks) {
  if (configured > 0) return configured;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, local_ranks));
}

}  // namespace

int main(int argc, char** argv) {
  moe::dist::MpiEnvironment mpi(&argc, &argv);
  const bool root = mpi.rank() == 0;

  // Phase 1: command line, configuration and input checks. Every rank reaches the same
  // verdict, so rank 0 alone reports it and all ranks leave cleanly.
  moe::config::TrainOptions options;
  std::string effective_yaml;
  try {
    std::string help_text;
    const CommandLine command_line = parse_command_line(argc, argv, help_text);
    if (command_line.help) {
      if (root) std::cout << help_text;
      return 0;
    }
    MOE_REQUIRE(!command_line.config_path.empty(),
                "missing CONFIG.yaml (see moe_train --help)");
    const moe::config::Config config = moe::config::Config::load_file(
        moe::config::train_option_table(), command_line.config_path, command_line.overrides);
    options = moe::config::TrainOptions::from_config(config);
    effective_yaml = config.to_yaml();
    if (command_line.print_config) {
      if (root) std::cout << effective_yaml;
      return 0;
    }
    MOE_REQUIRE(std::filesystem::exists(options.data.manifest), "data.manifest: ",
                options.data.manifest, " does not exist (run moe_prep first)");
    moe::data::Manifest::load(options.data.manifest);  // validates before anything is written
    if (root) std::cout << "[config] effective configuration:\n" << config.describe() << std::flush;
  } catch (const po::error& e) {
    if (root) std::fprintf(stderr, "moe_train: error: %s (see moe_train --help)\n", e.what());
    return kUsageError;
  } catch (const moe::Error& e) {
    if (root) std::fprintf(stderr, "moe_train: error: %s\n", e.what());
    return kUsageError;
  }

  // Phase 2: training. A failure may hit one rank only; it ends the whole job.
  try {
    const int threads = threads_per_rank(options.runtime.threads_per_rank, mpi.local_size());
    torch::set_num_threads(threads);
    torch::manual_seed(static_cast<uint64_t>(options.run.seed) + mpi.rank());
    moe::log::info("setup", moe::cat("ranks: ", mpi.world_size(), ", threads per rank: ",
                                      threads, ", host of rank 0: ", mpi.host()));
    auto world = moe::dist::MpiCommunicator::world();
    moe::train::Trainer trainer(options, effective_yaml, *world);
    trainer.run();
  } catch (const std::exception& e) {
    moe::dist::abort_job(moe::cat("moe_train: error: ", e.what()));
  }
  return 0;
}
