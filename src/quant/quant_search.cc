#include "quant/quant_search.h"

#include "base/check.h"
#include "quant/block_formats.h"

namespace hearth {
namespace {

// Candidate inverse scales are the extreme mapped to nmin + step * t: a sweep around the
// natural "extreme onto the end code" choice, since the best grid rarely puts the extreme
// exactly on a code.
constexpr int kSweep = 10;
constexpr float kSweepStep = 0.1f;
// Largest group any format fits at once (a whole super-block); sizes the scratch codes.
constexpr int kMaxGroup = 256;

float SignedExtreme(const float* x, int n) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int j = 0; j < n; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

int Clamp(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

int NearestCode(float v) {
  int best = 0;
  float best_dist = std::fabs(v - kIq4nlValues[0]);
  for (int k = 1; k < 16; ++k) {
    const float dist = std::fabs(v - kIq4nlValues[k]);
    if (dist < best_dist) {
      best_dist = dist;
      best = k;
    }
  }
  return best;
}

}  // namespace

float FitSymmetric(const float* x, int n, int nmin, int nmax, int8_t* codes) {
  const float max = SignedExtreme(x, n);
  for (int j = 0; j < n; ++j) codes[j] = 0;
  if (max == 0.0f) return 0.0f;
  float best_err = INFINITY;
  float best_scale = 0.0f;
  HEARTH_DCHECK(n > 0 && n <= kMaxGroup, "group of %d", n);
  int8_t trial[kMaxGroup];
  for (int t = -kSweep; t <= kSweep; ++t) {
    const float inv = (static_cast<float>(nmin) + kSweepStep * static_cast<float>(t)) / max;
    double sum_xl = 0, sum_ll = 0;
    for (int j = 0; j < n; ++j) {
      trial[j] = static_cast<int8_t>(Clamp(NearestInt(inv * x[j]), nmin, nmax));
      sum_xl += static_cast<double>(x[j]) * trial[j];
      sum_ll += static_cast<double>(trial[j]) * trial[j];
    }
    if (sum_ll == 0) continue;
    // Least-squares scale for these codes.
    const float scale = static_cast<float>(sum_xl / sum_ll);
    double err = 0;
    for (int j = 0; j < n; ++j) {
      const double e = x[j] - scale * trial[j];
      err += e * e;
    }
    if (err < best_err) {
      best_err = static_cast<float>(err);
      best_scale = scale;
      for (int j = 0; j < n; ++j) codes[j] = trial[j];
    }
  }
  return best_scale;
}

void FitAffine(const float* x, int n, int nmax, uint8_t* codes, float* scale, float* neg_min) {
  float lo = x[0], hi = x[0];
  for (int j = 1; j < n; ++j) {
    lo = std::fmin(lo, x[j]);
    hi = std::fmax(hi, x[j]);
  }
  // The formats subtract a non-negative minimum, so the offset can only move the grid down.
  lo = std::fmin(lo, 0.0f);
  *scale = 0.0f;
  *neg_min = -lo;
  for (int j = 0; j < n; ++j) codes[j] = 0;
  if (hi == lo) return;
  float best_err = INFINITY;
  HEARTH_DCHECK(n > 0 && n <= kMaxGroup, "group of %d", n);
  uint8_t trial[kMaxGroup];
  for (int t = -kSweep / 2; t <= kSweep; ++t) {
    const float range = static_cast<float>(nmax) + kSweepStep * static_cast<float>(t);
    const float inv = range / (hi - lo);
    double sl = 0, sll = 0, sx = 0, sxl = 0;
    for (int j = 0; j < n; ++j) {
      trial[j] = static_cast<uint8_t>(Clamp(NearestInt((x[j] - lo) * inv), 0, nmax));
      sl += trial[j];
      sll += static_cast<double>(trial[j]) * trial[j];
      sx += x[j];
      sxl += static_cast<double>(x[j]) * trial[j];
    }
    // Least squares for x ~= s * l + m, then m forced <= 0 (refit s alone if it was not).
    const double det = n * sll - sl * sl;
    if (det <= 0) continue;
    double s = (n * sxl - sl * sx) / det;
    double m = (sll * sx - sl * sxl) / det;
    if (m > 0) {
      m = 0;
      s = sxl / sll;
    }
    if (s <= 0) continue;
    double err = 0;
    for (int j = 0; j < n; ++j) {
      const double e = x[j] - (s * trial[j] + m);
      err += e * e;
    }
    if (err < best_err) {
      best_err = static_cast<float>(err);
      *scale = static_cast<float>(s);
      *neg_min = static_cast<float>(-m);
      for (int j = 0; j < n; ++j) codes[j] = trial[j];
    }
  }
}

void AssignCodebook(const float* x, int n, float d, uint8_t* codes) {
  const float inv = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < n; ++j) codes[j] = static_cast<uint8_t>(NearestCode(x[j] * inv));
}

float FitCodebookScale(const float* x, int n, uint8_t* codes) {
  const float max = SignedExtreme(x, n);
  AssignCodebook(x, n, 0.0f, codes);
  if (max == 0.0f) return 0.0f;
  float best_err = INFINITY;
  float best_d = 0.0f;
  HEARTH_DCHECK(n > 0 && n <= kMaxGroup, "group of %d", n);
  uint8_t trial[kMaxGroup];
  // Map the extreme near either end of the (asymmetric) code book.
  for (int side = 0; side < 2; ++side) {
    const float end = side == 0 ? kIq4nlValues[0] : kIq4nlValues[15];
    for (int t = -kSweep; t <= kSweep; ++t) {
      const float d0 = max / (end + 2.0f * static_cast<float>(t));
      AssignCodebook(x, n, d0, trial);
      double sum_xv = 0, sum_vv = 0;
      for (int j = 0; j < n; ++j) {
        const double v = kIq4nlValues[trial[j]];
        sum_xv += x[j] * v;
        sum_vv += v * v;
      }
      const float d = static_cast<float>(sum_xv / sum_vv);
      double err = 0;
      for (int j = 0; j < n; ++j) {
        const double e = x[j] - d * kIq4nlValues[trial[j]];
        err += e * e;
      }
      if (err < best_err) {
        best_err = static_cast<float>(err);
        best_d = d;
        for (int j = 0; j < n; ++j) codes[j] = trial[j];
      }
    }
  }
  return best_d;
}

}  // namespace hearth
