#!/usr/bin/env bash
# Checks the memory model (src/hw/memory_estimate.h) against reality: runs `hearth run` on a
# model (a short one-shot prompt, tokenizer and chat template included), takes its peak resident
# set (VmHWM, via /usr/bin/time -v), and compares it with `hearth recommend --model ... --json`'s
# estimate at the same context. Exits 1 when estimate / measured is above 1.10 or below MIN_RATIO
# (0.90; a sanitizer build sets 0, its shadow memory is not hearth's).
#   bench/memory_check.sh [MODEL.gguf]   (default ~/.cache/hearth-bench/e2b-q4_k_m.gguf)
#   HEARTH=build/hearth  CTX=4096  N=8  (tokens to generate)
set -euo pipefail
MODEL=${1:-$HOME/.cache/hearth-bench/e2b-q4_k_m.gguf}
HEARTH=${HEARTH:-build/hearth}
CTX=${CTX:-4096}
N=${N:-8}
PYTHON=${PYTHON:-python3}
[[ -f "$MODEL" ]] || { echo "memory_check: no model at $MODEL" >&2; exit 2; }
[[ -x "$HEARTH" ]] || { echo "memory_check: no hearth binary at $HEARTH (set HEARTH=)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "memory_check: needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s.%N)
/usr/bin/time -v "$HEARTH" run "$MODEL" "Write a short poem about the sea." --ctx "$CTX" --num-predict "$N" \
  --temperature 0 >/dev/null 2>"$tmp/time.txt" || { cat "$tmp/time.txt" >&2; exit 1; }
end=$(date +%s.%N)
"$HEARTH" recommend --model "$MODEL" --ctx "$CTX" --json >"$tmp/estimate.json"

"$PYTHON" - "$tmp/time.txt" "$tmp/estimate.json" "$start" "$end" "${MIN_RATIO:-0.90}" <<'PY'
import json, re, sys
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[1]).read()).group(1)) * 1024
est = json.load(open(sys.argv[2]))["model"]
mib = lambda b: b / 2**20
print(f"model        {est['file']}  context {est['n_ctx']}  ({float(sys.argv[4]) - float(sys.argv[3]):.1f} s)")
print(f"measured     peak RSS {mib(rss):.1f} MiB")
print(f"estimated    {mib(est['total_bytes']):.1f} MiB = weights {mib(est['weights_bytes']):.1f} + KV {mib(est['kv_bytes']):.1f}"
      f" + compute {mib(est['compute_bytes']):.1f} + overhead {mib(est['overhead_bytes']):.1f}"
      f"  (+ {mib(est['paged_bytes']):.1f} paged on demand, not counted)")
ratio = est["total_bytes"] / rss
print(f"estimate / measured = {ratio:.3f}")
low = float(sys.argv[5])
sys.exit(0 if low <= ratio <= 1.10 else 1)
PY
