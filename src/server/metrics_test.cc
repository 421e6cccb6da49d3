// Metrics: Prometheus text for counters, gauges and the cumulative latency histogram.
#include "server/metrics.h"

#include <gtest/gtest.h>

namespace hearth::server {
namespace {

bool Has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

TEST(Metrics, RendersCountersGaugesAndCumulativeHistogram) {
  Metrics m;
  m.CountRequest("/api/chat", 200);
  m.CountRequest("/api/chat", 200);
  m.CountRequest("/api/generate", 503);
  m.CountRequest("/wp-admin/evil", 404);
  m.CountRequest("/v1/models/gemma4", 404);
  m.ObserveTurn(0.2, 10, 4, 7);
  m.ObserveTurn(3.0, 5, 0, 2);
  m.ObserveTurn(1000.0, 1, 1, 1);
  const std::string text = m.Render({.queue_depth = 3, .active_slots = 2, .slots = 4});
  EXPECT_TRUE(Has(text, "# TYPE hearth_requests_total counter"));
  EXPECT_TRUE(Has(text, "hearth_requests_total{endpoint=\"/api/chat\",code=\"200\"} 2"));
  EXPECT_TRUE(Has(text, "hearth_requests_total{endpoint=\"/api/generate\",code=\"503\"} 1"));
  EXPECT_TRUE(Has(text, "hearth_requests_total{endpoint=\"other\",code=\"404\"} 1"));
  EXPECT_TRUE(Has(text, "hearth_requests_total{endpoint=\"/v1/models/{model}\",code=\"404\"} 1"));
  EXPECT_EQ(text.find("evil"), std::string::npos);
  EXPECT_TRUE(Has(text, "hearth_prompt_tokens_total 16"));
  EXPECT_TRUE(Has(text, "hearth_prompt_tokens_reused_total 5"));
  EXPECT_TRUE(Has(text, "hearth_generated_tokens_total 10"));
  EXPECT_TRUE(Has(text, "hearth_queue_depth 3"));
  EXPECT_TRUE(Has(text, "hearth_active_slots 2"));
  EXPECT_TRUE(Has(text, "hearth_slots 4"));
  EXPECT_TRUE(Has(text, "hearth_request_duration_seconds_bucket{le=\"0.1\"} 0"));
  EXPECT_TRUE(Has(text, "hearth_request_duration_seconds_bucket{le=\"0.25\"} 1"));
  EXPECT_TRUE(Has(text, "hearth_request_duration_seconds_bucket{le=\"2.5\"} 1"));
  EXPECT_TRUE(Has(text, "hearth_request_duration_seconds_bucket{le=\"5\"} 2"));
  EXPECT_TRUE(Has(text, "hearth_request_duration_seconds_bucket{le=\"300\"} 2"));
  EXPECT_TRUE(Has(text, "hearth_request_duration_seconds_bucket{le=\"+Inf\"} 3"));
  EXPECT_TRUE(Has(text, "hearth_request_duration_seconds_sum 1003.2"));
  EXPECT_TRUE(Has(text, "hearth_request_duration_seconds_count 3"));
}

}  // namespace
}  // namespace hearth::server
