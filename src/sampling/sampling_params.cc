// Validation of SamplingParams: every range is checked here, once, so the sampler can trust them.
#include "sampling/sampling_params.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace hearth {
namespace {

// "top_p = 1.5 is outside [0, 1]"; NaN fails every comparison, so it is named separately.
Status CheckRange(const char* name, double value, double lo, double hi, bool lo_open = false) {
  if (std::isnan(value)) return InvalidArgument(std::string(name) + " is NaN");
  const bool below = lo_open ? value <= lo : value < lo;
  if (below || value > hi) {
    char buf[160];
    std::snprintf(buf, sizeof(buf), "%s = %g is outside %c%g, %g]", name, value, lo_open ? '(' : '[', lo, hi);
    return InvalidArgument(buf);
  }
  return Status::Ok();
}

}  // namespace

Status SamplingParams::Validate() const {
  HEARTH_RETURN_IF_ERROR(CheckRange("temperature", temperature, 0, 100));
  if (top_k < 0) return InvalidArgument("top_k = " + std::to_string(top_k) + " is negative (0 disables it)");
  HEARTH_RETURN_IF_ERROR(CheckRange("top_p", top_p, 0, 1));
  HEARTH_RETURN_IF_ERROR(CheckRange("min_p", min_p, 0, 1));
  HEARTH_RETURN_IF_ERROR(CheckRange("repeat_penalty", repeat_penalty, 0, 100, /*lo_open=*/true));
  if (repeat_last_n < -1) {
    return InvalidArgument("repeat_last_n = " + std::to_string(repeat_last_n) +
                           " is below -1 (-1 = whole history, 0 = off)");
  }
  HEARTH_RETURN_IF_ERROR(CheckRange("presence_penalty", presence_penalty, -2, 2));
  HEARTH_RETURN_IF_ERROR(CheckRange("frequency_penalty", frequency_penalty, -2, 2));
  for (int32_t id : suppress_tokens) {
    if (id < 0) return InvalidArgument("suppress_tokens: id " + std::to_string(id) + " is negative");
  }
  return Status::Ok();
}

}  // namespace hearth
