#!/usr/bin/env bash
# `hearth tokenize` and `hearth prompt` on the real Gemma 4 vocab GGUF against the references:
#  - tokenize (positional TEXT, --file, --json, with and without --special) vs llama.cpp
#    (tests/reference/llama_ref.mjs tokenize-batch, node-llama-cpp 3.22.1), id for id;
#  - prompt (--messages, --tools, --think/--no-think) vs @huggingface/jinja
#    (tests/reference/render_template.mjs) rendering the template embedded in the GGUF, byte for byte.
#   tests/integration/cli_tokenize_prompt.sh HEARTH WORKDIR
set -uo pipefail
HEARTH=${1:?usage: cli_tokenize_prompt.sh HEARTH WORKDIR}
WORK=${2:?usage: cli_tokenize_prompt.sh HEARTH WORKDIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REF=$ROOT/tests/reference
VOCAB=$ROOT/tests/testdata/ggml-vocab-gemma-4.gguf
TEMPLATE_COPY=$ROOT/tests/testdata/templates/google-gemma-4-original-release-from-vocab-gguf.jinja
NODE=${NODE:-node}
# /usr/bin/python3 first: no extra packages are needed, and it starts faster than a pyenv shim.
if [ -n "${PYTHON:-}" ]; then PY=$PYTHON; elif [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
passed=0 failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

command -v "$NODE" >/dev/null 2>&1 || { fail "setup: node ('$NODE') is not installed (make deps installs it)"; finish; }
command -v "$PY" >/dev/null 2>&1 || { fail "setup: python3 ('$PY') is not installed"; finish; }
for m in node-llama-cpp @huggingface/jinja; do
  [ -d "$REF/node_modules/$m" ] || { fail "setup: $REF/node_modules/$m is missing (run 'make deps': npm ci in tests/reference)"; finish; }
done

# ---------------------------------------------------------------- tokenize
# Varied texts: English, CJK, emoji (ZWJ, flags, skin tones), code, whitespace runs, control-token
# strings (split or parsed depending on --special), mixed scripts, a text starting with "-".
TEXTS=(
  "Hello, world! How are you today?"
  "The quick brown fox jumps over the lazy dog. It's 3.14159 o'clock; isn't it?"
  "日本語のテキストを正しくトークン化できますか？中文也可以。"
  "한국어 문장과 Ελληνικά και русский текст, und ein bisschen Deutsch: Größe, Straße."
  "Emoji: 👋🏽 👨‍👩‍👧‍👦 🇯🇵 🏳️‍🌈 ❤️ — done ✅"
  $'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n'
  $'#include <stdio.h>\nint main(void) { printf("%d\\n", 42); return 0; }'
  $'   leading spaces, \t tabs\t\tand    runs     of spaces   '
  $'\n\n\nnewlines\n\n  \n\t\n'
  $'<|turn>user\nHi<turn|>\n<|turn>model\n'
  "<bos>text with <eos> and <pad> and <|channel>thought<channel|> tokens"
  "<|tool_call>call:get_weather{city:<|\"|>Paris<|\"|>}<tool_call|>"
  "<|turn> broken <turn| and <|turn without close"
  "مرحبا بالعالم — שלום עולם — नमस्ते दुनिया — สวัสดีชาวโลก"
  "-starts-with-a-dash and has 1234567890 digits, 12.5% and \$100.00"
  "URL: https://example.com/path?q=a+b&x=%20#frag email@example.org"
  $'\xc3\xa9 vs e\xcc\x81 (precomposed vs combining), ﬁ ligature, ＦＵＬＬＷＩＤＴＨ'
)
N=${#TEXTS[@]}
cases_dir=$WORK/tok
mkdir -p "$cases_dir"
for i in "${!TEXTS[@]}"; do printf '%s' "${TEXTS[$i]}" >"$cases_dir/$i.txt"; done
# Reference cases (read from the same files, byte for byte): text i without, then with --special.
"$PY" - "$cases_dir" "$N" >"$WORK/tok-cases.json" <<'EOF' || { fail "setup: writing tok-cases.json"; finish; }
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
cases = []
for i in range(n):
    t = open(f"{d}/{i}.txt", "rb").read().decode("utf-8")
    cases += [{"text": t, "special": False}, {"text": t, "special": True}]
json.dump(cases, sys.stdout)
EOF
if ! timeout 120 "$NODE" "$REF/llama_ref.mjs" tokenize-batch --model "$VOCAB" --cases "$WORK/tok-cases.json" \
     >"$WORK/tok-ref.json" 2>"$WORK/tok-ref.err"; then
  fail "tokenize: llama_ref.mjs tokenize-batch failed: $(tail -3 "$WORK/tok-ref.err")"; finish
fi
# ref_ids I SPECIAL(0|1): the reference ids of text I, space-separated.
ref_ids() { "$PY" -c 'import json,sys; print(" ".join(map(str, json.load(open(sys.argv[1]))[2*int(sys.argv[2])+int(sys.argv[3])])))' \
  "$WORK/tok-ref.json" "$1" "$2"; }
# json_ids: a JSON array on stdin -> space-separated ids.
json_ids() { "$PY" -c 'import json,sys; a=json.load(sys.stdin); assert isinstance(a,list); print(" ".join(map(str,a)))'; }

# Each (text, --special) pair goes through one of the three input/output paths in turn (hearth
# loads the 262k-token vocab per call, ~0.5 s, so not every pair takes every path).
MODES=(file-json file text)
for i in "${!TEXTS[@]}"; do
  short=$(printf '%s' "${TEXTS[$i]}" | tr '\n\t' '  ')
  label="tokenize #$i '${short:0:36}'"
  for sp in 0 1; do
    flag=(); [ $sp = 1 ] && flag=(--special)
    mode=${MODES[$(((2 * i + sp) % 3))]}
    want=$(ref_ids "$i" $sp)
    case $mode in
      file-json) got=$("$HEARTH" tokenize --model "$VOCAB" "${flag[@]}" --json --file "$cases_dir/$i.txt" 2>&1 | json_ids 2>/dev/null) \
                   || got="(hearth or JSON error)" ;;
      file) got=$("$HEARTH" tokenize --model "$VOCAB" "${flag[@]}" --file "$cases_dir/$i.txt" 2>&1) ;;
      # positional TEXT after "--", so a leading "-" is not taken for an option
      text) got=$("$HEARTH" tokenize --model "$VOCAB" "${flag[@]}" -- "${TEXTS[$i]}" 2>&1) ;;
    esac
    if [ "$got" = "$want" ]; then
      ok "$label ${flag[*]:-(plain)} [$mode]: $(wc -w <<<"$want") ids equal llama.cpp"
    else
      fail "$label ${flag[*]:-(plain)} [$mode]: llama.cpp [$want] vs hearth [$got]"
    fi
  done
