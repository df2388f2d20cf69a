// Implementation of the gnuplot scripts and of running gnuplot (see plot_script.h).
#include "train/plot_script.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "common/error.h"

extern char** environ;

namespace moe::train {
namespace {

constexpr const char* kGnuplot = "gnuplot";
constexpr const char* kMissingGnuplot =
    "gnuplot is not installed (not found on PATH): install the Debian package gnuplot-nox "
    "(apt-get install gnuplot-nox, or scripts/install-deps.sh)";

// Text on one line: a line break in a title would end a script command early.
std::string one_line(const std::string& text) {
  std::string result = text;
  for (char& c : result)
    if (c == '\n' || c == '\r') c = ' ';
  return result;
}

// A gnuplot single-quoted string: no escapes inside but '' for a quote.
std::string quoted(const std::string& text) {
  std::string result = "'";
  for (char c : one_line(text)) result += c == '\'' ? std::string("''") : std::string(1, c);
  return result + "'";
}

std::string terminal(PlotFormat format) {
  // noenhanced: domain names and paths hold underscores, which enhanced text makes subscripts.
  if (format == PlotFormat::kPng)
    return "set terminal pngcairo size 900,500 noenhanced font 'sans,11' background rgb 'white'";
  return "set terminal svg size 900,500 dynamic noenhanced font 'sans,12' background rgb 'white'";
}

std::string range(const std::optional<std::pair<double, double>>& limits) {
  if (!limits) return "[*:*]";
  char text[80];
  std::snprintf(text, sizeof text, "[%.17g:%.17g]", limits->first, limits->second);
  return text;
}

// The last non-empty line of a gnuplot log, for an error message.
std::string last_line_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  return last;
}

// RAII for posix_spawn's file actions.
class SpawnFileActions {
 public:
  SpawnFileActions() { posix_spawn_file_actions_init(&actions_); }
  ~SpawnFileActions() { posix_spawn_file_actions_destroy(&actions_); }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

}  // namespace

PlotFormat parse_plot_format(const std::string& name) {
  if (name == "svg") return PlotFormat::kSvg;
  if (name == "png") return PlotFormat::kPng;
  throw Error(cat("--format: expected svg or png, got '", name, "'"));
}

std::string plot_extension(PlotFormat format) { return format == PlotFormat::kPng ? "png" : "svg"; }

std::string plot_data_value(double value) {
  if (!std::isfinite(value)) return "?";
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

std::string gnuplot_script(const PlotSpec& spec, PlotFormat format) {
  std::ostringstream out;
  out << "# " << spec.title << ": draws " << spec.name << ".dat into " << spec.name << "."
      << plot_extension(format) << " (written by moe_report; run: gnuplot " << spec.name
      << ".gp)\n";
  out << terminal(format) << "\n";
  out << "set output " << quoted(spec.name + "." + plot_extension(format)) << "\n";
  out << "set datafile missing '?'\n";
  out << "set title " << quoted(spec.title) << "\n";
  out << "set xlabel " << quoted(spec.x_label) << "\n";
  out << "set ylabel " << quoted(spec.y_label) << "\n";
  out << "set grid\nset key below\n";
  bool second_axis = false;
  for (const PlotSeries& series : spec.series) second_axis = second_axis || series.second_axis;
  if (second_axis)
    out << "set y2label " << quoted(spec.y2_label) << "\nset y2tics\nset ytics nomirror\n";
  out << "set xrange " << range(spec.x_range) << "\n";
  out << "set yrange " << range(spec.y_range) << "\n";
  for (const std::string& command : spec.extra_commands) out << command << "\n";
  const std::string data = quoted(spec.name + ".dat");
  out << "plot ";
  for (size_t i = 0; i < spec.series.size(); ++i) {
    const PlotSeries& series = spec.series[i];
    out << (i == 0 ? data : "''") << " using " << series.columns
        << (series.second_axis ? " axes x1y2" : "") << " with " << series.style << " title "
        << quoted(series.title) << (i + 1 < spec.series.size() ? ", \\\n     " : "\n");
  }
  out << "set output\n";
  return out.str();
}

void require_gnuplot() {
  const char* path = std::getenv("PATH");
  std::stringstream folders(path ? path : "");
  std::string folder;
  while (std::getline(folders, folder, ':')) {
    const std::string candidate = (folder.empty() ? "." : folder) + "/" + kGnuplot;
    if (::access(candidate.c_str(), X_OK) == 0) return;
  }
  throw Error(kMissingGnuplot);
}

void run_gnuplot(const std::filesystem::path& dir, const std::string& name, PlotFormat format) {
  const std::string script = name + ".gp";
  const std::string log = name + ".log";
  const std::filesystem::path output = dir / (name + "." + plot_extension(format));
  std::error_code ignored;
  std::filesystem::remove(output, ignored);  // an old plot must not pass for a new one

  // The child runs in `dir` so the script's relative names resolve there.
  SpawnFileActions actions;
  const std::string dir_text = dir.string();
  MOE_REQUIRE(
      posix_spawn_file_actions_addchdir_np(actions.get(), dir_text.c_str()) == 0 &&
          posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0) ==
              0 &&
          posix_spawn_file_actions_addopen(actions.get(), STDOUT_FILENO, log.c_str(),
                                           O_WRONLY | O_CREAT | O_TRUNC, 0644) == 0 &&
          posix_spawn_file_actions_adddup2(actions.get(), STDOUT_FILENO, STDERR_FILENO) == 0,
      "cannot set up running gnuplot: ", std::strerror(errno));
  std::string arg0 = kGnuplot, arg1 = script;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, kGnuplot, actions.get(), nullptr, argv, environ);
  if (spawned == ENOENT) throw Error(kMissingGnuplot);
  MOE_REQUIRE(spawned == 0, "cannot run gnuplot on ", (dir / script).string(), ": ",
              std::strerror(spawned));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    MOE_REQUIRE(errno == EINTR, "waiting for gnuplot: ", std::strerror(errno));

  const std::filesystem::path log_path = dir / log;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string how = WIFEXITED(status) ? cat("exit status ", WEXITSTATUS(status))
                                              : cat("signal ", WTERMSIG(status));
    throw Error(cat("gnuplot failed on ", (dir / script).string(), " (", how,
                    "): ", last_line_of(log_path), " (see ", log_path.string(), ")"));
  }
  MOE_REQUIRE(std::filesystem::is_regular_file(output) && std::filesystem::file_size(output) > 0,
              "gnuplot ran ", (dir / script).string(), " but wrote no ", output.string());
  if (std::filesystem::is_regular_file(log_path) && std::filesystem::file_size(log_path) == 0)
    std::filesystem::remove(log_path, ignored);
}

}  // namespace moe::train
