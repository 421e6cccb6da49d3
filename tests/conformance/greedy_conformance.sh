#!/usr/bin/env bash
# Greedy generation of `hearth run --raw --temperature 0` against llama.cpp's greedy decoding
# (tests/reference/llama_ref.mjs greedy) on the same F32 random-weight model and raw prompt.
#   tests/conformance/greedy_conformance.sh HEARTH PRESET WORKDIR
# Passes when the generated ids are identical up to 64 tokens or hearth's first end-of-generation
# token. A divergence is accepted only where llama.cpp's own top-1/top-2 margin at that step is
# below MARGIN (default 2e-3): there the two engines' f32 rounding may legitimately flip the
# argmax; the number of agreeing tokens is reported either way.
set -euo pipefail
HEARTH=$1 PRESET=$2 WORK=$3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REF=$(cd "$HERE/../reference" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
NODE=${NODE:-node}
VOCAB=${HEARTH_VOCAB:-$HERE/../testdata/ggml-vocab-gemma-4.gguf}
MARGIN=${MARGIN:-2e-3}
N=64
mkdir -p "$WORK"
MODEL=$WORK/model-$PRESET-f32.gguf
PROMPT="The quick brown fox jumps over the lazy dog. Once upon a time, in a small village by the river,"
"$HEARTH" make-test-model --preset "$PRESET" --type f32 --seed 5 --window 16 --vocab "$VOCAB" --out "$MODEL" >/dev/null
ids=$("$HEARTH" tokenize --special --model "$MODEL" "$PROMPT" | tr ' ' ',')
"$HEARTH" run "$MODEL" --raw --json --temperature 0 --num-predict $N --threads 2 "$PROMPT" >"$WORK/hearth.json"
"$NODE" "$REF/llama_ref.mjs" greedy --model "$MODEL" --tokens "2,$ids" --n $N --threads 2 >"$WORK/llama.json" 2>"$WORK/llama.err" \
  || { cat "$WORK/llama.err" >&2; exit 2; }
rm -f "$MODEL"
"$PYTHON" - "$WORK/hearth.json" "$WORK/llama.json" "$MARGIN" "$PRESET" <<'PY'
import json, sys
h = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
r = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
margin, preset = float(sys.argv[3]), sys.argv[4]
hid, rid, margins = h["ids"], r["tokens"], r["margins"]
same = 0
while same < len(hid) and same < len(rid) and hid[same] == rid[same]:
    same += 1
print(f"greedy [{preset}]: {same}/{len(hid)} tokens identical (hearth stopped: {h['done_reason']}); "
      f"llama.cpp smallest margin {min(margins):.2e}")
if same == len(hid):
    sys.exit(0)
m = margins[same]
print(f"  first difference at step {same}: hearth {hid[same]} llama.cpp {rid[same]}, llama.cpp margin {m:.3e}")
sys.exit(0 if m < margin else 1)
PY