done
# positional TEXT with --json, once
want=$(ref_ids 9 1)
got=$("$HEARTH" tokenize --model "$VOCAB" --special --json "${TEXTS[9]}" 2>&1 | json_ids 2>/dev/null)
if [ "$got" = "$want" ]; then ok "tokenize TEXT --special --json: JSON array equals llama.cpp"; else fail "tokenize TEXT --json: [$got] vs [$want]"; fi
# the empty text
got=$("$HEARTH" tokenize --model "$VOCAB" --json "" 2>&1)
if [ "$got" = "[]" ]; then ok "tokenize '' --json: []"; else fail "tokenize '' --json: '$got' (want [])"; fi

# ---------------------------------------------------------------- prompt
# The template embedded in the vocab GGUF (tokenizer.chat_template), read with a tiny GGUF reader.
"$PY" - "$VOCAB" "$WORK/embedded.jinja" <<'EOF' 2>"$WORK/extract.err" || { fail "prompt: extracting tokenizer.chat_template: $(tail -1 "$WORK/extract.err")"; finish; }
import struct, sys
f = open(sys.argv[1], "rb")
def rd(fmt):
    return struct.unpack("<" + fmt, f.read(struct.calcsize("<" + fmt)))[0]
def rstr():
    return f.read(rd("Q"))
SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
def skip(t):
    if t in SIZES: f.seek(SIZES[t], 1)
    elif t == 8: f.seek(rd("Q"), 1)
    elif t == 9:
        et, n = rd("I"), rd("Q")
        if et in SIZES: f.seek(SIZES[et] * n, 1)
        else:
            for _ in range(n): skip(et)
    else: raise SystemExit(f"unknown GGUF type {t}")
assert f.read(4) == b"GGUF", "not a GGUF file"
version, n_tensors, n_kv = rd("I"), rd("Q"), rd("Q")
for _ in range(n_kv):
    key, t = rstr().decode(), rd("I")
    if key == "tokenizer.chat_template":
        assert t == 8, "chat_template is not a string"
        open(sys.argv[2], "wb").write(rstr())
        sys.exit(0)
    skip(t)
raise SystemExit("no tokenizer.chat_template")
EOF
if cmp -s "$WORK/embedded.jinja" "$TEMPLATE_COPY"; then
  ok "prompt: embedded template ($(wc -c <"$WORK/embedded.jinja") bytes) is identical to tests/testdata/templates/$(basename "$TEMPLATE_COPY")"
else
  fail "prompt: embedded template differs from $(basename "$TEMPLATE_COPY") (comparing with the embedded one)"
fi

P=$WORK/prompt
mkdir -p "$P"
# Conversations in the template's own shape (tool-call arguments as objects), so hearth's
# OpenAI->template normalisation is the identity and both sides render the same input.
cat >"$P/plain.json" <<'EOF'
[{"role": "user", "content": "Hello! What's the capital of France?"}]
EOF
cat >"$P/multi.json" <<'EOF'
[{"role": "system", "content": "You are a terse assistant.\nAnswer in one sentence."},
 {"role": "user", "content": "Name a prime number."},
 {"role": "assistant", "content": "7 is prime."},
 {"role": "user", "content": "  And an even one?  \n"}]
