#!/usr/bin/env node
// llama.cpp's side of bench/serve_parallel.mjs: aggregate decode throughput with 1, 4, 8 ...
// concurrent sequences in one context through node-llama-cpp (tests/reference/node_modules), which
// batches the pending steps of all sequences into one llama_decode, as llama-server does. Each
// sequence evaluates the same raw prompt as serve_parallel.mjs and then greedily generates a fixed
// number of tokens; reported is total generated tokens / wall time of the slowest stream
// (prefill included, as on the hearth side).
// Usage: node bench/llama_parallel.mjs MODEL.gguf [TOKENS=32] [STREAMS=1,4,8] [THREADS=2]
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NLC_DIR = process.env.NODE_LLAMA_CPP_DIR || path.join(HERE, '..', 'tests', 'reference', 'node_modules');
const [modelPath, tokensArg = '32', streamsArg = '1,4,8', threadsArg = '2'] = process.argv.slice(2);
if (!modelPath) {
  console.error('usage: node bench/llama_parallel.mjs MODEL.gguf [TOKENS] [STREAMS] [THREADS]');
  process.exit(2);
}
const tokens = Number(tokensArg);
const streamCounts = streamsArg.split(',').map(Number);
const lib = await import(pathToFileURL(path.join(NLC_DIR, 'node-llama-cpp', 'dist', 'index.js')).href);
const llama = await lib.getLlama({ gpu: false, build: 'never', usePrebuiltBinaries: true, progressLogs: false,
                                   logLevel: lib.LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: path.resolve(modelPath), gpuLayers: 0, useMmap: true });

// One stream: its prompt, then `tokens` greedy steps; resolves with the count generated.
async function stream(sequence, i) {
  const prompt = model.tokenize(`Stream ${i}: write a long story about a lighthouse.`, true);
  let n = 0;
  for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
    if (model.isEogToken?.(token)) break;
    if (++n >= tokens) break;
  }
  return n;
}

for (const s of streamCounts) {
  const context = await model.createContext({
    contextSize: 512 * s, sequences: s, batchSize: 512, threads: Number(threadsArg), flashAttention: false,
    experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32', ignoreMemorySafetyChecks: true,
  });
  const sequences = Array.from({ length: s }, () => context.getSequence());
  const start = performance.now();
  const counts = await Promise.all(sequences.map((seq, i) => stream(seq, i)));
  const seconds = (performance.now() - start) / 1000;
  const total = counts.reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({ streams: s, tokens: total, seconds: Number(seconds.toFixed(3)),
                               aggregate_tps: Number((total / seconds).toFixed(2)),
                               per_stream_tps: Number((total / s / seconds).toFixed(2)) }));
  await context.dispose();
}
