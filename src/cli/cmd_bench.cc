// `hearth bench`: prefill and decode throughput on random token ids, in the spirit of
// llama-bench (pp = one prompt of -p tokens on an empty cache, tg = -n single-token steps on an
// empty cache, or after -d tokens of context), plus a decode roofline: weight and KV bytes each
// decoded token reads, divided by the machine's measured streaming-read bandwidth. --json prints
// one object for bench/compare. --depth-fill synthetic writes the -d context as random K/V rows
// instead of prefilling it: attention then reads exactly the bytes and does exactly the work of
// a real context of that length (only the values differ), and a 16K-token depth takes seconds
// instead of the ~10 minutes an E2B prefill of it takes on 2 cores.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <new>
#include <nlohmann/json.hpp>
#include <random>

#include "base/mem_bandwidth.h"
#include "cli/command.h"
#include "runtime/session.h"

namespace hearth::cli {
namespace {

struct BenchArgs {
  std::string model;
  int n_prompt = 512;
  int n_gen = 128;
  int depth = 0;  // tokens already in the cache when decode starts (llama-bench -d)
  std::string depth_fill = "prefill";  // or "synthetic": random K/V rows, no prefill
  std::string kv_cache_type;
  int threads = 0;
  int reps = 3;
  int probe_mib = 1024;
  bool json = false;
};

struct Stats {
  double mean = 0, stddev = 0;
  std::vector<double> samples;
};

Stats Summarise(std::vector<double> v) {
  Stats s;
  s.samples = std::move(v);
  if (s.samples.empty()) return s;
  for (double x : s.samples) s.mean += x;
  s.mean /= static_cast<double>(s.samples.size());
  if (s.samples.size() > 1) {
    double ss = 0;
    for (double x : s.samples) ss += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(ss / static_cast<double>(s.samples.size() - 1));
  }
  return s;
}

double MatrixBytes(const MatrixView& m) {
  return m.data == nullptr ? 0.0 : static_cast<double>(m.rows) * static_cast<double>(m.row_bytes);
}

// What one decoded token reads, split so the report can show where the bytes go.
struct TokenBytes {
  double attention = 0;   // Q, K, V, O projections
  double ffn = 0;         // dense (or shared) FFN
  double moe = 0;         // router + n_expert_used experts
  double per_layer = 0;   // PLE: inp_gate, proj, per_layer_model_proj, one per_layer_token_embd row
  double lm_head = 0;     // output (token_embd when tied)
  double embd_row = 0;    // one token_embd row
  double kv = 0;          // K and V rows read by attention, mean over the decode steps
  double Weights() const { return attention + ffn + moe + per_layer + lm_head + embd_row; }
  double Total() const { return Weights() + kv; }
};

// Decode step s (0-based, `depth` tokens cached at s = 0) attends to depth + s + 1 positions, or
// the window on sliding layers; the mean is over the n_gen steps the benchmark runs. Entries are
// rows of the cache type.
TokenBytes BytesPerDecodedToken(const Gemma4Model& m, int n_gen, int depth, GgmlType kv_type) {
  const Gemma4Hparams& hp = m.hparams();
  const Gemma4Weights& w = m.weights();
  TokenBytes b;
  for (size_t il = 0; il < w.layers.size(); ++il) {
    const Gemma4LayerWeights& l = w.layers[il];
    const Gemma4LayerParams& p = hp.layers[il];
    b.attention += MatrixBytes(l.attn_q) + MatrixBytes(l.attn_k) + MatrixBytes(l.attn_v) + MatrixBytes(l.attn_output);
    b.ffn += MatrixBytes(l.ffn_gate) + MatrixBytes(l.ffn_up) + MatrixBytes(l.ffn_down);
    if (l.is_moe()) {
      const double per_expert = l.experts_fused
                                    ? static_cast<double>(l.ffn_gate_up_exps.expert_bytes)
                                    : static_cast<double>(l.ffn_gate_exps.expert_bytes + l.ffn_up_exps.expert_bytes);
      b.moe += MatrixBytes(l.ffn_gate_inp) +
               p.n_expert_used * (per_expert + static_cast<double>(l.ffn_down_exps.expert_bytes));
    }
    b.per_layer += MatrixBytes(l.inp_gate) + MatrixBytes(l.proj);
    const int width = p.n_head_kv * p.head_dim;
    double positions = 0;
    for (int s = 0; s < n_gen; ++s) {
      const int seen = depth + s + 1;
      positions += p.kind == AttentionKind::kSliding ? std::min(seen, hp.sliding_window) : seen;
    }
    if (n_gen > 0) b.kv += 2.0 * static_cast<double>(*RowBytes(kv_type, width)) * positions / n_gen;
  }
  b.per_layer += MatrixBytes(w.per_layer_model_proj);
  if (w.per_layer_token_embd.data != nullptr) b.per_layer += static_cast<double>(w.per_layer_token_embd.row_bytes);
  b.lm_head = MatrixBytes(w.output);
  b.embd_row = static_cast<double>(w.token_embd.row_bytes);
  return b;
}

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// One prefill of `prompt` on an empty session; returns seconds.
Result<double> TimePrefill(Session& s, const std::vector<int32_t>& prompt) {
  s.Clear();
  const auto t0 = Clock::now();
  Result<std::span<const float>> r = s.Prefill(prompt);
  if (!r) return r.error();
  return Seconds(t0);
}

// Positions [0, depth) of every layer that owns K/V (the ring's last capacity positions on
// sliding layers) as N(0, 1) rows, the scale of K after its norm and RoPE and of V after its
// weightless norm (spec §d.5), then n_past = depth.
void FillSyntheticContext(KvCache& cache, int depth, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> row;
  for (int il = 0; il < cache.n_layer(); ++il) {
    const int capacity = cache.capacity(il);
    if (capacity == 0) continue;
    row.resize(static_cast<size_t>(cache.width(il)));
    for (int64_t pos = std::max(0, depth - capacity); pos < depth; ++pos) {
      for (float& x : row) x = normal(rng);
      cache.StoreK(il, pos, row.data());
      for (float& x : row) x = normal(rng);
      cache.StoreV(il, pos, row.data());
    }
  }
  cache.set_n_past(depth);
}

// `tokens.size()` single-token forward passes after a synthetic context of `depth` positions
// (untimed); returns seconds.
Result<double> TimeDecodeSynthetic(const Gemma4Model& m, KvCache& cache, int depth, const std::vector<int32_t>& tokens,
                                   ThreadPool& pool, std::mt19937& rng) {
  FillSyntheticContext(cache, depth, rng);
  std::vector<float> logits(static_cast<size_t>(m.n_vocab()));
  const int out_row = 0;
  const auto t0 = Clock::now();
  for (int32_t t : tokens) {
    if (Status st = m.Forward(std::span<const int32_t>(&t, 1), cache, std::span<const int>(&out_row, 1), logits.data(), pool);
        !st.ok()) {
      return st;
    }
  }
  return Seconds(t0);
}

// `tokens.size()` decode steps after `context` (untimed; the session reuses what it still holds
// of it); returns seconds.
Result<double> TimeDecode(Session& s, const std::vector<int32_t>& context, const std::vector<int32_t>& tokens) {
  if (context.empty()) {
    s.Clear();
  } else if (Result<std::span<const float>> r = s.Prefill(context); !r) {
    return r.error();
  }
  const auto t0 = Clock::now();
  for (int32_t t : tokens) {
    Result<std::span<const float>> r = s.Decode(t);
    if (!r) return r.error();
  }
  return Seconds(t0);
}

nlohmann::ordered_json ModelSummary(const Gemma4Model& m) {
  nlohmann::ordered_json j;
  j["file"] = m.file().path();
  if (const GgufValue* name = m.file().Find("general.name"); name && name->type == GgufValueType::kString) {
    j["name"] = std::string(name->str);
  }
  j["variant"] = m.hparams().VariantName();
  j["file_size"] = m.file().file_size();
  int64_t params = 0;
  std::map<std::string, std::pair<uint64_t, uint64_t>> hist;  // type -> (tensors, bytes)
  for (const GgufTensorInfo& t : m.file().tensors()) {
    params += t.n_elements();
    auto& [count, bytes] = hist[std::string(DtypeName(t.type))];
    ++count;
    bytes += t.n_bytes;
  }
  j["n_params"] = params;
  nlohmann::ordered_json types = nlohmann::ordered_json::object();
  for (const auto& [type, cb] : hist) types[type] = {{"tensors", cb.first}, {"bytes", cb.second}};
  j["tensor_types"] = types;
  return j;
}

int Run(const BenchArgs& a) {
  if (a.n_prompt == 0 && a.n_gen == 0) return Fail(InvalidArgument("nothing to run: -p and -n are both 0"));
  Result<GgmlType> kv_type = ResolveKvCacheType(a.kv_cache_type);
  if (!kv_type) return Fail(kv_type.error());
  const bool synthetic = a.depth > 0 && a.depth_fill == "synthetic";
  Result<std::unique_ptr<Gemma4Model>> loaded = Gemma4Model::Load(a.model);
  if (!loaded) return Fail(loaded.error());
  const Gemma4Model& m = **loaded;
  const int n_threads = a.threads > 0 ? a.threads : ThreadPool::DefaultThreadCount();
  ThreadPool pool(n_threads);
  // A synthetic depth lives in its own cache; the session then only holds the prompt and warm-up.
  const int n_ctx = std::max({a.n_prompt, a.depth + a.n_gen, 1});
  Session session(m, synthetic ? std::max({a.n_prompt, a.n_gen, 1}) : n_ctx, pool, KernelMode::kFast, 512, *kv_type);
  std::unique_ptr<KvCache> synthetic_cache = synthetic ? m.NewCache(n_ctx, 512, *kv_type) : nullptr;

  std::mt19937 rng(1234);
  std::uniform_int_distribution<int32_t> pick(0, m.n_vocab() - 1);
  std::vector<int32_t> prompt(static_cast<size_t>(a.n_prompt)), gen(static_cast<size_t>(a.n_gen)),
      context(static_cast<size_t>(a.depth));
  for (int32_t& t : prompt) t = pick(rng);
  for (int32_t& t : gen) t = pick(rng);
  for (int32_t& t : context) t = pick(rng);

  // Warm-up: faults in every mapped weight page and spins up the pool, as llama-bench does.
  {
    const std::vector<int32_t> warm_prompt(prompt.begin(), prompt.begin() + std::min(a.n_prompt, 16));
    if (!warm_prompt.empty()) {
      if (Result<double> r = TimePrefill(session, warm_prompt); !r) return Fail(r.error());
    }
    const std::vector<int32_t> warm_gen(gen.begin(), gen.begin() + std::min(a.n_gen, 2));
    if (!warm_gen.empty()) {
      if (Result<double> r = TimeDecode(session, {}, warm_gen); !r) return Fail(r.error());
    }
  }
  std::vector<double> pp, tg;
  for (int rep = 0; rep < a.reps; ++rep) {
    if (a.n_prompt > 0) {
      Result<double> r = TimePrefill(session, prompt);
      if (!r) return Fail(r.error());
      pp.push_back(a.n_prompt / *r);
    }
    if (a.n_gen > 0) {
      Result<double> r = synthetic ? TimeDecodeSynthetic(m, *synthetic_cache, a.depth, gen, pool, rng)
                                   : TimeDecode(session, context, gen);
      if (!r) return Fail(r.error());
      tg.push_back(a.n_gen / *r);
    }
  }
  const Stats prefill = Summarise(pp), decode = Summarise(tg);

  Result<BandwidthResult> bw = MeasureReadBandwidth(pool, static_cast<size_t>(a.probe_mib) << 20, 5);
  if (!bw) return Fail(bw.error());
  const TokenBytes bytes = BytesPerDecodedToken(m, std::max(a.n_gen, 1), a.depth, *kv_type);
  const double roofline_tps = bw->best_gbs * 1e9 / bytes.Total();
  const double fraction = a.n_gen > 0 ? decode.mean / roofline_tps : 0.0;

  nlohmann::ordered_json j;
  j["model"] = ModelSummary(m);
  j["threads"] = n_threads;
  j["n_prompt"] = a.n_prompt;
  j["n_gen"] = a.n_gen;
  j["reps"] = a.reps;
  j["depth"] = a.depth;
  j["depth_fill"] = a.depth == 0 ? "none" : a.depth_fill;
  j["kv_cache_type"] = DtypeName(*kv_type);
  j["decode_context"] = a.depth == 0 ? "empty cache (positions 0..n-1), like llama-bench tg"
                        : synthetic  ? "after depth synthetic cache rows (random K/V of the real scale; same attention "
                                       "work and bytes as a prefilled context)"
                                     : "after depth cached tokens, like llama-bench -d";
  j["prefill_tps"] = prefill.mean;
  j["prefill_tps_stddev"] = prefill.stddev;
  j["prefill_tps_samples"] = prefill.samples;
  j["decode_tps"] = decode.mean;
  j["decode_tps_stddev"] = decode.stddev;
  j["decode_tps_samples"] = decode.samples;
  j["bytes_per_token"] = bytes.Total();
  j["bytes_per_token_parts"] = {{"attention", bytes.attention}, {"ffn", bytes.ffn},      {"moe", bytes.moe},
                                {"per_layer", bytes.per_layer}, {"lm_head", bytes.lm_head},
                                {"embd_row", bytes.embd_row},   {"kv", bytes.kv}};
  j["bandwidth_gbs"] = bw->best_gbs;
  j["bandwidth_mean_gbs"] = bw->mean_gbs;
  j["bandwidth_buffer_bytes"] = bw->buffer_bytes;
  j["roofline_tps"] = roofline_tps;
  j["roofline_fraction"] = fraction;
  if (a.json) {
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  const nlohmann::ordered_json& ms = j["model"];
  std::printf("model      %s (%s), %.2f GiB, %.2f B params\n", ms["file"].get<std::string>().c_str(),
              ms["variant"].get<std::string>().c_str(), ms["file_size"].get<double>() / (1 << 30),
              ms["n_params"].get<double>() / 1e9);
  std::printf("types     ");
  for (const auto& [type, v] : ms["tensor_types"].items()) {
    std::printf(" %s×%llu", type.c_str(), static_cast<unsigned long long>(v["tensors"].get<uint64_t>()));
  }
  std::printf("\nthreads    %d, reps %d (after one warm-up)\n", n_threads, a.reps);
  if (a.n_prompt > 0) std::printf("pp%-7d  %10.2f ± %.2f tok/s\n", a.n_prompt, prefill.mean, prefill.stddev);
  if (a.n_gen > 0) {
    std::printf("tg%-7d  %10.2f ± %.2f tok/s   (%d tokens cached before%s, %s K/V)\n", a.n_gen, decode.mean,
                decode.stddev, a.depth, synthetic ? ", synthetic" : "", std::string(DtypeName(*kv_type)).c_str());
  }
  std::printf("roofline   %.1f MiB read per decoded token (weights %.1f, KV %.2f) / %.2f GB/s read bandwidth\n",
              bytes.Total() / (1 << 20), bytes.Weights() / (1 << 20), bytes.kv / (1 << 20), bw->best_gbs);
  std::printf("           = %.2f tok/s ceiling", roofline_tps);
  if (a.n_gen > 0) std::printf("; decode reaches %.1f%% of it", 100.0 * fraction);
  std::printf("\n");
  return 0;
}

}  // namespace

RunFn AddBenchCommand(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure prefill and decode speed (random tokens) and the decode roofline");
  cmd->add_option("--model,-m", a->model, "GGUF model file")->required();
  cmd->add_option("-p,--n-prompt", a->n_prompt, "Prompt tokens to prefill (0: skip)")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  cmd->add_option("-n,--n-gen", a->n_gen, "Tokens to decode one at a time (0: skip)")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  cmd->add_option("-d,--depth", a->depth, "Tokens in the cache before the decode test (untimed)")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--depth-fill", a->depth_fill,
                  "How the depth is filled: prefill (real tokens), or synthetic (random K/V rows of the real scale: "
                  "the same attention work and memory traffic, without the prefill's minutes)")
      ->check(CLI::IsMember({"prefill", "synthetic"}))
      ->capture_default_str();
  AddKvCacheTypeOption(cmd, a->kv_cache_type);
  cmd->add_option("--threads,-t", a->threads, "Threads (default: physical cores)")->check(CLI::NonNegativeNumber);
  cmd->add_option("-r,--reps", a->reps, "Timed repetitions of each test")->check(CLI::Range(1, 1000))->capture_default_str();
  cmd->add_option("--probe-mib", a->probe_mib, "Buffer for the read-bandwidth probe, MiB")
      ->check(CLI::Range(1, 1 << 16))
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "Print one JSON object");
  return [a] { return Run(*a); };
}

}  // namespace hearth::cli
