// Google Benchmark for Sampler::Sample on a Gemma 4 sized vocabulary (262,144 logits): the
// default top-k 64 path, greedy, top_k = 0 with top-p 0.95, and penalties over 64 tokens.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "sampling/sampler.h"

namespace hearth {
namespace {

constexpr size_t kVocab = 262'144;

// Soft-capped logits lie in [-30, 30]; a spread like a real model's keeps top-p honest: a few
// hundred plausible tokens above a long flat tail.
std::vector<float> BenchLogits(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> tail(-2.0f, 3.0f);
  std::vector<float> v(kVocab);
  for (float& x : v) x = tail(rng);
  std::uniform_int_distribution<size_t> pick(0, kVocab - 1);
  std::uniform_real_distribution<float> head(8.0f, 20.0f);
  for (int i = 0; i < 300; ++i) v[pick(rng)] = head(rng);
  return v;
}

// Uniform in [-30, 30]: the worst case for top-p, thousands of tokens share the mass.
std::vector<float> FlatLogits(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-30.0f, 30.0f);
  std::vector<float> v(kVocab);
  for (float& x : v) x = u(rng);
  return v;
}

void Run(benchmark::State& state, const SamplingParams& p, const std::vector<float>& logits) {
  std::vector<int32_t> history(4096);
  for (size_t i = 0; i < history.size(); ++i) history[i] = static_cast<int32_t>((i * 7919) % kVocab);
  Sampler sampler(p);
  for (auto _ : state) benchmark::DoNotOptimize(sampler.Sample(logits, history));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kVocab));
}

SamplingParams With(float t, int top_k, float top_p) {
  SamplingParams p;
  p.temperature = t;
  p.top_k = top_k;
  p.top_p = top_p;
  p.seed = 1;
  return p;
}

void BM_TopK64(benchmark::State& s) { Run(s, With(1, 64, 0.95f), BenchLogits(1)); }
void BM_Greedy(benchmark::State& s) { Run(s, With(0, 64, 0.95f), BenchLogits(1)); }
void BM_TopK64Penalties(benchmark::State& s) {
  SamplingParams p = With(1, 64, 0.95f);
  p.repeat_penalty = 1.1f;
  p.presence_penalty = 0.5f;
  p.frequency_penalty = 0.2f;
  Run(s, p, BenchLogits(1));
}
void BM_TopP95NoTopK(benchmark::State& s) { Run(s, With(1, 0, 0.95f), BenchLogits(1)); }
void BM_TopP95NoTopKFlat(benchmark::State& s) { Run(s, With(1, 0, 0.95f), FlatLogits(2)); }
void BM_TopK64Flat(benchmark::State& s) { Run(s, With(1, 64, 0.95f), FlatLogits(2)); }

BENCHMARK(BM_TopK64)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Greedy)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TopK64Penalties)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TopK64Flat)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TopP95NoTopK)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TopP95NoTopKFlat)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace hearth

BENCHMARK_MAIN();
