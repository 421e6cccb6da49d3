// Sampler implementation. Two selection paths: top_k > 0 keeps a k-sized heap while scanning the
// logits once; top_k = 0 weights the whole vocabulary and buckets the weights, so top-p sorts
// only the one bucket where the cut falls.
#include "sampling/sampler.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "base/check.h"

namespace hearth {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Logits are scanned in blocks: a branch-free "anything above the threshold?" test per block
// vectorises, and once the heap is full almost every block fails it.
constexpr size_t kScanBlock = 64;

// Weights lie in [0, 1]. Their float bits shifted right by 20 (exponent plus 3 mantissa bits)
// are a monotonic key: buckets 1/8 octave wide, 1.0f -> 0x3F8.
constexpr size_t kMassBuckets = (std::bit_cast<uint32_t>(1.0f) >> 20) + 1;
uint32_t MassBucket(float weight) { return std::bit_cast<uint32_t>(weight) >> 20; }

// exp(x) for the weights exp((l - l_max) / T), x <= 0. Our own rather than std::exp so the loop
// over a whole vocabulary vectorises (SSE2 suffices) and the weights, hence the drawn tokens, do
// not depend on the libm. x = n*ln2 + r with |r| <= ln2/2 (ln2 split in two so n*ln2_hi is
// exact); e^r by its degree-7 Taylor polynomial (truncation < 6e-9 relative, under float
// rounding); 2^n built in the exponent bits. |x| > 87 (2^n would go subnormal), inf and NaN
// give 0: such a token is at least 1e-38 times less likely than the best one.
//
// Range checks and selects are done on the bits with masks: GCC (with its default
// -ftrapping-math) turns a float select into a branch around float ops that "could trap", and
// a loop with a branch is not vectorised.
inline float WeightExp(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693145751953125f;
  constexpr float kLn2Lo = 1.42860676533018704e-06f;
  // x * log2e + 1.5 * 2^23 rounds to an integer n held in the low mantissa bits.
  constexpr float kRound = 12582912.0f;
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  const uint32_t keep = 0u - static_cast<uint32_t>((bits & 0x7fffffffu) <= std::bit_cast<uint32_t>(87.0f));
  const float xc = std::bit_cast<float>((bits & keep) | (std::bit_cast<uint32_t>(-87.0f) & ~keep));
  const float shifted = xc * kLog2e + kRound;
  const int32_t n_int = std::bit_cast<int32_t>(shifted) - std::bit_cast<int32_t>(kRound);
  const float n = shifted - kRound;
  const float r = (xc - n * kLn2Hi) - n * kLn2Lo;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const float scale = std::bit_cast<float>(static_cast<uint32_t>(n_int + 127) << 23);
  return std::bit_cast<float>(std::bit_cast<uint32_t>(p * scale) & keep);
}

// Largest value, -inf when all are -inf or NaN. Eight running maxima so the reduction
// vectorises (a single one is a serial chain).
float MaxLogit(std::span<const float> v) {
  float lane[8];
  std::fill(std::begin(lane), std::end(lane), kNegInf);
  size_t i = 0;
  for (; i + 8 <= v.size(); i += 8) {
    for (size_t j = 0; j < 8; ++j) lane[j] = v[i + j] > lane[j] ? v[i + j] : lane[j];
  }
  for (; i < v.size(); ++i) lane[0] = v[i] > lane[0] ? v[i] : lane[0];
  float best = kNegInf;
  for (float x : lane) best = x > best ? x : best;
  return best;
}

struct RanksBefore {
  template <typename C>
  bool operator()(const C& a, const C& b) const {
    return a.value > b.value || (a.value == b.value && a.id < b.id);
  }
};

}  // namespace

Sampler::Sampler(const SamplingParams& params) : params_(params) {
  HEARTH_DCHECK(params.Validate().ok(), "SamplingParams not validated");
  seed_ = params.seed;
  if (seed_ == kRandomSeed) {
    std::random_device rd;
    seed_ = (static_cast<uint64_t>(rd()) << 32) | rd();
  }
  rng_.seed(seed_);
}

void Sampler::Reset() { rng_.seed(seed_); }

// Top 53 bits of one 64-bit draw, scaled exactly: uniform on [0, 1) and, unlike
// std::uniform_real_distribution, specified bit for bit.
double Sampler::Uniform01() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

