#include "store/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace hearth::store {

ProgressBar::ProgressBar(std::string label, uint64_t total)
    : label_(std::move(label)), total_(total), enabled_(::isatty(STDERR_FILENO) == 1) {}

std::string ProgressBar::FormatBytes(uint64_t bytes) {
  // Decimal units, as `ollama list` prints them.
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) v /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 || v >= 10 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

void ProgressBar::Update(uint64_t done) {
  const auto now = std::chrono::steady_clock::now();
  if (!started_) {
    started_ = true;
    first_done_ = done;
    start_ = now;
    last_draw_ = now - std::chrono::seconds(1);
  }
  last_done_ = done;
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw(done, false);
}

void ProgressBar::Finish() {
  if (started_) Draw(last_done_, true);
}

void ProgressBar::Draw(uint64_t done, bool final) {
  if (!enabled_) return;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double speed = secs > 0.2 ? static_cast<double>(done - first_done_) / secs : 0;
  const double frac = total_ > 0 ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total_)) : 0;
  constexpr int kWidth = 25;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, ' ');
  std::string eta = "--";
  if (speed > 0 && total_ > done) {
    const auto left = static_cast<uint64_t>(static_cast<double>(total_ - done) / speed);
    char buf[32];
    if (left >= 3600) {
      std::snprintf(buf, sizeof buf, "%lluh%02llum", static_cast<unsigned long long>(left / 3600),
                    static_cast<unsigned long long>(left / 60 % 60));
    } else {
      std::snprintf(buf, sizeof buf, "%llum%02llus", static_cast<unsigned long long>(left / 60),
                    static_cast<unsigned long long>(left % 60));
    }
    eta = buf;
  } else if (total_ > 0 && done >= total_) {
    eta = "0s";
  }
  std::fprintf(stderr, "\rpulling %s %3d%% [%s] %s/%s %s/s ETA %s\033[K%s", label_.c_str(),
               static_cast<int>(frac * 100), bar.c_str(), FormatBytes(done).c_str(), FormatBytes(total_).c_str(),
               FormatBytes(static_cast<uint64_t>(speed)).c_str(), eta.c_str(), final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace hearth::store
