// Implementation of moe_report's plots, index.md and summary (see run_report.h).
#include "train/run_report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"

namespace moe::train {
namespace {

// A number for people: 4 significant digits, "n/a" for NaN (a null in metrics.jsonl).
std::string shown(double value) {
  if (std::isnan(value)) return "n/a";
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

std::string shown(const std::optional<double>& value) { return value ? shown(*value) : "n/a"; }

// Domain names are checked when data is prepared; this keeps a file name safe regardless.
std::string file_safe(const std::string& name) {
  std::string result = name;
  for (char& c : result)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  return result;
}

// Lines, or points joined by lines when there are few enough to see each one.
std::string curve_style(size_t points, const std::string& colour) {
  return (points > 50 ? "lines lw 2" : "linespoints lw 2 pt 7 ps 0.6") + std::string(" lc rgb '") +
         colour + "'";
}

// Index of the smallest (lowest = true) or largest finite value, or -1.
template <typename Range, typename Get>
int64_t extreme_index(const Range& items, Get get, bool lowest) {
  int64_t best = -1;
  for (size_t i = 0; i < items.size(); ++i) {
    const double value = get(items[i]);
    if (std::isnan(value)) continue;
    if (best < 0 || (lowest ? value < get(items[best]) : value > get(items[best])))
      best = static_cast<int64_t>(i);
  }
  return best;
}

std::string image_name(const std::string& name, PlotFormat format) {
  return name + "." + plot_extension(format);
}

ReportSection loss_section(const RunMetrics& metrics, PlotFormat format,
                           std::vector<PlannedPlot>* plots) {
  const std::vector<StepRecord>& steps = metrics.steps;
  bool has_scale = false;
  std::ostringstream data;
  data << "# step loss scale\n";
  for (const StepRecord& s : steps) {
    has_scale = has_scale || (s.scale && std::isfinite(*s.scale));
    data << s.step << ' ' << plot_data_value(s.loss) << ' '
         << plot_data_value(s.scale.value_or(NAN)) << '\n';
  }
  PlannedPlot plot;
  plot.spec.name = "loss";
  plot.spec.title = "Training loss";
  plot.spec.x_label = "step";
  plot.spec.y_label = "loss";
  plot.spec.y2_label = "learned scale";
  plot.spec.series.push_back({"loss", "1:2", curve_style(steps.size(), "#1f77b4")});
  if (has_scale)
    plot.spec.series.push_back({"learned scale (right axis)", "1:3",
                                curve_style(steps.size(), "#d62728") + " dt 2", true});
  plot.data = data.str();
  plots->push_back(plot);

  const StepRecord& last = steps.back();
  std::string numbers = cat("final loss ", shown(last.loss), " at step ", last.step);
  const int64_t lowest = extreme_index(
      steps, [](const StepRecord& s) { return s.loss; }, true);
  if (lowest >= 0)
    numbers += cat("; lowest ", shown(steps[lowest].loss), " at step ", steps[lowest].step);
  if (has_scale) numbers += cat("; final scale ", shown(last.scale));
  if (last.ms_per_step) numbers += cat("; ", shown(last.ms_per_step), " ms/step at the end");
  numbers += cat("; ", steps.size(), " logged steps from ", steps.front().step, " to ", last.step);
  return {"Training loss", image_name("loss", format), numbers};
}

ReportSection lr_section(const RunMetrics& metrics, PlotFormat format,
                         std::vector<PlannedPlot>* plots) {
  const std::vector<StepRecord>& steps = metrics.steps;
  std::ostringstream data;
  data << "# step lr\n";
  for (const StepRecord& s : steps) data << s.step << ' ' << plot_data_value(s.lr) << '\n';
  PlannedPlot plot;
  plot.spec.name = "lr";
  plot.spec.title = "Learning rate";
  plot.spec.x_label = "step";
  plot.spec.y_label = "learning rate";
  plot.spec.series.push_back({"learning rate", "1:2", curve_style(steps.size(), "#ff7f0e")});
  plot.data = data.str();
  plots->push_back(plot);

  const int64_t peak = extreme_index(
      steps, [](const StepRecord& s) { return s.lr; }, false);
  std::string numbers;
  if (peak >= 0) numbers = cat("peak ", shown(steps[peak].lr), " at step ", steps[peak].step, "; ");
  numbers += cat("final ", shown(steps.back().lr), " at step ", steps.back().step);
  return {"Learning rate", image_name("lr", format), numbers};
}

ReportSection f1_section(const RunMetrics& metrics, PlotFormat format,
                         std::vector<PlannedPlot>* plots) {
  std::vector<const EvaluationRecord*> valid;
  std::vector<std::string> domains;  // in order of first appearance
  for (const EvaluationRecord& e : metrics.evaluations) {
    if (e.split != "valid") continue;
    valid.push_back(&e);
    for (const DomainRecord& d : e.domains)
      if (std::find(domains.begin(), domains.end(), d.domain) == domains.end())
        domains.push_back(d.domain);
  }
  const std::string heading = "F1max on the valid split";
  if (valid.empty()) return {heading, "", "no evaluation lines on the valid split"};

  // Columns: step, All, then one per domain.
  std::ostringstream data;
  data << "# step All";
  for (const std::string& d : domains) data << ' ' << d;
  data << '\n';
  bool has_all = false;
  for (const EvaluationRecord* e : valid) {
    const double all = e->all_weighted_f1max.value_or(NAN);
    has_all = has_all || std::isfinite(all);
    data << e->step << ' ' << plot_data_value(all);
    for (const std::string& name : domains) {
      double f1 = NAN;
      for (const DomainRecord& d : e->domains)
        if (d.domain == name) f1 = d.f1max;
      data << ' ' << plot_data_value(f1);
    }
    data << '\n';
  }
  static const char* const kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  PlannedPlot plot;
  plot.spec.name = "f1_valid";
  plot.spec.title = heading;
  plot.spec.x_label = "step";
  plot.spec.y_label = "F1max";
  for (size_t d = 0; d < domains.size(); ++d)
    plot.spec.series.push_back(
        {domains[d], cat("1:", d + 3),
         cat("linespoints lw 1.5 pt 7 ps 0.6 lc rgb '", kColours[d % 10], "'")});
  if (has_all)
    plot.spec.series.push_back({"All (weighted)", "1:2", "linespoints lw 3 pt 5 lc rgb 'black'"});
  plot.data = data.str();
  plots->push_back(plot);

  std::string numbers;
  if (has_all) {
    const int64_t best = extreme_index(
        valid, [](const EvaluationRecord* e) { return e->all_weighted_f1max.value_or(NAN); },
        false);
    numbers = cat("best All ", shown(valid[best]->all_weighted_f1max), " at step ",
                  valid[best]->step, "; last ", shown(valid.back()->all_weighted_f1max),
                  " at step ", valid.back()->step, "; ");
  }
  numbers += "best per domain:";
  for (const std::string& name : domains) {
    double best = NAN;
    int64_t best_step = 0;
    for (const EvaluationRecord* e : valid)
      for (const DomainRecord& d : e->domains)
        if (d.domain == name && !std::isnan(d.f1max) && (std::isnan(best) || d.f1max > best)) {
          best = d.f1max;
          best_step = e->step;
        }
    numbers +=
        cat(" ", name, " ", shown(best), std::isnan(best) ? "" : cat(" (step ", best_step, ")"),
            name == domains.back() ? "" : ",");
  }
  numbers += cat("; ", valid.size(), " evaluations");
  return {heading, image_name("f1_valid", format), numbers};
}

std::string describe_kind(const std::string& kind) {
  if (kind == "before") return "before training";
  if (kind == "after") return "after training";
  if (kind.empty()) return "evaluation";
  return kind + " evaluation";
}

void similarity_sections(const RunMetrics& metrics, PlotFormat format,
                         std::vector<PlannedPlot>* plots, std::vector<ReportSection>* sections) {
  const EvaluationRecord* last = metrics.last_evaluation();
  if (last == nullptr) {
    std::string why = "no evaluation lines in metrics.jsonl";
    if (metrics.skipped_old_evaluations > 0)
      why += cat(" (skipped ", metrics.skipped_old_evaluations,
                 " in the format of an older moe_train, without histograms)");
    sections->push_back({"Similarities", "", why});
    return;
  }
  const std::string when =
      cat("step ", last->step, ", ", last->split.empty() ? "unknown" : last->split, " split, ",
          describe_kind(last->kind));
  for (const DomainRecord& d : last->domains) {
    const std::string heading = cat("Similarities: ", d.domain);
    std::string numbers = cat("last evaluation (", when, "): F1max ", shown(d.f1max));
    if (d.threshold) numbers += cat(" at threshold ", shown(d.threshold));
    if (d.precision || d.recall)
      numbers += cat(" (precision ", shown(d.precision), ", recall ", shown(d.recall), ")");
    if (d.roc_auc) numbers += cat("; ROC AUC ", shown(d.roc_auc));
    if (d.mean_positive || d.mean_negative)
      numbers += cat("; mean cosine: positive pairs ", shown(d.mean_positive), ", negative pairs ",
                     shown(d.mean_negative));
    if (d.pairs) numbers += cat("; ", *d.pairs, " pairs");
    if (d.positives) numbers += cat(", ", *d.positives, " positive");

    const std::vector<SimilarityBin> bins = similarity_bins(d);
    if (bins.empty()) {
      sections->push_back({heading, "", numbers + " (no histograms in this evaluation line)"});
      continue;
    }
    std::ostringstream data;
    data << "# low high centre positive_share negative_share positives negatives\n";
    for (const SimilarityBin& b : bins)
      data << plot_data_value(b.low) << ' ' << plot_data_value(b.high) << ' '
           << plot_data_value(0.5 * (b.low + b.high)) << ' ' << plot_data_value(b.positive_share)
           << ' ' << plot_data_value(b.negative_share) << ' ' << b.positives << ' ' << b.negatives
           << '\n';
    PlannedPlot plot;
    plot.spec.name = "similarity_" + file_safe(d.domain);
    plot.spec.title = cat(d.domain, ": cosine similarity of pairs (", when, ")");
    plot.spec.x_label = "cosine similarity";
    plot.spec.y_label = "share of the pairs of each kind";
    plot.spec.x_range = std::make_pair(d.histogram_min, d.histogram_max);
    plot.spec.extra_commands.push_back("set style fill transparent solid 0.45 noborder");
    if (d.threshold && std::isfinite(*d.threshold))
      plot.spec.extra_commands.push_back(cat("set arrow from ", plot_data_value(*d.threshold),
                                             ", graph 0 to ", plot_data_value(*d.threshold),
                                             ", graph 1 nohead dt 2 lc rgb 'black'"));
    plot.spec.series.push_back({"positive pairs", "3:4:($2-$1)", "boxes lc rgb '#2ca02c'"});
    plot.spec.series.push_back({"negative pairs", "3:5:($2-$1)", "boxes lc rgb '#d62728'"});
    plot.data = data.str();
    plots->push_back(plot);
    sections->push_back({heading, image_name(plot.spec.name, format),
                         numbers + (d.threshold ? " (dashed line: the threshold)" : "")});
  }
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  MOE_REQUIRE(out.good(), "cannot write ", path.string());
}

}  // namespace

std::vector<ReportSection> report_sections(const RunMetrics& metrics, PlotFormat format,
                                           std::vector<PlannedPlot>* plots) {
  MOE_REQUIRE(!metrics.steps.empty(), "no step lines to report");
  std::vector<ReportSection> sections;
  sections.push_back(loss_section(metrics, format, plots));
  sections.push_back(lr_section(metrics, format, plots));
  sections.push_back(f1_section(metrics, format, plots));
  similarity_sections(metrics, format, plots, &sections);
  return sections;
}

RunReport write_run_report(const RunMetrics& metrics, const std::string& run_dir,
                           const std::string& out_dir, PlotFormat format) {
  require_gnuplot();
  const std::filesystem::path dir(out_dir);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  MOE_REQUIRE(!error && std::filesystem::is_directory(dir), "--out: cannot create ", out_dir,
              error ? cat(": ", error.message()) : "");

  RunReport report;
  std::vector<PlannedPlot> plots;
  report.sections = report_sections(metrics, format, &plots);
  for (const PlannedPlot& plot : plots) {
    const std::string& name = plot.spec.name;
    write_text(dir / (name + ".dat"), plot.data);
    write_text(dir / (name + ".gp"), gnuplot_script(plot.spec, format));
    run_gnuplot(dir, name, format);
    report.files.insert(report.files.end(),
                        {name + ".dat", name + ".gp", image_name(name, format)});
  }

  std::ostringstream index;
  index << "# Training report\n\n"
        << "Run `" << run_dir << "`: " << metrics.steps.size() << " logged steps, "
        << metrics.evaluations.size() << " evaluations. Next to each plot are its data (`.dat`) "
        << "and its gnuplot script (`.gp`): edit and run `gnuplot NAME.gp` here to redraw it.\n";
  for (const ReportSection& section : report.sections) {
    index << "\n## " << section.heading << "\n\n";
    if (!section.image.empty())
      index << "![" << section.heading << "](" << section.image << ")\n\n";
    index << section.numbers << "\n";
  }
  write_text(dir / "index.md", index.str());
  report.files.push_back("index.md");
  return report;
}

std::string report_summary(const RunReport& report) {
  std::string text;
  for (const ReportSection& section : report.sections)
    text += cat(section.heading, ": ", section.numbers, "\n");
  return text;
}

}  // namespace moe::train
