#!/usr/bin/env python3
"""Write a tiny random-weight Gemma 4 GGUF (general.architecture = gemma4) with llama.cpp's gguf-py.

A development cross-check for hearth's own `hearth make-test-model`: the file is written by an independent
tool (gguf-py's GGUFWriter), loads in llama.cpp (node-llama-cpp 3.22.1) and produces finite, non-degenerate
logits. The tokenizer (tokenizer.ggml.*, tokenizer.chat_template) is copied from the real vocab-only file
tests/testdata/ggml-vocab-gemma-4.gguf, so n_vocab = 262144 and real token ids can be used.

  make_tiny_gemma4.py --preset e-tiny|moe-tiny|dense-tiny --out F.gguf [--type f32|f16|bf16|q8_0|q4_0|q4_1|q5_0|q5_1]
                      [--seed 1] [--window 16] [--vocab tests/testdata/ggml-vocab-gemma-4.gguf]
                      [--split-experts] [--no-layer-scale] [--shared-kv-tensors] [--cache DIR]

Presets (see tests/reference/README.md for the exact layout):
  e-tiny     10 layers, pattern 4 SWA : 1 FULL, Per-Layer Embeddings (P=16), last 5 layers KV-shared
             (donors: SWA -> 3, FULL -> 4), per-layer feed_forward_length array (64 / 128 "double wide"),
             one KV head everywhere.
  moe-tiny   6 layers, 5 SWA : 1 FULL, 8 experts top-2 (expert width 32) + shared dense FFN (64),
             K=V on the FULL layer (no attn_v there), head_count_kv array [2,2,2,2,2,1].
  dense-tiny 8 layers, 5 SWA : 1 FULL (layer 5), K=V on FULL, head_count_kv array (2 SWA / 1 FULL).
All: E=64, 4 query heads, head dim 32 (SWA) / 64 (FULL), rope_freqs for proportional RoPE (fraction 0.25 ->
the first 8 of 32 frequency pairs rotate), sliding_window 16, context_length 512, softcap 30.
--type quantizes every 2-D/3-D weight matrix whose row length fits the block size (others stay F32);
norms, rope_freqs and the *.scale / layer_output_scale tensors are always F32.
Prints one JSON line describing the model.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gguf_py import REPO, import_gguf  # noqa: E402

PRESETS = {
    "e-tiny": dict(n_layer=10, period=5, n_embd=64, n_head=4, hd_swa=32, hd_full=64,
                   kv_swa=1, kv_full=1, ff=[64] * 5 + [128] * 5, ple=16, shared_kv=5,
                   k_eq_v_full=False, n_expert=0),
    "moe-tiny": dict(n_layer=6, period=6, n_embd=64, n_head=4, hd_swa=32, hd_full=64,
                     kv_swa=2, kv_full=1, ff=64, ple=0, shared_kv=0,
                     k_eq_v_full=True, n_expert=8, n_expert_used=2, ff_exp=32),
    "dense-tiny": dict(n_layer=8, period=6, n_embd=64, n_head=4, hd_swa=32, hd_full=64,
                       kv_swa=2, kv_full=1, ff=128, ple=0, shared_kv=0,
                       k_eq_v_full=True, n_expert=0),
}

QTYPES = {  # --type -> (GGMLQuantizationType name, LlamaFileType name)
    "f32": ("F32", "ALL_F32"), "f16": ("F16", "MOSTLY_F16"), "bf16": ("BF16", "MOSTLY_BF16"),
    "q8_0": ("Q8_0", "MOSTLY_Q8_0"), "q4_0": ("Q4_0", "MOSTLY_Q4_0"), "q4_1": ("Q4_1", "MOSTLY_Q4_1"),
    "q5_0": ("Q5_0", "MOSTLY_Q5_0"), "q5_1": ("Q5_1", "MOSTLY_Q5_1"),
}

ROPE_FULL_FRACTION = 0.25
ROUTER_GAIN = 8.0  # router logit std ~ gain: decisive top-k, few quantization-induced routing flips


def layer_types(p):
    # True = SWA. Period 5 -> 4 SWA + 1 FULL; period 6 -> 5 SWA + 1 FULL.
    return [(i % p["period"]) != p["period"] - 1 for i in range(p["n_layer"])]


def build(p, seed, window, split_experts=False, layer_scale=True, shared_kv_tensors=False):
    """Returns (metadata list [(key, value, vtype, subtype)], tensors list [(name, np.float32 array in numpy order)])."""
    rng = np.random.default_rng(seed)
    L, E, H = p["n_layer"], p["n_embd"], p["n_head"]
    swa = layer_types(p)
    ff = p["ff"] if isinstance(p["ff"], list) else [p["ff"]] * L
    kv = [p["kv_swa"] if s else p["kv_full"] for s in swa]
    F = L - p["shared_kv"]

    def lin(n_out, n_in, gain=1.0):  # ggml ne = [n_in, n_out] -> numpy (n_out, n_in)
        return (rng.standard_normal((n_out, n_in)) * (gain / math.sqrt(n_in))).astype(np.float32)

    def norm(n, mean=1.0, sd=0.2):
        return (mean + sd * rng.standard_normal(n)).astype(np.float32)

    T = []
    V = 262144
    T.append(("token_embd.weight", (rng.standard_normal((V, E)) / math.sqrt(E)).astype(np.float32)))
    if p["ple"]:
        P = p["ple"]
        T.append(("per_layer_token_embd.weight", (rng.standard_normal((V, P * L)) / math.sqrt(P)).astype(np.float32)))
        T.append(("per_layer_model_proj.weight", lin(P * L, E)))
        T.append(("per_layer_proj_norm.weight", norm(P)))
    T.append(("output_norm.weight", norm(E, mean=3.0, sd=0.5)))
    # proportional RoPE for FULL layers: first floor(frac * hd_full / 2) pairs rotate (factor 1), the rest get 1e30
    n_pairs = p["hd_full"] // 2
    n_rot_pairs = int(ROPE_FULL_FRACTION * p["hd_full"] / 2)
    rope_freqs = np.full(n_pairs, 1e30, dtype=np.float32)
    rope_freqs[:n_rot_pairs] = 1.0
    T.append(("rope_freqs.weight", rope_freqs))

    for i in range(L):
        hd = p["hd_swa"] if swa[i] else p["hd_full"]
        b = f"blk.{i}."
        own_kv = i < F
        T.append((b + "attn_norm.weight", norm(E)))
        T.append((b + "attn_q.weight", lin(H * hd, E)))
        if own_kv or shared_kv_tensors:
            T.append((b + "attn_k.weight", lin(kv[i] * hd, E)))
            if not (p["k_eq_v_full"] and not swa[i]):
                T.append((b + "attn_v.weight", lin(kv[i] * hd, E)))
            T.append((b + "attn_k_norm.weight", norm(hd, mean=0.55, sd=0.1)))
        T.append((b + "attn_q_norm.weight", norm(hd, mean=0.55, sd=0.1)))
        T.append((b + "attn_output.weight", lin(E, H * hd)))
        T.append((b + "post_attention_norm.weight", norm(E)))
        T.append((b + "ffn_norm.weight", norm(E)))
        T.append((b + "ffn_gate.weight", lin(ff[i], E)))
        T.append((b + "ffn_up.weight", lin(ff[i], E)))
        T.append((b + "ffn_down.weight", lin(E, ff[i])))
        T.append((b + "post_ffw_norm.weight", norm(E)))
        if layer_scale:
            T.append((b + "layer_output_scale.weight", rng.uniform(0.7, 1.0, 1).astype(np.float32)))
        if p["n_expert"]:
            X, Fx = p["n_expert"], p["ff_exp"]
            T.append((b + "ffn_gate_inp.weight", lin(X, E, gain=ROUTER_GAIN * math.sqrt(E))))
            T.append((b + "ffn_gate_inp.scale", norm(E)))
            T.append((b + "pre_ffw_norm_2.weight", norm(E)))
            T.append((b + "post_ffw_norm_1.weight", norm(E)))
            T.append((b + "post_ffw_norm_2.weight", norm(E)))
            gate = np.stack([lin(Fx, E) for _ in range(X)])  # (X, Fx, E) = ne [E, Fx, X]
            up = np.stack([lin(Fx, E) for _ in range(X)])
            if split_experts:
                T.append((b + "ffn_gate_exps.weight", gate))
                T.append((b + "ffn_up_exps.weight", up))
            else:  # per expert: gate rows first, then up rows -> ne [E, 2*Fx, X]
                T.append((b + "ffn_gate_up_exps.weight", np.concatenate([gate, up], axis=1)))
            T.append((b + "ffn_down_exps.weight", np.stack([lin(E, Fx) for _ in range(X)])))
            T.append((b + "ffn_down_exps.scale", rng.uniform(0.5, 1.5, X).astype(np.float32)))
        if p["ple"]:
            P = p["ple"]
            T.append((b + "inp_gate.weight", lin(P, E)))
            T.append((b + "proj.weight", lin(E, P)))
            T.append((b + "post_norm.weight", norm(E)))

    return swa, ff, kv, T


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", required=True, choices=sorted(PRESETS))
    ap.add_argument("--out", required=True)
    ap.add_argument("--type", default="f32", choices=sorted(QTYPES))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--window", type=int, default=16)
    ap.add_argument("--context", type=int, default=512)
    ap.add_argument("--vocab", default=str(REPO / "tests" / "testdata" / "ggml-vocab-gemma-4.gguf"))
    ap.add_argument("--split-experts", action="store_true", help="ffn_gate_exps + ffn_up_exps instead of ffn_gate_up_exps")
    ap.add_argument("--no-layer-scale", action="store_true", help="omit layer_output_scale.weight")
    ap.add_argument("--shared-kv-tensors", action="store_true", help="also write (unused) attn_k/attn_v/attn_k_norm on KV-shared layers")
    ap.add_argument("--drop", action="append", default=[], help="(experiments) omit tensors whose name matches this regex")
    ap.add_argument("--drop-key", action="append", default=[], help="(experiments) omit this metadata key")
    ap.add_argument("--cache", default=None, help="build dir for the gguf-py checkout (default $HEARTH_REF_CACHE or build/reference-cache)")
    args = ap.parse_args()

    gguf = import_gguf(args.cache)
    VT = gguf.GGUFValueType
    p = PRESETS[args.preset]
    swa, ff, kv, tensors = build(p, args.seed, args.window, args.split_experts, not args.no_layer_scale,
                                 args.shared_kv_tensors)
    L = p["n_layer"]
    import re
    tensors = [(n, a) for n, a in tensors if not any(re.search(d, n) for d in args.drop)]

    w = gguf.GGUFWriter(args.out, "gemma4")
    arch = "gemma4"
    w.add_string("general.name", f"hearth-{args.preset}-pyref-seed{args.seed}")
    w.add_uint32(f"{arch}.block_count", L)
    w.add_uint32(f"{arch}.context_length", args.context)
    w.add_uint32(f"{arch}.embedding_length", p["n_embd"])
    if isinstance(p["ff"], list):
        w.add_key_value(f"{arch}.feed_forward_length", [int(x) for x in ff], VT.ARRAY, VT.INT32)
    else:
        w.add_uint32(f"{arch}.feed_forward_length", p["ff"])
    w.add_uint32(f"{arch}.attention.head_count", p["n_head"])
    if p["kv_swa"] == p["kv_full"]:
        w.add_uint32(f"{arch}.attention.head_count_kv", p["kv_swa"])
    else:
        w.add_key_value(f"{arch}.attention.head_count_kv", [int(x) for x in kv], VT.ARRAY, VT.INT32)
    w.add_uint32(f"{arch}.attention.key_length", p["hd_full"])
    w.add_uint32(f"{arch}.attention.value_length", p["hd_full"])
    w.add_uint32(f"{arch}.attention.key_length_swa", p["hd_swa"])
    w.add_uint32(f"{arch}.attention.value_length_swa", p["hd_swa"])
    w.add_float32(f"{arch}.rope.freq_base", 1000000.0)
    w.add_float32(f"{arch}.rope.freq_base_swa", 10000.0)
    w.add_uint32(f"{arch}.rope.dimension_count", p["hd_full"])
    w.add_uint32(f"{arch}.rope.dimension_count_swa", p["hd_swa"])
    w.add_float32(f"{arch}.attention.layer_norm_rms_epsilon", 1e-6)
    w.add_uint32(f"{arch}.attention.sliding_window", args.window)
    w.add_key_value(f"{arch}.attention.sliding_window_pattern", [bool(s) for s in swa], VT.ARRAY, VT.BOOL)
    w.add_uint32(f"{arch}.attention.shared_kv_layers", p["shared_kv"])
    w.add_uint32(f"{arch}.embedding_length_per_layer_input", p["ple"])
    w.add_float32(f"{arch}.final_logit_softcapping", 30.0)
    if p["n_expert"]:
        w.add_uint32(f"{arch}.expert_count", p["n_expert"])
        w.add_uint32(f"{arch}.expert_used_count", p["n_expert_used"])
        w.add_uint32(f"{arch}.expert_feed_forward_length", p["ff_exp"])
    qname, ftname = QTYPES[args.type]
    w.add_uint32("general.file_type", int(getattr(gguf.LlamaFileType, ftname)))
    w.add_uint32("general.quantization_version", gguf.GGML_QUANT_VERSION)

    # tokenizer: copy every tokenizer.* key with its exact GGUF type
    r = gguf.GGUFReader(args.vocab)
    n_tok_keys = 0
    for key, f in r.fields.items():
        if not key.startswith("tokenizer."):
            continue
        main = VT(f.types[0])
        if main == VT.ARRAY:
            w.add_key_value(key, f.contents(), VT.ARRAY, VT(f.types[-1]))
        else:
            w.add_key_value(key, f.contents(), main)
        n_tok_keys += 1

    qtype = getattr(gguf.GGMLQuantizationType, qname)
    block = gguf.GGML_QUANT_SIZES[qtype][0]
    n_quant = 0
    for name, a in tensors:
        quantizable = (a.ndim >= 2 and name.endswith(".weight") and "norm" not in name
                       and a.shape[-1] % block == 0)
        if qname == "F32" or not quantizable:
            w.add_tensor(name, a)
        elif qname == "F16":
            w.add_tensor(name, a.astype(np.float16)); n_quant += 1
        else:
            w.add_tensor(name, gguf.quants.quantize(a, qtype), raw_dtype=qtype); n_quant += 1

    for k in args.drop_key:
        w.remove_key(k)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(json.dumps({"out": args.out, "preset": args.preset, "type": args.type, "seed": args.seed,
                      "n_layer": L, "swa": [int(s) for s in swa], "n_tensors": len(tensors),
                      "n_quantized": n_quant, "tokenizer_keys": n_tok_keys}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
