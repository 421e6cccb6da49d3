#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS each, one after another on one core, from seeds built
# out of the project's own files, and prints executions and coverage per target. Exits non-zero
# if any target finds a crash, leak, timeout or sanitizer report (artifacts under WORK/artifacts).
#   tests/fuzz/run_fuzzers.sh SECONDS [BUILD_DIR (default build-fuzz)] [TARGET...]
# Exits 77 without fuzzing when a target binary is missing.
set -uo pipefail

seconds=${1:?usage: run_fuzzers.sh SECONDS [BUILD_DIR] [TARGET...]}
build=${2:-build-fuzz}
shift $(( $# >= 2 ? 2 : 1 ))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(gguf_fuzz tokenizer_fuzz chat_template_fuzz output_parser_fuzz api_request_fuzz modelfile_fuzz
                                       store_names_fuzz)

repo=$(cd "$(dirname "$0")/../.." && pwd)
# Exit 77 (ctest's skip code for fuzz_smoke) when the fuzz build is absent: `make fuzz-build`.
for t in "${targets[@]}"; do
  [ -x "$build/fuzz/$t" ] || { echo "run_fuzzers: $build/fuzz/$t is not built (make fuzz-build)"; exit 77; }
done
testdata=$repo/tests/testdata
fuzzdir=$repo/tests/fuzz
bin=$build/fuzz
work=$build/fuzz-work
mkdir -p "$work/artifacts"

# Seeds: committed text seeds plus ones generated here (binary GGUFs are never committed).
seed_dir() { local d=$work/seeds/$1; mkdir -p "$d"; echo "$d"; }
wanted() { [[ " ${targets[*]} " == *" $1 "* ]]; }
make_seeds() {
  local d
  d=$(seed_dir gguf_fuzz)
  ! wanted gguf_fuzz || [ -e "$d/tiny-vocab.gguf" ] || "$bin/make_seeds" "$d" "$testdata/ggml-vocab-gemma-4.gguf" >/dev/null || return 1

  d=$(seed_dir tokenizer_fuzz)
  python3 - "$testdata/ggml-vocab-gemma-4.gguf.inp" "$fuzzdir/seeds/output_parser" "$d" <<'PY' || return 1
import os, struct, sys
inp, parser_seeds, out = sys.argv[1:4]
texts = open(inp, encoding="utf-8").read().split("\n__ggml_vocab_test__\n")
texts += [open(os.path.join(parser_seeds, f), "rb").read().decode("utf-8", "replace")
          for f in sorted(os.listdir(parser_seeds))]
for i, t in enumerate(t for t in texts if t):
    for mode in (0, 1):  # parse_special off / on
        open(os.path.join(out, f"text-{i}-{mode}"), "wb").write(bytes([mode]) + t.encode())
ids = [2, 105, 2364, 107, 0, 1, 50, 106, 262143, 262144, -1, 0x7fffffff, 236743, 236764, 255999]
open(os.path.join(out, "ids-range"), "wb").write(bytes([0x80]) + struct.pack(f"<{len(ids)}i", *ids))
open(os.path.join(out, "ids-raw"), "wb").write(bytes([0x8b]) + struct.pack(f"<{len(ids)}i", *ids))
PY

  d=$(seed_dir chat_template_fuzz)
  cp "$fuzzdir"/seeds/chat_template/* "$d"/
  python3 - "$testdata" "$d" <<'PY' || return 1
import json, os, sys
testdata, out = sys.argv[1:3]
tdir = os.path.join(testdata, "templates")
for f in sorted(os.listdir(tdir)):
    if f.endswith(".jinja"):  # template source, with and without generation prompt + tools
        src = open(os.path.join(tdir, f), "rb").read()
        open(os.path.join(out, "tmpl-" + f), "wb").write(b"\x12" + src)
vectors = json.load(open(os.path.join(testdata, "gemma4-chat-vectors.json")))
for c in vectors["cases"] + vectors.get("edge_cases", []):
    if isinstance(c, dict) and isinstance(c.get("input"), dict):
        for mode in (0x01, 0x05, 0x09):  # the three official templates in the fuzzer
            blob = json.dumps(c["input"], ensure_ascii=False).encode()
            open(os.path.join(out, f"json-{c.get('name', 'case')}-{mode}"), "wb").write(bytes([mode]) + blob)
PY

  d=$(seed_dir output_parser_fuzz)
  cp "$fuzzdir"/seeds/output_parser/* "$d"/

  d=$(seed_dir api_request_fuzz)
  cp "$fuzzdir"/seeds/api_request/* "$d"/

  d=$(seed_dir modelfile_fuzz)
  cp "$fuzzdir"/seeds/modelfile/* "$d"/

  d=$(seed_dir store_names_fuzz)
  cp "$fuzzdir"/seeds/store_names/* "$d"/
}
make_seeds || { echo "run_fuzzers: seed generation failed" >&2; exit 2; }

declare -A dict=([tokenizer_fuzz]=gemma.dict [output_parser_fuzz]=gemma.dict [chat_template_fuzz]=jinja.dict [api_request_fuzz]=api.dict
                [modelfile_fuzz]=modelfile.dict [store_names_fuzz]=store_names.dict)
declare -A maxlen=([gguf_fuzz]=2097152 [tokenizer_fuzz]=16384 [chat_template_fuzz]=32768 [output_parser_fuzz]=16384)

status=0
summary=()
for t in "${targets[@]}"; do
  corpus=$work/corpus/$t
  mkdir -p "$corpus"
  log=$work/$t.log
  args=(-max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len="${maxlen[$t]:-65536}"
        -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-")
  [ -n "${dict[$t]:-}" ] && args+=(-dict="$fuzzdir/dicts/${dict[$t]}")
  echo "== $t: ${seconds}s"
  "$bin/$t" "${args[@]}" "$corpus" "$work/seeds/$t" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/\1 edges, \2 features/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([^ ]*\) .*/\1/p' <<<"$last")
  line="$t: rc=$rc execs=${execs:-?} cov=${cov:-?} corpus=${corp:-?}"
  if [ $rc -ne 0 ]; then
    status=1
    line+=" FINDING (log $log)"
    grep -m1 -E 'ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error:|fuzz invariant failed' "$log" | sed 's/^/    /'
  fi
  echo "$line"
  summary+=("$line")
done
echo "== summary"
printf '%s\n' "${summary[@]}"
exit $status
