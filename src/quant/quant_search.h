// Scale searches shared by the reference quantizers: given a small group of floats, pick the
// scale (and minimum) whose integer codes reproduce the group with the least squared error.
// Simpler than ggml's importance-weighted searches: a fixed sweep of candidate scales, each
// refitted by least squares. Internal to src/quant. Groups hold at most 256 floats.
#pragma once

#include <cmath>
#include <cstdint>

namespace hearth {

// Round to nearest, halves to even (what ggml's nearest_int does under the default FP mode).
// Used where ggml rounds that way, so Q8_K activations match it exactly.
inline int NearestInt(float x) { return static_cast<int>(std::nearbyint(x)); }

// Symmetric: x[j] ~= scale * codes[j], codes in [nmin, nmax] (nmin < 0 < nmax). Returns the
// scale (sign free: a negative scale puts the signed extreme on the wider negative end).
// All-zero input gives scale 0 and zero codes.
float FitSymmetric(const float* x, int n, int nmin, int nmax, int8_t* codes);

// Affine with a non-positive offset, as the K-quants store it:
//   x[j] ~= scale * codes[j] - neg_min,  codes in [0, nmax], scale >= 0, neg_min >= 0.
void FitAffine(const float* x, int n, int nmax, uint8_t* codes, float* scale, float* neg_min);

// IQ4_NL code book: x[j] ~= d * kIq4nlValues[codes[j]]. Returns d.
float FitCodebookScale(const float* x, int n, uint8_t* codes);
// Nearest code-book entry for every x[j] / d (code of value 1, the one nearest 0, when d == 0).
void AssignCodebook(const float* x, int n, float d, uint8_t* codes);

}  // namespace hearth
