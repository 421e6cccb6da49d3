// Per-request final-logit soft-cap (Gemma's `final_logit_softcapping`, spec gemma4-text-model.md
// §d.13: logits = c·tanh(x/c), c = 30). The model applies its own cap inside the forward pass,
// shared by every sequence of a batched decode step; a request that asks for another cap
// (OpenAI-API extra `logit_cap`) gets it here, on its own copy of the logits, by undoing the
// model's cap (tanh is one-to-one: x = c·atanh(y/c)) and applying the requested one.
#pragma once

#include <span>
#include <vector>

#include "base/status.h"

namespace hearth {

// Largest cap a request may ask for; beyond it the cap changes nothing a float can show.
inline constexpr float kMaxLogitCap = 1000.0f;

// InvalidArgument unless 0 <= cap <= kMaxLogitCap (0 = no cap).
Status CheckLogitCap(double cap);

// out[i] = request_cap·tanh(x_i/request_cap), or x_i when request_cap is 0, where x_i is the raw
// logit behind capped[i] = model_cap·tanh(x_i/model_cap). model_cap > 0; out is resized.
void RecapLogits(std::span<const float> capped, float model_cap, float request_cap, std::vector<float>* out);

}  // namespace hearth
