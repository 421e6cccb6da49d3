#!/usr/bin/env bash
# Bad input to the hearth CLI: each case must end with a one-line "hearth: ..." error (or CLI11's
# usage error) and a non-zero exit, never a crash or a hang.
#   tests/integration/cli_errors.sh HEARTH WORKDIR
set -uo pipefail
HEARTH=$1 WORK=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VOCAB=$ROOT/tests/testdata/ggml-vocab-gemma-4.gguf
mkdir -p "$WORK"
passed=0 failed=0

# expect_error NAME EXPECTED_SUBSTRING CMD...
expect_error() {
  local name=$1 want=$2; shift 2
  local out rc
  out=$(timeout 120 "$@" 2>&1 </dev/null); rc=$?
  if [ $rc -eq 0 ] || [ $rc -ge 124 ]; then
    echo "FAIL $name: exit $rc (want a non-zero error exit, no crash/timeout)"; echo "$out" | head -5; failed=$((failed+1)); return
  fi
  if ! grep -qF -- "$want" <<<"$out"; then
    echo "FAIL $name: output lacks '$want':"; echo "$out" | head -5; failed=$((failed+1)); return
  fi
  echo "ok   $name: $(grep -F -- "$want" <<<"$out" | head -1)"; passed=$((passed+1))
}

echo "not a model" > "$WORK/text.gguf"
head -c 1000 "$VOCAB" > "$WORK/truncated.gguf"
"$HEARTH" make-test-model --preset dense-tiny --type q8_0 --ctx 64 --vocab "$VOCAB" --out "$WORK/tiny.gguf" >/dev/null \
  || { echo "FAIL setup: make-test-model"; exit 1; }

expect_error unknown-flag "--bogus" "$HEARTH" run "$WORK/tiny.gguf" --bogus
expect_error unknown-command "subcommand" "$HEARTH" frobnicate
expect_error missing-file "No such file" "$HEARTH" run "$WORK/absent.gguf" "hi"
expect_error not-gguf "not a GGUF file" "$HEARTH" run "$WORK/text.gguf" "hi"
expect_error truncated-gguf "truncated" "$HEARTH" show "$WORK/truncated.gguf"
expect_error vocab-only-model "token_embd.weight is missing" "$HEARTH" run "$VOCAB" "hi"
expect_error prompt-too-long "does not fit the context" "$HEARTH" run "$WORK/tiny.gguf" --raw "$(printf 'word %.0s' $(seq 200))"
expect_error ctx-over-model "exceeds the model's context length" "$HEARTH" run "$WORK/tiny.gguf" --ctx 100000 "hi"
expect_error bad-temperature "temperature" "$HEARTH" run "$WORK/tiny.gguf" --temperature -1 "hi"
expect_error bad-tokens "not a token id" "$HEARTH" logits --model "$WORK/tiny.gguf" --tokens 1,x --out "$WORK/l.f32"
expect_error token-out-of-vocab "outside the vocabulary" "$HEARTH" logits --model "$WORK/tiny.gguf" --tokens 2,999999 --out "$WORK/l.f32"
expect_error bad-preset "unknown preset" "$HEARTH" make-test-model --preset huge --vocab "$VOCAB" --out "$WORK/x.gguf"
expect_error bad-type "unknown --type" "$HEARTH" make-test-model --type q9_9 --vocab "$VOCAB" --out "$WORK/x.gguf"
expect_error messages-not-json "not valid JSON" "$HEARTH" prompt --model "$VOCAB" --messages "$WORK/text.gguf"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