int32_t Sampler::Sample(std::span<const float> logits, std::span<const int32_t> history,
                        std::span<const int32_t> banned) {
  HEARTH_CHECK(!logits.empty(), "Sample() needs logits");
  if (!BuildCandidates(logits, history, banned)) {
    // Everything was banned or NaN: a token the caller can see is better than an invalid id.
    int32_t best = 0;
    for (size_t i = 1; i < logits.size(); ++i) {
      if (logits[i] > logits[best]) best = static_cast<int32_t>(i);
    }
    return best;
  }
  if (params_.temperature == 0 || cands_.size() == 1) {
    if (params_.temperature != 0) Uniform01();  // keep the stream aligned with how many steps ran
    return cands_[0].id;
  }
  double total = 0;
  for (const Candidate& c : cands_) total += c.value;
  const double u = Uniform01() * total;
  double cum = 0;
  for (const Candidate& c : cands_) {
    cum += c.value;
    if (u < cum) return c.id;
  }
  // Only reachable through rounding in the last partial sums.
  return cands_.back().id;
}

std::vector<std::pair<int32_t, float>> Sampler::Candidates(std::span<const float> logits,
                                                           std::span<const int32_t> history,
                                                           std::span<const int32_t> banned) {
  HEARTH_CHECK(!logits.empty(), "Candidates() needs logits");
  std::vector<std::pair<int32_t, float>> out;
  if (!BuildCandidates(logits, history, banned)) return out;
  if (params_.temperature == 0) return {{cands_[0].id, 1.0f}};
  std::sort(cands_.begin(), cands_.end(), RanksBefore{});
  double total = 0;
  for (const Candidate& c : cands_) total += c.value;
  out.reserve(cands_.size());
  for (const Candidate& c : cands_) out.emplace_back(c.id, static_cast<float>(c.value / total));
  return out;
}

bool Sampler::BuildCandidates(std::span<const float> logits, std::span<const int32_t> history,
                              std::span<const int32_t> banned) {
  BuildOverrides(logits, history, banned);
  const size_t n_vocab = logits.size();
  const size_t k = static_cast<size_t>(params_.top_k);
  if (params_.temperature == 0) {
    SelectTopK(logits, 1);
  } else if (k > 0 && k < n_vocab) {
    SelectTopK(logits, k);
    if (!cands_.empty()) WeightSortedCandidates();
  } else {
    WeightWholeVocabulary(logits);
  }
  ClearOverrides();
  if (cands_.empty()) return false;
  if (params_.temperature != 0) ApplyMinP();
  return true;
}

void Sampler::BuildOverrides(std::span<const float> logits, std::span<const int32_t> history,
                             std::span<const int32_t> banned) {
  const size_t n_vocab = logits.size();
  auto ensure_scratch = [&] {
    if (overridden_.size() < n_vocab) {
      overridden_.resize(n_vocab, 0);
      override_value_.resize(n_vocab, 0.0f);
      count_.resize(n_vocab, 0);
    }
  };
  auto in_vocab = [&](int32_t id) { return id >= 0 && static_cast<size_t>(id) < n_vocab; };

  const bool penalize = params_.repeat_penalty != 1.0f || params_.presence_penalty != 0.0f ||
                        params_.frequency_penalty != 0.0f;
  size_t window = params_.repeat_last_n < 0 ? history.size() : static_cast<size_t>(params_.repeat_last_n);
  window = std::min(window, history.size());
  if (penalize && window > 0) {
    ensure_scratch();
    for (int32_t id : history.last(window)) {
      if (in_vocab(id) && count_[id]++ == 0) touched_.push_back(id);
    }
    for (int32_t id : touched_) {
      float v = logits[id];
      if (params_.repeat_penalty != 1.0f) v = v > 0 ? v / params_.repeat_penalty : v * params_.repeat_penalty;
      v -= params_.presence_penalty + params_.frequency_penalty * static_cast<float>(count_[id]);
      override_value_[id] = v;
      overridden_[id] = 1;
      count_[id] = 0;
    }
  }
  auto ban = [&](int32_t id) {
    if (!in_vocab(id)) return;
    ensure_scratch();
    if (!overridden_[id]) touched_.push_back(id);
    overridden_[id] = 1;
    override_value_[id] = kNegInf;
  };
  for (int32_t id : params_.suppress_tokens) ban(id);
  for (int32_t id : banned) ban(id);
}

void Sampler::ClearOverrides() {
  for (int32_t id : touched_) overridden_[id] = 0;
  touched_.clear();
}

