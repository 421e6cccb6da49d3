#!/usr/bin/env bash
# `hearth recommend`: a described machine (--hardware) gets the variant the issue's table names,
# bad descriptions get a one-line error, detection on this machine yields a plan, and the memory
# estimate of a tiny model with the real vocab is within 10% of the peak RSS of `hearth run`
# (bench/memory_check.sh).
#   tests/integration/cli_recommend.sh HEARTH WORKDIR PYTHON
set -euo pipefail
HEARTH=$1 WORK=$2 PYTHON=${3:-python3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$WORK"

cat > "$WORK/pi5.json" <<'J'
{"label": "Raspberry Pi 5 8 GB", "cpu": {"model": "Cortex-A76", "features": ["NEON"], "physical_cores": 4},
 "ram": {"total_mib": 8064, "available_mib": 7400}, "memory_bandwidth_gbs": 10}
J
cat > "$WORK/two4090.json" <<'J'
{"label": "2x RTX 4090", "ram": {"total_mib": 131072, "available_mib": 120000}, "memory_bandwidth_gbs": 150,
 "gpus": [{"name": "RTX 4090", "memory_total_mib": 24564, "memory_free_mib": 24000},
          {"name": "RTX 4090", "memory_total_mib": 24564, "memory_free_mib": 24000}]}
J
"$HEARTH" recommend --hardware "$WORK/pi5.json" --json > "$WORK/pi5.out.json"
"$HEARTH" recommend --hardware "$WORK/two4090.json" --json > "$WORK/two4090.out.json"
"$HEARTH" recommend --hardware "$WORK/pi5.json" --ctx 8192 --json > "$WORK/pi5-8k.out.json"
"$HEARTH" recommend --json > "$WORK/detected.out.json"
"$HEARTH" recommend --hardware "$WORK/pi5.json" | grep -q "recommended: E2B"

echo '{"ram": ' > "$WORK/broken.json"
echo '{"cpu": {}}' > "$WORK/noram.json"
for f in broken noram missing; do
  if "$HEARTH" recommend --hardware "$WORK/$f.json" > /dev/null 2> "$WORK/$f.err"; then
    echo "FAIL recommend accepted $f.json"; exit 1
  fi
done
grep -q "not valid JSON" "$WORK/broken.err"
grep -q "ram is required" "$WORK/noram.err"
grep -q "cannot open" "$WORK/missing.err"
[[ $(wc -l < "$WORK/broken.err") -eq 1 ]]

# Detection through nvidia-smi: a stand-in on PATH reports one GPU; one that hangs is killed
# after the timeout and the machine counts as GPU-less.
mkdir -p "$WORK/smi-ok" "$WORK/smi-hang"
printf '#!/bin/sh\necho "NVIDIA GeForce RTX 4090, 24564, 24000"\n' > "$WORK/smi-ok/nvidia-smi"
printf '#!/bin/sh\nsleep 60\n' > "$WORK/smi-hang/nvidia-smi"
chmod +x "$WORK/smi-ok/nvidia-smi" "$WORK/smi-hang/nvidia-smi"
PATH="$WORK/smi-ok:$PATH" "$HEARTH" recommend --json > "$WORK/smi-ok.out.json"
start=$(date +%s)
PATH="$WORK/smi-hang:$PATH" timeout 30 "$HEARTH" recommend --json > "$WORK/smi-hang.out.json"
[[ $(( $(date +%s) - start )) -lt 20 ]] || { echo "FAIL a hanging nvidia-smi held recommend"; exit 1; }

"$PYTHON" - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
def load(name): return json.load(open(f"{w}/{name}.out.json"))
def check(cond, what):
    if not cond: sys.exit(f"FAIL {what}")
    print(f"ok   {what}")
pi, big, pi8, det = load("pi5"), load("two4090"), load("pi5-8k"), load("detected")
check(pi["recommendation"]["target"] == "cpu" and pi["recommendation"]["pick"]["variant"] == "E2B", "Pi 5 -> E2B on the CPU")
check(len(pi["recommendation"]["candidates"]) == 24, "4 variants x 6 quants costed")
check(big["recommendation"]["target"] == "gpu" and big["recommendation"]["pick"]["variant"] == "31B", "2x4090 -> 31B")
check("cpu_today" in big, "GPU machines also get hearth's CPU plan")
check(pi8["recommendation"]["pick"]["n_ctx"] == 8192, "--ctx fixes the context")
p = pi["recommendation"]["pick"]
check(p["total_bytes"] == p["weights_bytes"] + p["kv_bytes"] + p["compute_bytes"] + p["overhead_bytes"], "total = parts")
ok, hang = load("smi-ok"), load("smi-hang")
check(ok["hardware"]["gpus"] == [{"name": "NVIDIA GeForce RTX 4090", "memory_total_mib": 24564, "memory_free_mib": 24000}],
      "nvidia-smi output parsed")
check(ok["recommendation"]["target"] == "gpu", "a detected GPU gets the GPU plan")
check(hang["hardware"]["gpus"] == [] and hang["recommendation"]["target"] == "cpu", "hanging nvidia-smi: no GPUs")
check(det["hardware"]["ram"]["total_mib"] > 0 and det["hardware"]["cpu"]["physical_cores"] >= 1, "detected RAM and cores")
PY

MODEL=$WORK/recommend-e-tiny.gguf
"$HEARTH" make-test-model --preset e-tiny --type q8_0 --vocab "$ROOT/tests/testdata/ggml-vocab-gemma-4.gguf" --out "$MODEL" > /dev/null
# Under ASan (HEARTH_SANITIZED) the process also holds shadow memory and a quarantine of freed
# blocks that hearth's memory model rightly does not count: only the upper bound applies there.
MIN_RATIO=0.90
[ -n "${HEARTH_SANITIZED:-}" ] && MIN_RATIO=0
CTX=512 HEARTH=$HEARTH PYTHON=$PYTHON MIN_RATIO=$MIN_RATIO "$ROOT/bench/memory_check.sh" "$MODEL"
