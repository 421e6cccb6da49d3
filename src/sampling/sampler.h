// Sampler: turns one step's logits into a token id (penalties, greedy or top-k/top-p/min-p, a
// seeded draw). It owns its RNG and scratch buffers; it knows nothing of models or tokenizers.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "sampling/sampling_params.h"

namespace hearth {

// Each Sample() call applies this fixed order to `logits` (n_vocab, already soft-capped):
//   1. penalties over the last repeat_last_n tokens of `history`: repetition (positive logits
//      divided by repeat_penalty, negative multiplied), then presence and frequency
//      (logit -= presence * (count > 0) + frequency * count); then banned and suppressed ids
//      get -inf;
//   2. temperature == 0: greedy argmax, ties to the lowest id, no RNG draw; otherwise
//   3. top-k by partial selection (never a sort of the whole vocabulary);
//   4. softmax of logit / temperature over the remaining candidates;
//   5. top-p: the smallest most-likely prefix whose probability sum is >= top_p (>= 1 token);
//   6. min-p: drop tokens with p < min_p * p_max; renormalise;
//   7. one draw: a 53-bit uniform built by hand from std::mt19937_64, so the same seed and the
//      same logits give the same tokens with every standard library.
// Ranking ties are broken by the lower id, so the candidate set never depends on sort details.
// NaN logits are never chosen. If bans leave no finite logit, Sample() falls back to the argmax
// of the raw logits rather than failing.
//
// Not thread-safe: one Sampler per generated sequence. Construct from params that passed
// Validate(). Scratch grows to a few bytes per vocabulary entry on first use (only when
// penalties, bans or top_k = 0 need it) and is reused, so steady-state calls do not allocate.
class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);

  // history: the sequence so far (prompt + generated); banned: ids forbidden for this call only.
  // Ids outside [0, logits.size()) in history or banned are ignored.
  int32_t Sample(std::span<const float> logits, std::span<const int32_t> history,
                 std::span<const int32_t> banned = {});

  // The distribution step 7 would draw from, as (id, probability) sorted by probability (then
  // id); probabilities sum to 1. Consumes no randomness. For tests and debugging.
  std::vector<std::pair<int32_t, float>> Candidates(std::span<const float> logits,
                                                    std::span<const int32_t> history,
                                                    std::span<const int32_t> banned = {});

  // Restarts the RNG stream from seed(), as if newly constructed.
  void Reset();

  // The seed in use (the drawn one when params.seed was kRandomSeed), for reproducing a run.
  uint64_t seed() const { return seed_; }
  const SamplingParams& params() const { return params_; }

 private:
  // `value` is a logit during selection and an unnormalised weight exp((l - l_max) / T) after.
  struct Candidate {
    int32_t id;
    float value;
  };

  // Steps 1-6: fills cands_ with weights (not normalised); returns false when nothing finite
  // is left. For temperature 0 leaves exactly the argmax.
  bool BuildCandidates(std::span<const float> logits, std::span<const int32_t> history,
                       std::span<const int32_t> banned);
  void BuildOverrides(std::span<const float> logits, std::span<const int32_t> history,
                      std::span<const int32_t> banned);
  void ClearOverrides();
  void SelectTopK(std::span<const float> logits, size_t k);
  void WeightSortedCandidates();
  void WeightWholeVocabulary(std::span<const float> logits);
  void ApplyMinP();
  double Uniform01();

  SamplingParams params_;
  uint64_t seed_ = 0;
  std::mt19937_64 rng_;

  std::vector<Candidate> cands_;  // (<= n_vocab) the working candidate set
  std::vector<Candidate> tail_;   // (<= n_vocab) top_k = 0 path: the bucket where top-p cuts
  std::vector<float> work_;       // (n_vocab) top_k = 0 path: effective logits, then weights
  std::vector<double> mass_;      // (kMassBuckets) top_k = 0 path: weight per weight-bucket
  // Sparse step-1 results: overridden_[id] marks ids whose logit is replaced by
  // override_value_[id]; touched_ lists them so clearing is O(touched), not O(n_vocab).
  std::vector<uint8_t> overridden_;    // (n_vocab)
  std::vector<float> override_value_;  // (n_vocab)
  std::vector<int32_t> count_;         // (n_vocab) occurrences in the penalty window, else 0
  std::vector<int32_t> touched_;
};

}  // namespace hearth
