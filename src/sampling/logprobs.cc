#include "sampling/logprobs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace hearth {
namespace {

// NaN compares false with everything, so it is mapped to -inf before any comparison.
float Finite(float logit) { return std::isnan(logit) ? -std::numeric_limits<float>::infinity() : logit; }

float Clamp(double logprob) {
  if (!(logprob >= kMinLogprob)) return kMinLogprob;  // also catches NaN from an all -inf row
  return static_cast<float>(std::min(logprob, 0.0));
}

// True when (a_logit, a_id) ranks before (b_logit, b_id): higher logit, then lower id.
bool RanksBefore(float a_logit, int32_t a_id, float b_logit, int32_t b_id) {
  return a_logit > b_logit || (a_logit == b_logit && a_id < b_id);
}

}  // namespace

Status CheckTopLogprobs(double n) {
  if (n >= 0 && n <= kMaxTopLogprobs) return Status::Ok();
  return InvalidArgument("top_logprobs must be between 0 and " + std::to_string(kMaxTopLogprobs));
}

StepLogprobs ComputeStepLogprobs(std::span<const float> logits, int32_t chosen, int n_top) {
  const size_t n_vocab = logits.size();
  const size_t keep = static_cast<size_t>(std::clamp(n_top, 0, static_cast<int>(n_vocab)));
  float max_logit = -std::numeric_limits<float>::infinity();
  for (float l : logits) max_logit = std::max(max_logit, Finite(l));

  // Sum in double: 262K terms in float lose about 5 digits of the smaller ones.
  double sum = 0;
  std::vector<TokenLogprob> best;  // (keep) raw logits, best first
  best.reserve(keep + 1);
  for (size_t i = 0; i < n_vocab; ++i) {
    const float l = Finite(logits[i]);
    if (l == -std::numeric_limits<float>::infinity()) continue;
    sum += std::exp(static_cast<double>(l) - max_logit);
    if (keep == 0) continue;
    const int32_t id = static_cast<int32_t>(i);
    if (best.size() == keep && !RanksBefore(l, id, best.back().logprob, best.back().id)) continue;
    auto at = std::find_if(best.begin(), best.end(),
                           [&](const TokenLogprob& b) { return RanksBefore(l, id, b.logprob, b.id); });
    best.insert(at, TokenLogprob{id, l});
    if (best.size() > keep) best.pop_back();
  }
  // log Z; +inf when no logit is finite, so every entry clamps to kMinLogprob.
  const double log_z = sum > 0 ? max_logit + std::log(sum) : std::numeric_limits<double>::infinity();

  StepLogprobs out;
  out.chosen.id = chosen;
  const bool in_range = chosen >= 0 && static_cast<size_t>(chosen) < n_vocab;
  out.chosen.logprob = in_range ? Clamp(static_cast<double>(Finite(logits[chosen])) - log_z) : kMinLogprob;
  out.top = std::move(best);
  for (TokenLogprob& t : out.top) t.logprob = Clamp(static_cast<double>(t.logprob) - log_z);
  return out;
}

}  // namespace hearth
