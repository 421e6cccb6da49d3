// Counters behind `GET /metrics` (Prometheus text exposition format 0.0.4): requests by endpoint
// and HTTP status, prompt and generated tokens, and a histogram of generation latency. Gauges
// (queue depth, active slots) are read from the scheduler when rendering.
// Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace hearth::server {

struct GaugeValues {
  int queue_depth = 0;   // requests waiting for a slot
  int active_slots = 0;  // slots generating
  int slots = 0;         // HEARTH_NUM_PARALLEL
};

class Metrics {
 public:
  // Upper bounds (seconds) of the latency histogram's buckets; +Inf is implicit.
  static constexpr std::array<double, 11> kLatencyBuckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

  // One answered HTTP request. Paths outside the API are counted as "other" so a scanner
  // cannot grow the label set.
  void CountRequest(const std::string& path, int status);
  // One finished generation: request start to last token, and its token counts.
  void ObserveTurn(double seconds, int64_t prompt_tokens, int64_t prompt_reused, int64_t generated);

  std::string Render(const GaugeValues& gauges) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
  int64_t prompt_tokens_ = 0, prompt_reused_ = 0, generated_tokens_ = 0;
  std::array<int64_t, kLatencyBuckets.size()> bucket_counts_{};  // not cumulative; Render sums
  int64_t latency_count_ = 0;
  double latency_sum_ = 0;
};

}  // namespace hearth::server
