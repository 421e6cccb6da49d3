#!/usr/bin/env node
// Batch tokenizer oracle: llama.cpp (through node-llama-cpp) tokenizes many texts in one process.
//
//   node tokenize_corpus.mjs --model VOCAB.gguf --in CASES.json [--out IDS.json] [--bench]
//
// CASES.json: JSON array of {"text": string, "special": bool}; "text_b64" (base64 of the UTF-8
// bytes) may replace "text". Output: JSON array of id arrays, one per case, in order (no BOS).
// --bench adds a line on stderr with llama.cpp's encode rate over the whole corpus.
// Environment: NODE_LLAMA_CPP_DIR = folder holding node-llama-cpp (default: the node_modules
// folder beside this script).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const nlcDir = process.env.NODE_LLAMA_CPP_DIR || path.join(here, "node_modules");

function fail(msg) {
    process.stderr.write(`tokenize_corpus: ${msg}\n`);
    process.exit(2);
}

const args = {};
for (let i = 2; i < process.argv.length; i++) {
    const a = process.argv[i];
    if (!a.startsWith("--")) fail(`unexpected argument ${a}`);
    const next = process.argv[i + 1];
    if (next === undefined || next.startsWith("--")) args[a.slice(2)] = true;
    else { args[a.slice(2)] = next; i++; }
}
if (!args.model || !args.in) fail("usage: --model VOCAB.gguf --in CASES.json [--out IDS.json] [--bench]");

const entry = path.join(nlcDir, "node-llama-cpp", "dist", "index.js");
if (!fs.existsSync(entry)) fail(`node-llama-cpp not found at ${entry} (run npm ci in tests/reference)`);
const lib = await import(pathToFileURL(entry).href);

const cases = JSON.parse(fs.readFileSync(args.in, "utf8"));
const texts = cases.map(c => c.text_b64 !== undefined
    ? Buffer.from(c.text_b64, "base64").toString("utf8") : c.text);

const llama = await lib.getLlama({
    gpu: false, build: "never", usePrebuiltBinaries: true, progressLogs: false,
    logLevel: lib.LlamaLogLevel.error,
    // A vocab-only load logs a harmless "missing tensor 'token_embd.weight'" error; show llama.cpp
    // logs only when asked.
    logger: (level, message) => { if (process.env.TOKENIZE_CORPUS_VERBOSE) process.stderr.write(message); },
});
const model = await llama.loadModel({ modelPath: path.resolve(args.model), gpuLayers: 0, vocabOnly: true });

const t0 = process.hrtime.bigint();
const out = cases.map((c, i) => Array.from(model.tokenize(texts[i], Boolean(c.special))));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
if (args.bench) {
    const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, "utf8"), 0);
    process.stderr.write(`tokenize_corpus: ${bytes} bytes in ${seconds.toFixed(3)} s = ` +
        `${(bytes / seconds / 1e6).toFixed(2)} MB/s\n`);
}
const json = JSON.stringify(out);
if (args.out) fs.writeFileSync(args.out, json);
else process.stdout.write(json + "\n");
await model.dispose();