EOF
cat >"$P/tools-messages.json" <<'EOF'
[{"role": "system", "content": "You can look up the weather."},
 {"role": "user", "content": "What's the weather in Paris and in Tokyo?"},
 {"role": "assistant", "content": "", "tool_calls": [
   {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}},
   {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Tokyo", "unit": "celsius"}}}]},
 {"role": "tool", "name": "get_weather", "content": "{\"temperature\": 18, \"sky\": \"cloudy\"}"},
 {"role": "tool", "name": "get_weather", "content": "{\"temperature\": 24, \"sky\": \"clear\"}"},
 {"role": "assistant", "content": "Paris: 18 °C, cloudy. Tokyo: 24 °C, clear."},
 {"role": "user", "content": "Thanks! 日本語でも？"}]
EOF
cat >"$P/tools.json" <<'EOF'
[{"type": "function", "function": {"name": "get_weather", "description": "Current weather of a city",
  "parameters": {"type": "object", "properties": {
    "city": {"type": "string", "description": "City name"},
    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit"}},
   "required": ["city"]}}},
 {"type": "function", "function": {"name": "get_time", "description": "Local time",
  "parameters": {"type": "object", "properties": {"tz": {"type": "string"}, "hours24": {"type": "boolean"}, "offset": {"type": "integer"}}}}}]
EOF
cat >"$P/think.json" <<'EOF'
[{"role": "system", "content": "Be careful."},
 {"role": "user", "content": "What is 17 * 23?"},
 {"role": "assistant", "content": "391"},
 {"role": "user", "content": "And 19 * 21?"}]
EOF
# The same tool conversation as an OpenAI client sends it (arguments as a JSON string): hearth
# normalises it to the template shape, so it must render exactly like tools-messages.json.
"$PY" -c '
import json, sys
m = json.load(open(sys.argv[1]))
for msg in m:
    for c in msg.get("tool_calls", []): c["function"]["arguments"] = json.dumps(c["function"]["arguments"])
json.dump(m, open(sys.argv[2], "w"))' "$P/tools-messages.json" "$P/tools-messages-openai.json"
# case NAME MESSAGES(hearth[:reference]) TOOLS|- THINK(on|off|unset)
CASES=(
  "tools-openai-arguments tools-messages-openai.json:tools-messages.json tools.json unset"
  "plain plain.json - unset"
  "plain-think plain.json - on"
  "system-multi-turn multi.json - unset"
  "system-multi-turn-nothink multi.json - off"
  "tools-call-result tools-messages.json tools.json unset"
  "tools-think tools-messages.json tools.json on"
  "think-on think.json - on"
  "think-off think.json - off"
)
for c in "${CASES[@]}"; do
  read -r name msgs tools think <<<"$c"
  ref_msgs=${msgs#*:} msgs=${msgs%%:*}
  args=(--model "$VOCAB" --messages "$P/$msgs")
  [ "$tools" != - ] && args+=(--tools "$P/$tools")
  [ "$think" = on ] && args+=(--think)
  [ "$think" = off ] && args+=(--no-think)
  # The reference input: what hearth prompt passes (bos_token "<bos>", eos_token "<eos>",
  # add_generation_prompt true, enable_thinking only with --think/--no-think, tools only with --tools).
  "$PY" - "$P/$ref_msgs" "$tools" "$P" "$think" >"$P/$name.input.json" <<'EOF'
import json, sys
msgs, tools, d, think = sys.argv[1:]
inp = {"messages": json.load(open(msgs)), "bos_token": "<bos>", "eos_token": "<eos>", "add_generation_prompt": True}
if tools != "-": inp["tools"] = json.load(open(f"{d}/{tools}"))
if think != "unset": inp["enable_thinking"] = think == "on"
json.dump(inp, sys.stdout, ensure_ascii=False)
EOF
  if ! "$NODE" "$REF/render_template.mjs" "$WORK/embedded.jinja" "$P/$name.input.json" >"$P/$name.ref.txt" 2>"$P/$name.ref.err"; then
    fail "prompt $name: render_template.mjs failed: $(tail -2 "$P/$name.ref.err")"; continue
  fi
  if ! "$HEARTH" prompt "${args[@]}" >"$P/$name.hearth.txt" 2>"$P/$name.hearth.err"; then
    fail "prompt $name: hearth prompt failed: $(tail -2 "$P/$name.hearth.err")"; continue
  fi
  if cmp -s "$P/$name.ref.txt" "$P/$name.hearth.txt"; then
    ok "prompt $name: byte-identical ($(wc -c <"$P/$name.ref.txt") bytes)"
  else
    fail "prompt $name: differs from @huggingface/jinja ($P/$name.ref.txt vs $P/$name.hearth.txt):"
    diff <(cat "$P/$name.ref.txt") <(cat "$P/$name.hearth.txt") | head -10
  fi
done
# Sanity of the renders themselves: generation prompt, tool declaration, thinking switch.
grep -q '<|turn>model' "$P/plain.hearth.txt" 2>/dev/null && head -c 5 "$P/plain.hearth.txt" | grep -q '^<bos>' \
  && ok "prompt plain: starts with <bos>, ends with the model turn" || fail "prompt plain: no <bos> start / model turn"
grep -q 'get_weather' "$P/tools-call-result.hearth.txt" 2>/dev/null && grep -q 'get_time' "$P/tools-call-result.hearth.txt" \
  && ok "prompt tools: both tools declared" || fail "prompt tools: tool declarations missing"
cmp -s "$P/think-on.hearth.txt" "$P/think-off.hearth.txt" \
  && fail "prompt think: --think and --no-think render the same text" || ok "prompt think: --think and --no-think differ"

finish
