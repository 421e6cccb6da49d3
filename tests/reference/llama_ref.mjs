#!/usr/bin/env node
// hearth reference oracle: llama.cpp through the npm package node-llama-cpp (pinned 3.22.1, installed in
// tests/reference/node_modules by `make deps`), prebuilt CPU backend, no GPU.
//
//   node llama_ref.mjs logits   --model M.gguf --tokens 2,818,5279 --out OUT.f32
//                               [--positions all|last|0,3,7] [--threads 2] [--kv-type f32|f16]
//                               [--flash-attn off|on] [--ctx N] [--batch N] [--swa-full]
//   node llama_ref.mjs tokenize --model M.gguf (--text T | --text-file F) [--special]
//   node llama_ref.mjs tokenize-batch --model M.gguf --cases CASES.json     ([{text, special}, ...])
//   node llama_ref.mjs greedy   --model M.gguf --tokens 2,818,... --n 64 [--threads 2] [--full-rows]
//   node llama_ref.mjs info     --model M.gguf
//
// logits: raw little-endian float32, row-major [rows, n_vocab] (rows = requested positions, in order), the
//   exact llama_get_logits_ith() values (final softcap included). Defaults: KV cache F32, flash attention off,
//   the whole sequence is ONE batch in a fresh context (ctx >= 256, batch = n_tokens; --batch N splits it, which
//   makes ggml pick other matmul kernels: a measure of llama.cpp's own rounding noise). Prints ONE JSON line
//   {"n_tokens","n_vocab","rows",...} on stdout and writes the same header (with more detail) to OUT.json.
// tokenize: prints {"ids":[...]}; no BOS is added (the text is tokenized as-is); --special parses special
//   tokens such as <bos>, <|turn> in the text. tokenize-batch loads the vocab once and prints a JSON array of
//   id arrays (one per case, same order).
// greedy: raw token prompt (no chat template, no BOS added), temperature 0 (argmax), no penalties, no
//   grammar. Generation does NOT stop at end-of-generation tokens: each sampled token (EOG or not) is fed back
//   and generation continues until --n tokens. Prints {"tokens":[...],"margins":[...],"eog_positions":[...]}
//   where margins[i] = top1 - top2 logit of step i (small margins mean the argmax may legitimately differ).
// --tokens accepts a comma/space separated list, a JSON array, or @file holding either.
// Environment: NODE_LLAMA_CPP_DIR = the node_modules folder holding node-llama-cpp
//   (default: tests/reference/node_modules next to this script).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NLC_DIR = process.env.NODE_LLAMA_CPP_DIR || path.join(HERE, "node_modules");

function parseArgs(argv) {
    const [mode, ...rest] = argv;
    const opts = { _mode: mode };
    for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
        const key = a.slice(2);
        const next = rest[i + 1];
        if (next === undefined || (next.startsWith("--") && key !== "text")) opts[key] = true;
        else { opts[key] = next; i++; }
    }
    return opts;
}

function usage(msg) {
    if (msg) console.error(`error: ${msg}`);
    console.error(fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n")
        .filter(l => l.startsWith("//")).map(l => l.slice(3)).join("\n"));
    process.exit(2);
}

function readTokens(spec) {
    let text = String(spec);
    if (text.startsWith("@")) text = fs.readFileSync(text.slice(1), "utf8");
    text = text.trim();
    const ids = text.startsWith("[") ? JSON.parse(text) : text.split(/[\s,]+/).filter(Boolean).map(Number);
    if (!ids.length || ids.some(t => !Number.isInteger(t) || t < 0)) throw new Error("bad --tokens");
    return ids;
}

async function openModel(opts, { vocabOnly = false } = {}) {
    if (!opts.model) usage("--model is required");
    const entry = path.join(NLC_DIR, "node-llama-cpp", "dist", "index.js");
    if (!fs.existsSync(entry)) throw new Error(`node-llama-cpp not found at ${entry} (run make deps or set NODE_LLAMA_CPP_DIR)`);
    const lib = await import(pathToFileURL(entry).href);
    const version = JSON.parse(fs.readFileSync(path.join(NLC_DIR, "node-llama-cpp", "package.json"), "utf8")).version;
    const logs = [];
    const llama = await lib.getLlama({
        gpu: false, build: "never", usePrebuiltBinaries: true, progressLogs: false,
        logLevel: opts.verbose ? lib.LlamaLogLevel.debug : lib.LlamaLogLevel.info,
        logger: (level, message) => {
            logs.push(message);
            if (opts.verbose || level === "error" || level === "fatal") process.stderr.write(message);
        },
    });
    let model;
    try {
        model = await llama.loadModel({ modelPath: path.resolve(opts.model), gpuLayers: 0, vocabOnly, useMmap: true });
    } catch (e) {
        // surface llama.cpp's own reason (e.g. "missing tensor ...", "key not found ...")
        const why = logs.filter(l => /error|failed|missing|wrong|not found|exception/i.test(l)).slice(-6).join("\n");
        throw new Error(`${e?.message || e}\n--- llama.cpp log ---\n${why}`);
    }
    let cpuBackend = null;
    try {
        const maps = fs.readFileSync("/proc/self/maps", "utf8");
        cpuBackend = [...new Set(maps.match(/\S*libggml-cpu[^\s]*\.so/g) || [])].map(p => path.basename(p)).join(",") || null;
    } catch { /* not Linux */ }
    const nVocab = model.fileInfo?.metadata?.tokenizer?.ggml?.tokens?.length ?? null;
    return { lib, version, llama, model, logs, cpuBackend, nVocab };
}

