#!/usr/bin/env python3
"""Independent numpy (float64) forward pass of a Gemma 4 GGUF, written from docs/spec (gemma4-text-model.md (d)).

  numpy_gemma4.py --model M.gguf --tokens 2,818,... --out OUT.f32 [--cache BUILD_DIR]

For the tiny test models only (everything is dequantized into memory with gguf-py). Writes raw f32
[n_tokens, n_vocab] like llama_ref.mjs and prints {"n_tokens","n_vocab","rows"}. A third opinion next to
llama.cpp and hearth: if llama.cpp and this script agree on a preset, the preset exercises the spec as written
(KV donors by the HF rule, K=V, PLE, MoE routing, proportional RoPE, SWA window).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gguf_py import import_gguf  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cache", default=None)
    ap.add_argument("--ggml-gelu", action="store_true",
                    help="emulate ggml-cpu's GELU: input rounded to f16, f16 table of the float32 tanh-GELU, |x|>=10 passthrough")
    args = ap.parse_args()
    gguf = import_gguf(args.cache)
    r = gguf.GGUFReader(args.model)
    kv = {k: f.contents() for k, f in r.fields.items() if not k.startswith("tokenizer.")}
    A = kv["general.architecture"]
    g = lambda k, d=None: kv.get(f"{A}.{k}", d)  # noqa: E731

    W = {}
    for t in r.tensors:
        qt = gguf.GGMLQuantizationType(t.tensor_type)
        shape = tuple(reversed([int(x) for x in t.shape]))
        if qt == gguf.GGMLQuantizationType.F32:
            a = np.asarray(t.data, dtype=np.float32)
        elif qt == gguf.GGMLQuantizationType.F16:
            a = np.asarray(t.data).astype(np.float32)
        else:
            a = gguf.quants.dequantize(np.asarray(t.data), qt)
        W[t.name] = a.reshape(shape).astype(np.float64)

    toks = [int(x) for x in args.tokens.replace(" ", ",").split(",") if x]
    N, L, E = len(toks), g("block_count"), g("embedding_length")
    per = lambda v: list(v) if isinstance(v, list) else [v] * L  # noqa: E731
    Hq, Hkv, FF = per(g("attention.head_count")), per(g("attention.head_count_kv", g("attention.head_count"))), per(g("feed_forward_length"))
    swa = [bool(x) for x in g("attention.sliding_window_pattern")] + [False] * L
    hd_full, hd_swa = g("attention.key_length"), g("attention.key_length_swa")
    nrot_full, nrot_swa = g("rope.dimension_count", hd_full), g("rope.dimension_count_swa", hd_swa)
    base_full, base_swa = g("rope.freq_base", 10000.0), g("rope.freq_base_swa", 10000.0)
    win, eps = g("attention.sliding_window"), g("attention.layer_norm_rms_epsilon")
    shared, P = g("attention.shared_kv_layers", 0), g("embedding_length_per_layer_input", 0)
    cap = g("final_logit_softcapping", 30.0)
    X, K = g("expert_count", 0), g("expert_used_count", 0)
    F = L - shared

    def rms(x, w=None):
        y = x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
        return y * w if w is not None else y

    def gelu_exact(x):
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))

    def gelu(x):
        if not args.ggml_gelu:
            return gelu_exact(x)
        # ggml-cpu's table entry: the tanh-GELU of the f16 input evaluated in float32 (tanhf), stored as f16;
        # 366 of the 63488 finite entries differ from a float64 evaluation rounded to f16.
        x16 = x.astype(np.float32).astype(np.float16).astype(np.float32)
        f = np.float32
        with np.errstate(over="ignore", invalid="ignore"):
            y = f(0.5) * x16 * (f(1) + np.tanh(f(0.7978845608028654) * x16 * (f(1) + f(0.044715) * x16 * x16)))
        y = y.astype(np.float16).astype(np.float64)
        x32 = x.astype(np.float32)
        return np.where(x32 <= -10.0, 0.0, np.where(x32 >= 10.0, x32.astype(np.float64), y))

    pos = np.arange(N, dtype=np.float64)

    def rope(x, is_swa):  # x [N, H, d], NEOX pairs (i, i + n/2)
        n = nrot_swa if is_swa else nrot_full
        base = base_swa if is_swa else base_full
        ff = np.ones(n // 2) if is_swa else W["rope_freqs.weight"][: n // 2]
        inv = base ** (-2.0 * np.arange(n // 2) / n) / ff
        th = pos[:, None] * inv[None, :]
        c, s = np.cos(th)[:, None, :], np.sin(th)[:, None, :]
        x = x.copy()
        a, b = x[..., : n // 2].copy(), x[..., n // 2: n].copy()
        x[..., : n // 2], x[..., n // 2: n] = a * c - b * s, a * s + b * c
        return x

    emb = W["token_embd.weight"]
    h = emb[toks] * np.float64(np.float32(math.sqrt(E)))
    if P:
        T = W["per_layer_token_embd.weight"][toks].reshape(N, L, P) * math.sqrt(P)
        C = (h @ W["per_layer_model_proj.weight"].T / math.sqrt(E)).reshape(N, L, P)
        ple = (rms(C, W["per_layer_proj_norm.weight"]) + T) / math.sqrt(2.0)
    qi, ki = np.arange(N)[:, None], np.arange(N)[None, :]
    cache = {}
    for l in range(L):
        b = f"blk.{l}."
        w = lambda n: W[b + n]  # noqa: E731
        hd = hd_swa if swa[l] else hd_full
        a = rms(h, w("attn_norm.weight"))
        q = rope(rms((a @ w("attn_q.weight").T).reshape(N, Hq[l], hd), w("attn_q_norm.weight")), swa[l])
        if l < F:
            kr = (a @ w("attn_k.weight").T).reshape(N, Hkv[l], hd)
            vr = (a @ w("attn_v.weight").T).reshape(N, Hkv[l], hd) if b + "attn_v.weight" in W else kr
            cache[l] = (rope(rms(kr, w("attn_k_norm.weight")), swa[l]), rms(vr))
            k, v = cache[l]
        else:  # HF rule: last non-shared layer of the same type
            donor = max(j for j in range(F) if swa[j] == swa[l])
            k, v = cache[donor]
        grp = Hq[l] // k.shape[1]
        mask = ki <= qi
        if swa[l]:
            mask &= (qi - ki) < win
        o = np.empty((N, Hq[l], hd))
        for hh in range(Hq[l]):
            s = q[:, hh, :] @ k[:, hh // grp, :].T
            s = np.where(mask, s, -np.inf)
            p = np.exp(s - s.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            o[:, hh, :] = p @ v[:, hh // grp, :]
        h = h + rms(o.reshape(N, -1) @ w("attn_output.weight").T, w("post_attention_norm.weight"))
        r_ = h
        m = rms(r_, w("ffn_norm.weight"))
        d = (gelu(m @ w("ffn_gate.weight").T) * (m @ w("ffn_up.weight").T)) @ w("ffn_down.weight").T
        if b + "ffn_gate_inp.weight" in W:
            d = rms(d, w("post_ffw_norm_1.weight"))
            z = rms(r_) / math.sqrt(E) * w("ffn_gate_inp.scale")
            lg = z @ w("ffn_gate_inp.weight").T
            pr = np.exp(lg - lg.max(1, keepdims=True)); pr /= pr.sum(1, keepdims=True)
            m2 = rms(r_, w("pre_ffw_norm_2.weight"))
            if b + "ffn_gate_up_exps.weight" in W:
                gu = w("ffn_gate_up_exps.weight"); Fx = gu.shape[1] // 2
                G, U = gu[:, :Fx, :], gu[:, Fx:, :]
            else:
                G, U = w("ffn_gate_exps.weight"), w("ffn_up_exps.weight")
            D = w("ffn_down_exps.weight")
            sc = W.get(b + "ffn_down_exps.scale", np.ones(X))
            moe = np.zeros_like(r_)
            for t in range(N):
                sel = np.argsort(-pr[t], kind="stable")[:K]
                wt = pr[t, sel] / max(pr[t, sel].sum(), 6.103515625e-5)
                for e, we in zip(sel, wt):
                    y = D[e] @ (gelu(G[e] @ m2[t]) * (U[e] @ m2[t]))
                    moe[t] += we * sc[e] * y
            d = d + rms(moe, w("post_ffw_norm_2.weight"))
        h = r_ + rms(d, w("post_ffw_norm.weight"))
        if P:
            u = (gelu(h @ w("inp_gate.weight").T) * ple[:, l, :]) @ w("proj.weight").T
            h = h + rms(u, w("post_norm.weight"))
        if b + "layer_output_scale.weight" in W:
            h = h * w("layer_output_scale.weight")[0]
    y = rms(h, W["output_norm.weight"])
    logits = y @ W.get("output.weight", emb).T
    logits = cap * np.tanh(logits / cap)
    logits.astype("<f4").tofile(args.out)
    print(json.dumps({"n_tokens": N, "n_vocab": int(logits.shape[1]), "rows": N}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
