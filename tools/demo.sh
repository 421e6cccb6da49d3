#!/usr/bin/env bash
# `make demo`: makes a small random-weight Gemma 4 model with the real Gemma 4 tokenizer and
# chats with it through `hearth run`, printing the speed. The weights are random, so the text
# is gibberish: this shows the whole path (GGUF -> tokenizer -> chat template -> forward pass ->
# sampling -> streaming), not a real model. See README.md for running a real Gemma 4 GGUF.
set -euo pipefail
HEARTH=${1:-build/hearth}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${HEARTH_DEMO_DIR:-$ROOT/build/demo}
MODEL=$CACHE/gemma4-demo-e-tiny-q8_0.gguf
mkdir -p "$CACHE"
if [ ! -s "$MODEL" ]; then
  "$HEARTH" make-test-model --preset e-tiny --type q8_0 --seed 7 --ctx 4096 \
    --vocab "$ROOT/tests/testdata/ggml-vocab-gemma-4.gguf" --out "$MODEL"
fi
echo
echo "== hearth run (random weights: expect gibberish, look at the speed) =="
"$HEARTH" run "$MODEL" "Why is the sky blue? Answer in one sentence." \
  --num-predict 48 --temperature 0.8 --seed 42 --verbose