function contextOptions(opts, nTokens) {
    const kv = String(opts["kv-type"] ?? "f32").toUpperCase();
    if (!["F32", "F16"].includes(kv)) usage("--kv-type must be f32 or f16");
    const fa = String(opts["flash-attn"] ?? "off");
    if (!["on", "off"].includes(fa)) usage("--flash-attn must be on or off");
    return {
        contextSize: Number(opts.ctx ?? Math.max(256, nTokens)),
        batchSize: Number(opts.batch ?? Math.max(nTokens, 1)),
        threads: Number(opts.threads ?? 2),
        sequences: 1,
        flashAttention: fa === "on",
        experimentalKvCacheKeyType: kv,
        experimentalKvCacheValueType: kv,
        swaFullCache: Boolean(opts["swa-full"]),
        ignoreMemorySafetyChecks: true,
    };
}

function mapToRow(m, nVocab, what) {
    if (!m) throw new Error(`no logits returned for ${what}`);
    if (m.size !== nVocab) throw new Error(`${what}: got ${m.size} logits, expected ${nVocab}`);
    const row = new Float32Array(nVocab);
    for (const [tok, v] of m) row[tok] = v;
    return row;
}

function top2(row) {
    let a = -Infinity, b = -Infinity, ia = -1;
    for (let i = 0; i < row.length; i++) {
        const v = row[i];
        if (v > a) { b = a; a = v; ia = i; } else if (v > b) b = v;
    }
    return { top1: ia, margin: a - b };
}

async function cmdLogits(opts) {
    if (!opts.tokens) usage("--tokens is required");
    if (!opts.out || opts.out === true) usage("--out is required");
    const tokens = readTokens(opts.tokens);
    const posSpec = String(opts.positions ?? "all");
    const positions = posSpec === "all" ? tokens.map((_, i) => i)
        : posSpec === "last" ? [tokens.length - 1]
        : posSpec.split(",").map(Number);
    if (positions.some(p => !Number.isInteger(p) || p < 0 || p >= tokens.length)) usage("bad --positions");
    const { version, model, cpuBackend, nVocab } = await openModel(opts);
    const bad = tokens.filter(t => t >= nVocab);
    if (bad.length) throw new Error(`token ids out of range for n_vocab=${nVocab}: ${bad.slice(0, 5)}`);
    const ctxOpts = contextOptions(opts, tokens.length);
    const context = await model.createContext(ctxOpts);
    const seq = context.getSequence();
    const want = new Set(positions);
    const input = tokens.map((t, i) => want.has(i) ? [t, { generateNext: { logits: true } }] : t);
    const t0 = performance.now();
    const res = await seq.controlledEvaluate(input);
    const ms = performance.now() - t0;
    const data = new Float32Array(positions.length * nVocab);
    const top1 = [], margins = [];
    let nonFinite = 0;
    positions.forEach((p, r) => {
        const row = mapToRow(res[p]?.next?.logits, nVocab, `position ${p}`);
        for (let i = 0; i < nVocab; i++) if (!Number.isFinite(row[i])) nonFinite++;
        const t = top2(row);
        top1.push(t.top1); margins.push(+t.margin.toFixed(5));
        data.set(row, r * nVocab);
    });
    fs.writeFileSync(opts.out, Buffer.from(data.buffer));
    const header = {
        n_tokens: tokens.length, n_vocab: nVocab, rows: positions.length,
        format: "raw-f32le", layout: "row-major [row][token]", positions: posSpec === "all" ? "all" : positions,
        non_finite: nonFinite, top1, top1_margin_min: Math.min(...margins),
        reference: { package: "node-llama-cpp", version, cpu_backend: cpuBackend },
        settings: { kv_type: ctxOpts.experimentalKvCacheKeyType, flash_attention: ctxOpts.flashAttention,
                    ctx: ctxOpts.contextSize, batch: ctxOpts.batchSize, threads: ctxOpts.threads,
                    swa_full: ctxOpts.swaFullCache },
        eval_ms: Math.round(ms),
    };
    fs.writeFileSync(opts.out + ".json", JSON.stringify({ ...header, tokens, top1_margins: margins }, null, 1));
    console.log(JSON.stringify(header));
    await context.dispose(); await model.dispose();
}

