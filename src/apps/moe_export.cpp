// moe_export CHECKPOINT --domain NAME --out DIR [--dtype f32|f16|bf16]: writes one domain's
// path of a trained model as a Hugging Face BERT / sentence-transformers folder, then reads
// it back and checks it computes what the checkpoint computes for that domain.
#include <torch/torch.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "common/error.h"
#include "hf/model_export.h"
#include "hf/safetensors_file.h"
#include "model/checkpoint_file.h"

namespace po = boost::program_options;

namespace {

constexpr int kUsageError = 2;

// Largest difference accepted between checkpoint and export: float32 is exact up to
// reassociation noise; half precisions round every weight.
double tolerance_for(moe::hf::TensorDtype dtype) {
  return dtype == moe::hf::TensorDtype::float32 ? 1e-5 : 0.25;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description visible("Options");
  visible.add_options()("help,h", "show this help")(
      "domain", po::value<std::string>()->default_value(""),
      "domain whose path to export (required for a model with experts or domain tokens)")(
      "out", po::value<std::string>(), "folder to create (must not exist or be empty)")(
      "dtype", po::value<std::string>()->default_value("f32"),
      "weight type in model.safetensors: f32, f16 or bf16")(
      "list-domains", "print the checkpoint's domains and exit");
  po::options_description all;
  all.add(visible).add_options()("checkpoint", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("checkpoint", 1);
  const std::string usage =
      "usage: moe_export CHECKPOINT.h5 --domain NAME --out DIR [--dtype f32|f16|bf16]\n";
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "moe_export: %s\n%s", e.what(), usage.c_str());
    return kUsageError;
  }
  if (vm.count("help")) {
    std::cout << usage << "\n" << visible;
    return 0;
  }
  if (!vm.count("checkpoint") || (!vm.count("out") && !vm.count("list-domains"))) {
    std::fprintf(stderr, "moe_export: need a checkpoint and --out\n%s", usage.c_str());
    return kUsageError;
  }
  try {
    const std::string checkpoint_path = vm["checkpoint"].as<std::string>();
    const moe::model::CheckpointContents checkpoint = moe::model::read_checkpoint(checkpoint_path);
    if (vm.count("list-domains")) {
      for (const std::string& d : checkpoint.layout.domains) std::cout << d << "\n";
      return 0;
    }
    const moe::hf::TensorDtype dtype = moe::hf::parse_tensor_dtype(vm["dtype"].as<std::string>());
    const std::string domain = vm["domain"].as<std::string>();
    MOE_REQUIRE(!domain.empty() || checkpoint.layout.domains.empty() ||
                    (!checkpoint.layout.mixture_of_experts() && !checkpoint.layout.domain_tokens),
                "--domain is required: ", checkpoint_path, " has per-domain experts or tokens");
    const moe::hf::ExportResult result =
        moe::hf::export_domain(checkpoint, domain, vm["out"].as<std::string>(), dtype);
    std::printf("exported %s%s (%lld tensors, %s) to %s\n",
                domain.empty() ? "the model" : "domain ", domain.c_str(),
                static_cast<long long>(result.tensors), moe::hf::safetensors_dtype_name(dtype),
                result.dir.c_str());
    std::printf("read back: max |difference| %.3g over %lld probe sequences\n",
                result.max_difference, static_cast<long long>(result.probe_sequences));
    MOE_REQUIRE(result.max_difference <= tolerance_for(dtype), "the export read back differs from ",
                "the checkpoint by ", result.max_difference, " (more than ", tolerance_for(dtype),
                "): please report this");
    return 0;
  } catch (const moe::Error& e) {
    std::fprintf(stderr, "moe_export: %s\n", e.what());
    return 1;
  }
}
