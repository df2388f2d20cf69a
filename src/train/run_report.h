// moe_report's output for one run: plots of its metrics drawn by gnuplot (loss, learning
// rate, valid F1max per domain, similarity histograms at the last evaluation), an index.md
// that embeds them with the key numbers under each, and the same numbers as text.
#pragma once

#include <string>
#include <vector>

#include "train/plot_script.h"
#include "train/run_metrics.h"

namespace moe::train {

// One part of the report: a plot (or none, when the metrics lack its data) and its numbers.
struct ReportSection {
  std::string heading;
  std::string image;    // file name inside the report folder; empty: no plot
  std::string numbers;  // one line
};

struct RunReport {
  std::vector<ReportSection> sections;
  std::vector<std::string> files;  // every file written, relative to the report folder
};

// The sections for `metrics` with their data files and scripts, without running anything.
struct PlannedPlot {
  PlotSpec spec;
  std::string data;  // NAME.dat's contents
};
std::vector<ReportSection> report_sections(const RunMetrics& metrics, PlotFormat format,
                                           std::vector<PlannedPlot>* plots);

// Writes every plot (data, script, image) and index.md into out_dir, created if needed.
// Throws moe::Error when gnuplot is missing or fails.
RunReport write_run_report(const RunMetrics& metrics, const std::string& run_dir,
                           const std::string& out_dir, PlotFormat format);

// The report as text for a terminal: one "heading: numbers" line per section.
std::string report_summary(const RunReport& report);

}  // namespace moe::train
