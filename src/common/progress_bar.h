// A progress line with rate and ETA for long preparation work. On a terminal it redraws
// one line in place (at most 10 times a second); in a log file it prints a plain line at
// most every few seconds, so logs stay short.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace moe {

class ProgressBar {
 public:
  // total <= 0: unknown total (no bar, no ETA).
  ProgressBar(std::string label, int64_t total, std::FILE* out = stderr);
  ~ProgressBar();  // finishes the line if finish() was not called
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void advance(int64_t count = 1);
  void finish();

 private:
  void draw(bool final);

  std::string label_;
  int64_t total_;
  int64_t done_ = 0;
  std::FILE* out_;
  bool terminal_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// The text of one progress line (pure, for tests): "label [#####.....]  50%  500/1000
// 250.0/s  eta 2s"; without a total: "label 500  250.0/s".
std::string render_progress(const std::string& label, int64_t done, int64_t total,
                            double elapsed_seconds, int bar_width = 24);

}  // namespace moe
