// A one-line download progress bar on stderr: name, percent, bar, bytes done/total, speed, ETA.
// Silent when stderr is not a terminal (logs and tests get no carriage-return noise).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace hearth::store {

class ProgressBar {
 public:
  ProgressBar(std::string label, uint64_t total);
  // `done` counts bytes already on disk before this run too, so a resumed bar starts part full;
  // speed counts only what this run fetched.
  void Update(uint64_t done);
  void Finish();

  static std::string FormatBytes(uint64_t bytes);

 private:
  void Draw(uint64_t done, bool final);
  std::string label_;
  uint64_t total_;
  bool enabled_;
  bool started_ = false;
  uint64_t first_done_ = 0;
  uint64_t last_done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace hearth::store