function readText(opts) {
    if (opts["text-file"]) return fs.readFileSync(opts["text-file"], "utf8");
    if (opts.text === undefined) usage("--text or --text-file is required");
    return opts.text === true ? "" : String(opts.text);
}

async function cmdTokenize(opts) {
    const text = readText(opts);
    const { model } = await openModel(opts, { vocabOnly: true });
    const ids = model.tokenize(text, Boolean(opts.special));
    console.log(JSON.stringify({ ids: Array.from(ids) }));
    await model.dispose();
}

async function cmdTokenizeBatch(opts) {
    if (!opts.cases) usage("--cases is required");
    const cases = JSON.parse(fs.readFileSync(opts.cases, "utf8"));
    if (!Array.isArray(cases)) throw new Error("--cases must hold a JSON array of {text, special}");
    const { model } = await openModel(opts, { vocabOnly: true });
    const out = cases.map((c, i) => {
        const text = typeof c === "string" ? c : c?.text;
        if (typeof text !== "string") throw new Error(`case ${i}: missing text`);
        return Array.from(model.tokenize(text, Boolean(c?.special)));
    });
    console.log(JSON.stringify(out));
    await model.dispose();
}

async function cmdGreedy(opts) {
    if (!opts.tokens) usage("--tokens is required");
    const prompt = readTokens(opts.tokens);
    const n = Number(opts.n ?? 64);
    if (!Number.isInteger(n) || n < 1) usage("bad --n");
    const { model, nVocab, version, cpuBackend } = await openModel(opts);
    const ctxOpts = contextOptions(opts, prompt.length + n);
    ctxOpts.batchSize = Number(opts.batch ?? Math.max(prompt.length, 1));
    const context = await model.createContext(ctxOpts);
    const seq = context.getSequence();
    // argmax of the raw logits (temperature 0, no penalties, no bias, no grammar), computed here from the top
    // logits llama.cpp returns (independent of the sampler chain); exact ties -> lowest id. --full-rows reads the
    // whole 262144-entry row each step (slower, same result).
    const full = Boolean(opts["full-rows"]);
    const gen = { generateNext: { logits: full ? true : { filter: { tokens: [], includeTop: 2 } } } };
    const out = [], margins = [], eog = [];
    let input = prompt.map((t, i) => i === prompt.length - 1 ? [t, gen] : t);
    for (let step = 0; step < n; step++) {
        const res = await seq.controlledEvaluate(input);
        const m = res[input.length - 1]?.next?.logits;
        let top1, margin;
        if (full) ({ top1, margin } = top2(mapToRow(m, nVocab, `step ${step}`)));
        else {
            if (!m || m.size < 2) throw new Error(`step ${step}: no top logits returned`);
            const e = [...m.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]);
            top1 = e[0][0]; margin = e[0][1] - e[1][1];
        }
        out.push(top1); margins.push(+margin.toFixed(5));
        if (model.isEogToken(top1)) eog.push(step);
        input = [[top1, gen]];
    }
    console.log(JSON.stringify({ tokens: out, margins, eog_positions: eog, n_prompt: prompt.length,
                                 reference: { package: "node-llama-cpp", version, cpu_backend: cpuBackend,
                                              kv_type: ctxOpts.experimentalKvCacheKeyType,
                                              flash_attention: ctxOpts.flashAttention } }));
    await context.dispose(); await model.dispose();
}

async function cmdInfo(opts) {
    const { model, version, cpuBackend, logs, nVocab } = await openModel(opts, { vocabOnly: Boolean(opts["vocab-only"]) });
    console.log(JSON.stringify({
        nlc_version: version, cpu_backend: cpuBackend, n_vocab: nVocab,
        bos: model.tokens.bos, eos: model.tokens.eos, train_ctx: model.trainContextSize,
        size_bytes: model.size, description: model.typeDescription,
        hparams: logs.join("\n").split("\n").filter(l => /print_info: (n_|f_|freq|causal|swa|rope|is_swa|model type|file type)/.test(l)),
    }, null, 1));
    await model.dispose();
}

const opts = parseArgs(process.argv.slice(2));
const cmds = { logits: cmdLogits, tokenize: cmdTokenize, "tokenize-batch": cmdTokenizeBatch, greedy: cmdGreedy, info: cmdInfo };
if (!cmds[opts._mode]) usage(opts._mode ? `unknown mode ${opts._mode}` : "mode required");
try {
    await cmds[opts._mode](opts);
    process.exit(0);
} catch (e) {
    console.error(`error: ${e?.stack || e}`);
    process.exit(1);
}
