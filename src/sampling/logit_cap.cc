#include "sampling/logit_cap.h"

#include <cmath>
#include <string>

namespace hearth {

Status CheckLogitCap(double cap) {
  if (cap >= 0 && cap <= kMaxLogitCap) return Status::Ok();
  return InvalidArgument("logit_cap must be between 0 (no cap) and " + std::to_string(static_cast<int>(kMaxLogitCap)));
}

void RecapLogits(std::span<const float> capped, float model_cap, float request_cap, std::vector<float>* out) {
  out->resize(capped.size());
  // A capped value at ±model_cap (x beyond ~9·c saturates f32 tanh) has lost its raw value;
  // clamping just inside keeps atanh finite and returns the largest raw logit f32 can tell apart.
  const double limit = std::nextafter(1.0, 0.0);
  for (size_t i = 0; i < capped.size(); ++i) {
    const double y = std::fmax(-limit, std::fmin(limit, static_cast<double>(capped[i]) / model_cap));
    const double raw = model_cap * std::atanh(y);
    (*out)[i] = static_cast<float>(request_cap > 0 ? request_cap * std::tanh(raw / request_cap) : raw);
  }
}

}  // namespace hearth
