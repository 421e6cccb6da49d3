#!/usr/bin/env bash
# Stand-in for the hearth binary with the two subcommands logits_conformance.sh uses, built from the
# reference tools only. It lets the harness be tested before hearth implements them, and shows what a
# passing run looks like (hearth's numbers replaced by llama.cpp's / gguf-py's):
#   make-test-model --preset P --type T --seed S --window W --out F   -> tests/reference/make_tiny_gemma4.py
#   logits --model F --tokens IDS --all --out OUT              -> llama.cpp (tests/reference/llama_ref.mjs)
#   logits ... --kernels reference                              -> tests/reference/numpy_gemma4.py (float64)
#   logits ... --numerics ggml                                  -> numpy_gemma4.py --ggml-gelu
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REF=$HERE/../reference
PYTHON=${PYTHON:-/usr/bin/python3}
cmd=${1:-}; shift || true
declare -A a=()
while [ $# -gt 0 ]; do
  case $1 in
    --all) a[all]=1; shift ;;
    --*) a[${1#--}]=$2; shift 2 ;;
    *) echo "pyref_hearth: unexpected $1" >&2; exit 2 ;;
  esac
done
case $cmd in
  make-test-model)
    exec "$PYTHON" "$REF/make_tiny_gemma4.py" --preset "${a[preset]}" --type "${a[type]:-f32}" --seed "${a[seed]:-1}" \
      --window "${a[window]:-16}" --out "${a[out]}" ;;
  logits)
    if [ "${a[kernels]:-}" = reference ]; then
      # exact dequantization + exact math: the numpy float64 forward pass (what hearth's reference kernels should match)
      exec "$PYTHON" "$REF/numpy_gemma4.py" --model "${a[model]}" --tokens "${a[tokens]}" --out "${a[out]}"
    fi
    if [ "${a[numerics]:-}" = ggml ]; then
      # llama.cpp's f16-table GELU in the numpy forward pass
      exec "$PYTHON" "$REF/numpy_gemma4.py" --model "${a[model]}" --tokens "${a[tokens]}" --out "${a[out]}" --ggml-gelu
    fi
    exec node "$REF/llama_ref.mjs" logits --model "${a[model]}" --tokens "${a[tokens]}" --out "${a[out]}" --threads "${THREADS:-2}" ;;
  *) echo "pyref_hearth: unknown command '$cmd'" >&2; exit 2 ;;
esac
