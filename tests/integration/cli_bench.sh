#!/usr/bin/env bash
# `hearth bench --json` on a tiny model: the object has the fields bench/compare reads, speeds are
# positive, the roofline is consistent with them, and the bytes read per decoded token lie between
# the output head alone and the whole file plus KV (a bound that catches a miscounted layer).
#   tests/integration/cli_bench.sh HEARTH WORKDIR PYTHON
set -euo pipefail
HEARTH=$1 WORK=$2 PYTHON=${3:-python3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VOCAB=$ROOT/tests/testdata/ggml-vocab-gemma-4.gguf
mkdir -p "$WORK"
MODEL=$WORK/bench-e-tiny.gguf
"$HEARTH" make-test-model --preset e-tiny --type q8_0 --ctx 128 --vocab "$VOCAB" --out "$MODEL" >/dev/null
timeout 300 "$HEARTH" bench --model "$MODEL" -p 16 -n 8 -r 2 -t 2 --probe-mib 64 --json > "$WORK/bench.json"
# Decode after 100 cached tokens (past the 16-token window of the sliding layers).
timeout 300 "$HEARTH" bench --model "$MODEL" -p 0 -n 4 -d 100 -r 1 -t 2 --probe-mib 16 --json > "$WORK/bench-depth.json"
"$PYTHON" - "$WORK/bench.json" "$MODEL" "$WORK/bench-depth.json" <<'PY'
import json, os, sys
j = json.load(open(sys.argv[1]))
deep = json.load(open(sys.argv[3]))
size = os.path.getsize(sys.argv[2])
def check(cond, what):
    if not cond:
        sys.exit(f"FAIL {what}: {json.dumps(j)[:600]}")
    print(f"ok   {what}")
for k in ("prefill_tps", "decode_tps", "roofline_tps", "bandwidth_gbs", "bytes_per_token"):
    check(isinstance(j.get(k), (int, float)) and j[k] > 0, f"{k} > 0")
check(j["threads"] == 2, "threads echoed")
check(len(j["prefill_tps_samples"]) == 2 and len(j["decode_tps_samples"]) == 2, "one sample per rep")
check(abs(j["roofline_tps"] - j["bandwidth_gbs"] * 1e9 / j["bytes_per_token"]) < 1e-6 * j["roofline_tps"],
      "roofline = bandwidth / bytes per token")
parts = j["bytes_per_token_parts"]
check(abs(sum(parts.values()) - j["bytes_per_token"]) < 1e-6 * j["bytes_per_token"], "parts sum to the total")
check(parts["lm_head"] > 0 and parts["per_layer"] > 0 and parts["kv"] > 0, "head, PLE and KV all counted")
check(parts["lm_head"] < j["bytes_per_token"] <= size + parts["kv"], "head < bytes per token <= file + KV")
check(j["model"]["variant"] != "" and j["model"]["n_params"] > 0, "model summary")
check(deep["depth"] == 100 and deep["decode_tps"] > 0 and deep["prefill_tps"] == 0, "depth run decodes, no prefill test")
# Full layers read every cached position, sliding layers at most the 16-token window. Mean
# positions read per step: 102.5 at depth 100 (n 4) vs 4.5 from empty (n 8), so if no layer were
# capped the ratio would be 22.8; with the sliding layers capped it must stay well below that.
ratio = deep["bytes_per_token_parts"]["kv"] / parts["kv"]
check(1.5 < ratio < 0.75 * 102.5 / 4.5, f"KV bytes grow with depth but sliding layers stay capped (x{ratio:.2f})")
PY
