// Implementation of ProgressBar (see progress_bar.h).
#include "common/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace moe {
namespace {

std::string format_duration(double seconds) {
  char text[32];
  const long long s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  if (s >= 3600)
    std::snprintf(text, sizeof(text), "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60)
    std::snprintf(text, sizeof(text), "%lldm%02llds", s / 60, s % 60);
  else
    std::snprintf(text, sizeof(text), "%llds", s);
  return text;
}

}  // namespace

std::string render_progress(const std::string& label, int64_t done, int64_t total,
                            double elapsed_seconds, int bar_width) {
  const double rate = elapsed_seconds > 0.0 ? done / elapsed_seconds : 0.0;
  char text[256];
  if (total <= 0) {
    std::snprintf(text, sizeof(text), "%s %lld  %.1f/s", label.c_str(),
                  static_cast<long long>(done), rate);
    return text;
  }
  const double fraction = std::clamp(static_cast<double>(done) / total, 0.0, 1.0);
  const int filled = static_cast<int>(fraction * bar_width);
  const std::string bar = std::string(filled, '#') + std::string(bar_width - filled, '.');
  const std::string eta = rate > 0.0 ? format_duration((total - done) / rate) : std::string("?");
  std::snprintf(text, sizeof(text), "%s [%s] %3d%%  %lld/%lld  %.1f/s  eta %s", label.c_str(),
                bar.c_str(), static_cast<int>(fraction * 100), static_cast<long long>(done),
                static_cast<long long>(total), rate, eta.c_str());
  return text;
}

ProgressBar::ProgressBar(std::string label, int64_t total, std::FILE* out)
    : label_(std::move(label)),
      total_(total),
      out_(out),
      terminal_(isatty(fileno(out)) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::advance(int64_t count) {
  done_ += count;
  const auto now = std::chrono::steady_clock::now();
  const auto interval = terminal_ ? std::chrono::milliseconds(100) : std::chrono::seconds(5);
  if (now - last_draw_ >= interval) {
    last_draw_ = now;
    draw(false);
  }
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void ProgressBar::draw(bool final) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string line = render_progress(label_, done_, total_, elapsed);
  if (terminal_)
    std::fprintf(out_, "\r%s\033[K%s", line.c_str(), final ? "\n" : "");
  else
    std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

}  // namespace moe
