#!/usr/bin/env bash
# Long-context decode (issue 7): decode tok/s after DEPTHS tokens of context for each K/V cache
# type, ROUNDS rounds with the configurations alternating inside each round, so drifting load on
# a shared machine hits every configuration alike. The depth is filled synthetically
# (`hearth bench --depth-fill synthetic`: random K/V rows of the real scale, the same attention
# work and bytes as a prefilled context, without a 16K-token prefill's ~10 minutes).
#   bench/kv_depth.sh [MODEL.gguf]   (default ~/.cache/hearth-bench/e2b-q4_k_m.gguf)
#   HEARTH=build/hearth  DEPTHS="512 16384"  TYPES="f32 f16 q8_0"  ROUNDS=2  N=16  THREADS=2
# Prints one line per run and a summary: per (type, depth) the samples, and decode at the
# deepest depth as a fraction of the shallowest.
set -euo pipefail
MODEL=${1:-$HOME/.cache/hearth-bench/e2b-q4_k_m.gguf}
HEARTH=${HEARTH:-build/hearth}
DEPTHS=${DEPTHS:-512 16384}
TYPES=${TYPES:-f32 f16 q8_0}
ROUNDS=${ROUNDS:-2}
N=${N:-16}
THREADS=${THREADS:-2}
PYTHON=${PYTHON:-python3}
[[ -f "$MODEL" ]] || { echo "kv_depth: no model at $MODEL" >&2; exit 2; }
[[ -x "$HEARTH" ]] || { echo "kv_depth: no hearth binary at $HEARTH (set HEARTH=)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for round in $(seq "$ROUNDS"); do
  for depth in $DEPTHS; do
    for type in $TYPES; do
      "$HEARTH" bench -m "$MODEL" -p 0 -n "$N" -d "$depth" --depth-fill synthetic --kv-cache-type "$type" \
        -r 1 -t "$THREADS" --probe-mib 256 --json >"$tmp/$round-$depth-$type.json"
      echo "round $round depth $depth $type: $("$PYTHON" -c 'import json,sys; print("%.2f tok/s" % json.load(open(sys.argv[1]))["decode_tps"])' "$tmp/$round-$depth-$type.json") (load $(cut -d' ' -f1 /proc/loadavg))"
    done
  done
done

"$PYTHON" - "$tmp" "$DEPTHS" "$TYPES" <<'PY'
import glob, json, os, sys
tmp, depths, types = sys.argv[1], [int(d) for d in sys.argv[2].split()], sys.argv[3].split()
runs = {}
for f in glob.glob(os.path.join(tmp, "*.json")):
    j = json.load(open(f))
    runs.setdefault((j["kv_cache_type"], j["depth"]), []).append(j["decode_tps"])
print("| K/V type | " + " | ".join(f"depth {d} tok/s" for d in depths) + f" | {depths[-1]} / {depths[0]} |")
print("|---|" + "---:|" * (len(depths) + 1))
for t in types:
    means = [sum(runs[(t, d)]) / len(runs[(t, d)]) for d in depths]
    cells = [", ".join(f"{x:.2f}" for x in sorted(runs[(t, d)])) for d in depths]
    print(f"| {t} | " + " | ".join(cells) + f" | {means[-1] / means[0]:.2f} |")
PY
