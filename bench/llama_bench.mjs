#!/usr/bin/env node
// llama.cpp side of bench/compare, through node-llama-cpp (tests/reference/node_modules), used when
// tests/reference/llama_ref.mjs has no `bench` mode. Same protocol as `hearth bench`:
//   pp: one prompt of --pp random token ids on an empty sequence (batch = min(pp, 512)), timed until
//       the first sampled token (llama.cpp computes the last row's logits, like hearth);
//   tg: --tg single-token steps on an empty sequence (random ids, like hearth bench), each step sampled natively.
// One warm-up of each, then --reps timed runs. KV cache f32 and flash attention off (hearth's layout).
//   --depth D: the decode test starts after D cached tokens (untimed), like llama-bench -d.
//   node bench/llama_bench.mjs --model M.gguf --pp 128 --tg 32 --reps 3 --threads 2 [--depth 4096]
// Prints one JSON line {prefill_tps, prefill_tps_stddev, decode_tps, decode_tps_stddev, ...}.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NLC_DIR = process.env.NODE_LLAMA_CPP_DIR || path.join(HERE, "..", "tests", "reference", "node_modules");

function parseArgs(argv) {
    const o = {};
    for (let i = 0; i < argv.length; i += 2) {
        if (!argv[i].startsWith("--") || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
        o[argv[i].slice(2)] = argv[i + 1];
    }
    return o;
}

function stats(xs) {
    if (!xs.length) return { mean: 0, sd: 0 };
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
    return { mean, sd };
}

// Park-Miller, so both sides can be reproduced without sharing a generator.
function rng(seed) { let s = seed % 2147483647; return () => (s = (s * 48271) % 2147483647); }

const o = parseArgs(process.argv.slice(2));
if (!o.model) throw new Error("--model is required");
const pp = Number(o.pp ?? 512), tg = Number(o.tg ?? 128), reps = Number(o.reps ?? 3), threads = Number(o.threads ?? 2);
const depth = Number(o.depth ?? 0);
const entry = path.join(NLC_DIR, "node-llama-cpp", "dist", "index.js");
const lib = await import(pathToFileURL(entry).href);
const version = JSON.parse(fs.readFileSync(path.join(NLC_DIR, "node-llama-cpp", "package.json"), "utf8")).version;
const llama = await lib.getLlama({ gpu: false, build: "never", usePrebuiltBinaries: true, progressLogs: false,
                                   logLevel: lib.LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: path.resolve(o.model), gpuLayers: 0, useMmap: true });
const nVocab = model.fileInfo?.metadata?.tokenizer?.ggml?.tokens?.length ?? 262144;
const context = await model.createContext({
    contextSize: Math.max(256, pp, depth + tg) + 16, batchSize: Math.max(1, Math.min(pp, 512)), threads, sequences: 1,
    flashAttention: false, experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
    ignoreMemorySafetyChecks: true,
});
const seq = context.getSequence();
const next = rng(1234);
const pick = () => next() % nVocab;
const prompt = Array.from({ length: pp }, pick);
const gen = Array.from({ length: tg }, pick);
const cachedTokens = Array.from({ length: depth }, pick);
const sampling = { temperature: 0 };

async function runPrefill(tokens) {
    await seq.clearHistory();
    const t0 = performance.now();
    const it = seq.evaluate(tokens, sampling);
    await it.next();
    const s = (performance.now() - t0) / 1000;
    await it.return();
    return s;
}

// Each step evaluates one token and samples the next natively (greedy), as a chat decode does:
// the output head runs every step, and no logits are copied into JavaScript.
async function runDecode(tokens, cached = []) {
    await seq.clearHistory();
    if (cached.length) await seq.evaluateWithoutGeneratingNewTokens(cached);
    const t0 = performance.now();
    for (const t of tokens) await seq.controlledEvaluate([[t, { generateNext: { token: true } }]]);
    return (performance.now() - t0) / 1000;
}

if (pp > 0) await runPrefill(prompt.slice(0, Math.min(pp, 16)));
if (tg > 0) await runDecode(gen.slice(0, Math.min(tg, 2)));
const ppS = [], tgS = [];
for (let r = 0; r < reps; r++) {
    if (pp > 0) ppS.push(pp / await runPrefill(prompt));
    if (tg > 0) tgS.push(tg / await runDecode(gen, cachedTokens));
}
const a = stats(ppS), b = stats(tgS);
console.log(JSON.stringify({
    engine: "llama.cpp", package: "node-llama-cpp", version, threads, n_prompt: pp, n_gen: tg, depth, reps,
    prefill_tps: a.mean, prefill_tps_stddev: a.sd, prefill_tps_samples: ppS,
    decode_tps: b.mean, decode_tps_stddev: b.sd, decode_tps_samples: tgS,
    model_size: model.size, model_type: model.typeDescription,
}));
await context.dispose(); await model.dispose();
process.exit(0);
