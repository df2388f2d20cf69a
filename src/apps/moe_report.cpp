// moe_report RUN_DIR [--out DIR] [--format svg|png]: draws a run's metrics.jsonl with gnuplot
// (loss, learning rate, valid F1max per domain, similarity histograms at the last
// evaluation), writes an index.md embedding the plots, and prints the key numbers.
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "common/error.h"
#include "train/plot_script.h"
#include "train/run_metrics.h"
#include "train/run_report.h"

namespace po = boost::program_options;

namespace {

constexpr int kUsageError = 2;

}  // namespace

int main(int argc, char** argv) {
  po::options_description visible("Options");
  visible.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(),
      "folder for the plots and index.md (default RUN_DIR/report)")(
      "format", po::value<std::string>()->default_value("svg"), "image format: svg or png");
  po::options_description all;
  all.add(visible).add_options()("run-dir", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("run-dir", 1);
  const std::string usage = "usage: moe_report RUN_DIR [--out DIR] [--format svg|png]\n";
  po::variables_map vm;
  moe::train::PlotFormat format = moe::train::PlotFormat::kSvg;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << usage << "\n" << visible;
      return 0;
    }
    format = moe::train::parse_plot_format(vm["format"].as<std::string>());
  } catch (const po::error& e) {
    std::fprintf(stderr, "moe_report: %s\n%s", e.what(), usage.c_str());
    return kUsageError;
  } catch (const moe::Error& e) {
    std::fprintf(stderr, "moe_report: %s\n%s", e.what(), usage.c_str());
    return kUsageError;
  }
  if (!vm.count("run-dir")) {
    std::fprintf(stderr, "moe_report: need a RUN_DIR (a moe_train run.dir)\n%s", usage.c_str());
    return kUsageError;
  }
  try {
    const std::string run_dir = vm["run-dir"].as<std::string>();
    const std::string out_dir = vm.count("out")
                                    ? vm["out"].as<std::string>()
                                    : (std::filesystem::path(run_dir) / "report").string();
    const moe::train::RunMetrics metrics = moe::train::read_run_metrics(run_dir);
    const moe::train::RunReport report =
        moe::train::write_run_report(metrics, run_dir, out_dir, format);
    std::cout << moe::train::report_summary(report);
    std::cout << "wrote " << report.files.size() << " files to " << out_dir << " (open "
              << (std::filesystem::path(out_dir) / "index.md").string() << ")\n";
    return 0;
  } catch (const moe::Error& e) {
    std::fprintf(stderr, "moe_report: %s\n", e.what());
    return 1;
  }
}
