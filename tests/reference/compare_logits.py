#!/usr/bin/env python3
"""Compare two raw little-endian float32 logits files of shape [rows, n_vocab].

  compare_logits.py A.f32 B.f32 [--n-vocab 262144] [--max-rel-l2 X] [--min-top1 F] [--label NAME]

B is the reference: per row, rel_l2 = ||a - b|| / ||b||; also max |a - b|, top-1 agreement (argmax, ties ->
lowest id) and, for rows whose top-1 differs, the reference's top1-top2 margin (a flip on a near-tie is
expected for lossy kernels). n_vocab defaults to 262144 (Gemma 4), or is taken from B.f32.json / A.f32.json
("n_vocab") when present.

Prints one JSON object. Exit status: 0 ok, 1 a threshold was exceeded (or non-finite values), 2 bad input.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np


def n_vocab_of(*paths):
    for p in paths:
        try:
            with open(p + ".json") as f:
                v = json.load(f).get("n_vocab")
            if v:
                return int(v)
        except (OSError, ValueError):
            pass
    return None


def load(path, n_vocab):
    a = np.fromfile(path, dtype="<f4")
    if a.size == 0 or a.size % n_vocab:
        raise ValueError(f"{path}: {a.size} floats is not a multiple of n_vocab={n_vocab}")
    return a.reshape(-1, n_vocab)


def compare(a, b):
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch {a.shape} vs {b.shape}")
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    d = a64 - b64
    rel = np.linalg.norm(d, axis=1) / np.maximum(np.linalg.norm(b64, axis=1), 1e-30)
    t1a, t1b = a.argmax(1), b.argmax(1)
    srt = np.sort(b, axis=1)
    margin = srt[:, -1] - srt[:, -2]
    mism = np.nonzero(t1a != t1b)[0]
    return {
        "rows": int(a.shape[0]), "n_vocab": int(a.shape[1]),
        "finite": bool(np.isfinite(a).all() and np.isfinite(b).all()),
        "rel_l2_max": float(rel.max()), "rel_l2_mean": float(rel.mean()),
        "rel_l2_worst_row": int(rel.argmax()),
        "rel_l2_rows": [float(f"{x:.3e}") for x in rel],
        "max_abs_diff": float(np.abs(d).max()),
        "top1_agreement": float((t1a == t1b).mean()),
        "top1_mismatch_rows": mism.tolist(),
        "top1_mismatch_ref_margins": [float(margin[i]) for i in mism],
        "ref_logit_std_mean": float(b.std(axis=1).mean()),
        "ref_top1_margin_min": float(margin.min()),
        "identical": bool(np.array_equal(a, b)),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", help="logits under test")
    ap.add_argument("b", help="reference logits")
    ap.add_argument("--n-vocab", type=int, default=None)
    ap.add_argument("--max-rel-l2", type=float, default=None, help="fail if any row's rel L2 exceeds this")
    ap.add_argument("--min-top1", type=float, default=None, help="fail if top-1 agreement (fraction) is below this")
    ap.add_argument("--label", default=None)
    args = ap.parse_args()
    try:
        nv = args.n_vocab or n_vocab_of(args.b, args.a) or 262144
        res = compare(load(args.a, nv), load(args.b, nv))
    except (OSError, ValueError) as e:
        print(json.dumps({"error": str(e)}))
        return 2
    fails = []
    if not res["finite"]:
        fails.append("non-finite logits")
    if args.max_rel_l2 is not None and res["rel_l2_max"] > args.max_rel_l2:
        fails.append(f"rel_l2 {res['rel_l2_max']:.3e} (row {res['rel_l2_worst_row']}) > {args.max_rel_l2:g}")
    if args.min_top1 is not None and res["top1_agreement"] < args.min_top1:
        fails.append(f"top1 agreement {res['top1_agreement']:.3f} < {args.min_top1:g}")
    out = {"label": args.label, "a": os.path.basename(args.a), "b": os.path.basename(args.b),
           "ok": not fails, "failures": fails, **res}
    if out["label"] is None:
        del out["label"]
    print(json.dumps(out))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