// Leaves the best min(k, finite) candidates in cands_, best first, values = effective logits.
void Sampler::SelectTopK(std::span<const float> logits, size_t k) {
  cands_.clear();
  // A heap whose front is the worst kept candidate.
  auto push = [&](Candidate c) {
    if (cands_.size() < k) {
      cands_.push_back(c);
      std::push_heap(cands_.begin(), cands_.end(), RanksBefore{});
    } else if (RanksBefore{}(c, cands_.front())) {
      std::pop_heap(cands_.begin(), cands_.end(), RanksBefore{});
      cands_.back() = c;
      std::push_heap(cands_.begin(), cands_.end(), RanksBefore{});
    }
  };
  // Ids arrive in increasing order, so a newcomer beats the worst kept one only with a strictly
  // greater logit; -inf as the starting threshold also keeps out -inf and NaN.
  float threshold = kNegInf;
  const bool has_overrides = !touched_.empty();
  const size_t n = logits.size();
  for (size_t block = 0; block < n; block += kScanBlock) {
    const size_t end = std::min(block + kScanBlock, n);
    int any = 0;
    for (size_t i = block; i < end; ++i) any |= logits[i] > threshold;
    if (!any) continue;
    for (size_t i = block; i < end; ++i) {
      if (!(logits[i] > threshold) || (has_overrides && overridden_[i])) continue;
      push({static_cast<int32_t>(i), logits[i]});
      if (cands_.size() == k) threshold = cands_.front().value;
    }
  }
  for (int32_t id : touched_) {
    if (override_value_[id] > kNegInf) push({id, override_value_[id]});
  }
  std::sort_heap(cands_.begin(), cands_.end(), RanksBefore{});
}

// cands_ sorted best first with logits -> weights exp((l - l_best) / T), then the top-p cut.
void Sampler::WeightSortedCandidates() {
  const float best = cands_[0].value;
  double total = 0;
  for (Candidate& c : cands_) {
    // Division rather than a reciprocal: a tiny T must give exp(-inf) = 0, never 0 * inf.
    c.value = WeightExp((c.value - best) / params_.temperature);
    total += c.value;
  }
  if (params_.top_p >= 1.0f) return;
  const double target = params_.top_p * total;
  double cum = 0;
  size_t keep = 0;
  while (keep < cands_.size()) {
    cum += cands_[keep++].value;
    if (cum >= target) break;
  }
  cands_.resize(keep);
}

// top_k disabled: weight every token. Tokens whose weight lies in mass buckets entirely above
// the top-p cut are kept unsorted; only the bucket holding the cut is sorted.
void Sampler::WeightWholeVocabulary(std::span<const float> logits) {
  const size_t n = logits.size();
  work_.assign(logits.begin(), logits.end());
  for (int32_t id : touched_) work_[id] = override_value_[id];
  const float best = MaxLogit(work_);
  cands_.clear();
  if (!(best > kNegInf)) return;

  // Vectorises; -inf and NaN logits come out as weight 0.
  const float t = params_.temperature;
  for (float& v : work_) v = WeightExp((v - best) / t);

  const bool cut = params_.top_p < 1.0f;
  if (!cut) {
    for (size_t i = 0; i < n; ++i) {
      if (work_[i] > 0) cands_.push_back({static_cast<int32_t>(i), work_[i]});
    }
    return;
  }
  mass_.assign(kMassBuckets, 0.0);
  for (float w : work_) mass_[MassBucket(w)] += w;
  double total = 0;
  for (double m : mass_) total += m;
  // The bucket where the running mass (best bucket first) reaches top_p of the total.
  const double target = params_.top_p * total;
  uint32_t cut_bucket = 0;
  double cum = 0;
  for (uint32_t b = kMassBuckets; b-- > 0;) {
    cum += mass_[b];
    if (cum >= target) {
      cut_bucket = b;
      break;
    }
  }
  tail_.clear();
  cum = 0;
  for (size_t i = 0; i < n; ++i) {
    const float w = work_[i];
    if (!(w > 0)) continue;
    const uint32_t b = MassBucket(w);
    if (b > cut_bucket) {
      cands_.push_back({static_cast<int32_t>(i), w});
      cum += w;
    } else if (b == cut_bucket) {
      tail_.push_back({static_cast<int32_t>(i), w});
    }
  }
  std::sort(tail_.begin(), tail_.end(), RanksBefore{});
  for (const Candidate& c : tail_) {
    if (!cands_.empty() && cum >= target) break;
    cands_.push_back(c);
    cum += c.value;
  }
}

// The best candidate has weight exactly exp(0) = 1 on both paths, so p / p_max is the weight.
void Sampler::ApplyMinP() {
  if (params_.min_p <= 0) return;
  const float floor = params_.min_p;
  std::erase_if(cands_, [floor](const Candidate& c) { return c.value < floor; });
}

}  // namespace hearth
