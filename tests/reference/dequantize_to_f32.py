#!/usr/bin/env python3
"""Dequantize every tensor of a GGUF to F32 with llama.cpp's gguf-py, keeping all metadata.

  dequantize_to_f32.py IN.gguf OUT.gguf [--cache BUILD_DIR]

Reads IN with gguf-py's GGUFReader, dequantizes each tensor with gguf-py's numpy `quants.dequantize` (an
implementation independent of both ggml's C kernels and hearth), and writes OUT with GGUFWriter: every
metadata key is copied with its exact GGUF type (tokenizer arrays, chat template, per-layer arrays, ...)
except general.file_type, which is set to 0 (ALL_F32); tensor order, names and shapes are preserved.
gguf-py comes from the llama.cpp bundle inside node-llama-cpp (see gguf_py.py); --cache / $HEARTH_REF_CACHE
is the build directory the checkout is cached in (default build/reference-cache).
Prints one JSON line: {"out", "n_tensors", "types": {type: count}, "n_kv"}.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gguf_py import import_gguf  # noqa: E402

SKIP_KEYS = {"GGUF.version", "GGUF.tensor_count", "GGUF.kv_count", "general.architecture", "general.file_type"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--cache", default=None)
    args = ap.parse_args()

    gguf = import_gguf(args.cache)
    VT = gguf.GGUFValueType
    r = gguf.GGUFReader(args.input)
    arch = r.fields["general.architecture"].contents()
    w = gguf.GGUFWriter(args.output, arch)
    align = r.fields.get("general.alignment")
    n_kv = 0
    for key, f in r.fields.items():
        if key in SKIP_KEYS:
            continue
        main_t = VT(f.types[0])
        if main_t == VT.ARRAY:
            if len(f.types) > 2:
                raise SystemExit(f"{key}: nested arrays are not supported")
            sub = VT(f.types[-1])
            w.add_key_value(key, f.contents(), VT.ARRAY, sub)
        else:
            w.add_key_value(key, f.contents(), main_t)
        n_kv += 1
    if align is not None:
        w.data_alignment = int(align.contents())
    w.add_uint32("general.file_type", int(gguf.LlamaFileType.ALL_F32))

    types = Counter()
    for t in r.tensors:
        qt = gguf.GGMLQuantizationType(t.tensor_type)
        types[qt.name] += 1
        ne = [int(x) for x in t.shape]              # ggml order: ne[0] fastest
        np_shape = tuple(reversed(ne))
        if qt == gguf.GGMLQuantizationType.F32:
            data = np.asarray(t.data, dtype=np.float32)
        elif qt in (gguf.GGMLQuantizationType.F16, gguf.GGMLQuantizationType.F64):
            data = np.asarray(t.data).astype(np.float32)
        else:  # BF16 and block-quantized types: t.data is raw bytes [rows, bytes_per_row]
            data = gguf.quants.dequantize(np.asarray(t.data), qt).astype(np.float32)
        data = data.reshape(np_shape)
        if not np.isfinite(data).all():
            raise SystemExit(f"{t.name}: non-finite values after dequantization")
        w.add_tensor(t.name, np.ascontiguousarray(data))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(json.dumps({"out": args.output, "n_tensors": len(r.tensors), "types": dict(types), "n_kv": n_kv}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
