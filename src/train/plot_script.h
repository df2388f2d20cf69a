// gnuplot scripts for moe_report's plots, and running gnuplot on them. Each plot NAME is
// three files in one folder: NAME.dat (the data), NAME.gp (the script, which names its files
// relative to that folder so a person can edit and re-run it) and NAME.svg or NAME.png.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moe::train {

enum class PlotFormat { kSvg, kPng };

// "svg" or "png"; anything else is a moe::Error.
PlotFormat parse_plot_format(const std::string& name);
std::string plot_extension(PlotFormat format);  // "svg" or "png"

// One curve or set of bars, drawn from columns of the plot's data file.
struct PlotSeries {
  std::string title;
  std::string columns;          // gnuplot's `using`, e.g. "1:2"
  std::string style = "lines";  // gnuplot's `with`, e.g. "linespoints lw 2"
  bool second_axis = false;     // against the right-hand y axis
};

struct PlotSpec {
  std::string name;  // file stem
  std::string title, x_label, y_label, y2_label;
  std::optional<std::pair<double, double>> x_range, y_range;
  std::vector<std::string> extra_commands;  // gnuplot commands run before `plot`
  std::vector<PlotSeries> series;
};

// The script drawing spec.series from NAME.dat into NAME.<extension>. The data file's missing
// values are written "?" (see plot_data_value).
std::string gnuplot_script(const PlotSpec& spec, PlotFormat format);

// A number as a data-file field: "?" (missing) for NaN and infinities.
std::string plot_data_value(double value);

// Throws a moe::Error naming the Debian package when gnuplot is not on PATH.
void require_gnuplot();

// Runs `gnuplot NAME.gp` inside `dir` (its messages go to NAME.log, removed when empty) and
// checks that it exits with status 0 and writes NAME.<extension>; throws moe::Error otherwise.
void run_gnuplot(const std::filesystem::path& dir, const std::string& name, PlotFormat format);

}  // namespace moe::train
