#!/usr/bin/env bash
# The interactive `hearth run MODEL` REPL driven through tmux as a user would drive it: keys are
# typed into a real terminal (tmux send-keys) and the screen is read back (capture-pane).
#   tests/integration/repl_tmux.sh HEARTH WORKDIR
# Checks: the ">>> " prompt; a """ multi-line message gets a reply; /set parameter (good and bad);
# /show info; Ctrl-C stops a long reply and the REPL goes on; /set nothink, /clear; /bye exits 0;
# Ctrl-C at an empty prompt; Ctrl-D at an empty prompt exits 0.
# Uses a private tmux server (-L hearth-test-$$), killed on exit. Every wait is a polling loop.
set -uo pipefail
HEARTH=${1:?usage: repl_tmux.sh HEARTH WORKDIR}
WORK=${2:?usage: repl_tmux.sh HEARTH WORKDIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VOCAB=$ROOT/tests/testdata/ggml-vocab-gemma-4.gguf
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
passed=0 failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

if ! command -v tmux >/dev/null 2>&1; then
  fail "setup: tmux is not installed (it is a Debian package: apt-get install tmux, or run 'make deps')"
  finish
fi

SOCK=hearth-test-$$
T() { tmux -L "$SOCK" -f "$WORK/tmux.conf" "$@"; }
cleanup() { tmux -L "$SOCK" kill-server >/dev/null 2>&1; }
trap cleanup EXIT
# remain-on-exit: a pane whose process ended stays, so its last screen can still be shown.
printf 'set -g remain-on-exit on\nset -g history-limit 20000\n' >"$WORK/tmux.conf"
# hearth runs under a bash wrapper that writes its exit status to a file and to the screen (tmux's
# own pane_dead_status is not reliable: tmux 3.3a sometimes leaves the exited process unreaped).
# A non-interactive bash waiting for a child that survives Ctrl-C goes on waiting (it does not die
# of the SIGINT the whole foreground process group gets).
cat >"$WORK/run-hearth.sh" <<'EOF'
#!/usr/bin/env bash
status_file=$1; shift
rm -f "$status_file"
"$@"
rc=$?
echo "$rc" >"$status_file"
echo "EXITED $rc"
EOF
chmod +x "$WORK/run-hearth.sh"
rm -f "$WORK"/s1.status "$WORK"/s2.status

MODEL=$WORK/repl-model.gguf
if [ ! -s "$MODEL" ]; then
  "$HEARTH" make-test-model --preset dense-tiny --type q8_0 --embd 64 --ctx 4096 --vocab "$VOCAB" \
    --out "$MODEL.tmp" >"$WORK/make-model.log" 2>&1 && mv "$MODEL.tmp" "$MODEL" \
    || { fail "setup: make-test-model ($(tail -1 "$WORK/make-model.log"))"; finish; }
fi

# screen SESSION: the whole pane (history + visible), wrapped lines joined, trailing blank lines cut.
screen() { T capture-pane -p -J -S - -E - -t "$1" 2>/dev/null | sed -e 's/[[:space:]]*$//' | awk '
  { line[NR] = $0; if ($0 != "") last = NR } END { for (i = 1; i <= last; i++) print line[i] }'; }
# prompts SESSION: how many ">>>" prompt lines the screen holds.
prompts() { screen "$1" | grep -c '^>>>\( \|$\)'; }
# idle_at SESSION N: the screen ends with an empty ">>>" prompt and holds at least N prompts.
idle_at() {
  local s
  s=$(screen "$1")
  [ "$(tail -n 1 <<<"$s")" = ">>>" ] && [ "$(grep -c '^>>>\( \|$\)' <<<"$s")" -ge "$2" ]
}
# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds; false on timeout.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  while ! "$@"; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.1
  done
}
# since_prompt SESSION: the lines after the last-but-one ">>>" line (the typed command) up to the
# last one (the new prompt), i.e. what the last command printed.
since_prompt() { screen "$1" | awk '
  /^>>>( |$)/ { prev = cur; cur = ""; started = 1; next } started { cur = cur $0 "\n" } END { printf "%s", prev }'; }
pane() { T display-message -p -t "$1" "$2" 2>/dev/null; }
dump() {
  echo "---- screen of $1 (last 25 lines) ----"; screen "$1" | tail -n 25
  local pid; pid=$(hearth_pid "$1")
  echo "---- hearth: exit status '$(cat "$WORK/$1.status" 2>/dev/null)'; pid '$pid': $(ps -o stat=,wchan:20=,args= -p "${pid:-0}" 2>/dev/null || echo 'no process')"
}
# type_line SESSION TEXT: types TEXT literally, then Enter.
type_line() { T send-keys -t "$1" -l -- "$2" && T send-keys -t "$1" Enter; }
# repl SESSION TEXT [TIMEOUT]: types a line at an idle prompt and waits for the next idle prompt.
repl() {
  local n
  n=$(prompts "$1")
  type_line "$1" "$2"
  wait_for "${3:-10}" idle_at "$1" $((n + 1))
}

# ---- session 1 ----
S=s1
T new-session -d -s $S -x 160 -y 50 \
  "'$WORK/run-hearth.sh' '$WORK/$S.status' '$HEARTH' run '$MODEL' --num-predict 3000 --seed 7 --threads 1" \
  || { fail "setup: tmux new-session"; finish; }
# hearth_pid SESSION: the pid of hearth, the wrapper's child.
hearth_pid() { ps -o pid= --ppid "$(pane "$1" '#{pane_pid}')" 2>/dev/null | tr -d ' ' | head -1; }

# (a) the prompt
if wait_for 20 idle_at $S 1; then ok "prompt: '>>> ' appears"; else fail "prompt: no '>>> ' within 20 s"; dump $S; finish; fi
HPID=$(hearth_pid $S)

# (c) /set parameter, good and bad
if repl $S "/set parameter temperature 0.7" && grep -qF "Set parameter 'temperature' to '0.7'" <<<"$(since_prompt $S)"; then
  ok "/set parameter temperature 0.7: $(since_prompt $S | head -1)"
else fail "/set parameter temperature 0.7: no \"Set parameter 'temperature' to '0.7'\""; dump $S; fi
if repl $S "/set parameter bogus 1" && out=$(since_prompt $S) && grep -qi "error" <<<"$out" && grep -qF "bogus" <<<"$out"; then
  ok "/set parameter bogus 1: $(head -1 <<<"$out") (REPL goes on)"
else fail "/set parameter bogus 1: no error naming 'bogus', or no new prompt"; dump $S; fi
if repl $S "/set parameter temperature abc" && grep -qi "error" <<<"$(since_prompt $S)"; then
  ok "/set parameter temperature abc: $(since_prompt $S | head -1)"
else fail "/set parameter temperature abc: no error"; dump $S; fi

# (d) /show info shows the parameters with temperature 0.7
if repl $S "/show info" && out=$(since_prompt $S) && grep -qE '^ *temperature +0\.7$' <<<"$out" \
   && grep -q 'Parameters' <<<"$out" && grep -qE '^ *num_predict +3000$' <<<"$out"; then
  ok "/show info: temperature 0.7, num_predict 3000"
else fail "/show info: no 'temperature 0.7' / 'num_predict 3000' under Parameters"; dump $S; fi

# (b) a """ multi-line message gets a (short) reply, then a new prompt
repl $S "/set parameter num_predict 12" >/dev/null
n=$(prompts $S)
type_line $S '"""'
cont() { [ "$(screen $S | tail -n 1)" = "..." ]; }
if wait_for 5 cont; then ok 'multi-line: """ gives the "... " continuation prompt'; else fail 'multi-line: no "... " after """'; dump $S; fi
type_line $S "Write one word."
wait_for 5 eval '[ "$(screen $S | grep -c "^\.\.\.\( \|$\)")" -ge 2 ]'
type_line $S "Then a second word."
type_line $S '"""'
if wait_for 20 idle_at $S $((n + 1)); then
  reply=$(screen $S | awk '/^\.\.\.( |$)/ { last = NR } { line[NR] = $0 } END { for (i = last + 1; i < NR; i++) print line[i] }')
  if grep -q '[^[:space:]]' <<<"$reply"; then ok "multi-line: reply printed ($(tr '\n' ' ' <<<"$reply" | cut -c1-50)...), new prompt"
  else fail "multi-line: new prompt but no reply text"; dump $S; fi
else fail "multi-line: no reply and new prompt within 20 s"; dump $S; fi

# (e) Ctrl-C stops a long reply within a couple of seconds, prints ^C, and the REPL goes on
repl $S "/set parameter num_predict 3000" >/dev/null
n=$(prompts $S)
type_line $S "Tell me a very long story."
before=$(screen $S | wc -c)
grows() { [ "$(screen $S | wc -c)" -gt $((before + 200)) ]; }
if wait_for 15 grows; then
  ok "long reply: streaming"
  sleep 1
  if idle_at $S $((n + 1)); then fail "long reply: ended on its own before Ctrl-C (num_predict 3000 should run for many seconds)"; fi
  t0=$(date +%s.%N)
  T send-keys -t $S C-c
  if wait_for 3 idle_at $S $((n + 1)); then
    dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    if screen $S | tail -n 3 | grep -q '^\^C$'; then ok "Ctrl-C: reply stopped in ${dt}s, '^C' shown, back at '>>> '"
    else fail "Ctrl-C: back at the prompt but no '^C' line"; dump $S; fi
  else fail "Ctrl-C: reply not stopped / no new prompt within 3 s"; dump $S; fi
  if [ -n "$HPID" ] && kill -0 "$HPID" 2>/dev/null && [ ! -e "$WORK/$S.status" ]; then ok "Ctrl-C: hearth still running (pid $HPID)"
  else fail "Ctrl-C: hearth exited"; dump $S; fi
else fail "long reply: no streamed output within 15 s"; dump $S; fi

# after the interruption a new message still gets a reply
repl $S "/set parameter num_predict 8" >/dev/null
n=$(prompts $S)
if repl $S "hello again" 20 && grep -q '[^[:space:]]' <<<"$(since_prompt $S)"; then ok "after Ctrl-C: next message gets a reply"
else fail "after Ctrl-C: next message got no reply / no new prompt"; dump $S; fi

# (f) /set nothink, /set think, /clear, /? respond
if repl $S "/set nothink" && grep -qF "Set 'nothink' mode." <<<"$(since_prompt $S)"; then ok "/set nothink: $(since_prompt $S | head -1)"
else fail "/set nothink: no \"Set 'nothink' mode.\""; dump $S; fi
if repl $S "/show info" && grep -qE '^ *thinking +off$' <<<"$(since_prompt $S)"; then ok "/show info after /set nothink: thinking off"
else fail "/show info after /set nothink: no 'thinking off'"; dump $S; fi
if repl $S "/clear" && grep -qF "Cleared session context" <<<"$(since_prompt $S)"; then ok "/clear: $(since_prompt $S | head -1)"
else fail "/clear: no 'Cleared session context'"; dump $S; fi
if repl $S "/?" && grep -qF "/bye" <<<"$(since_prompt $S)"; then ok "/?: help lists /bye"
else fail "/?: no help"; dump $S; fi
if repl $S "/frobnicate" && grep -qF "Unknown command" <<<"$(since_prompt $S)"; then ok "/frobnicate: $(since_prompt $S | head -1)"
else fail "/frobnicate: no 'Unknown command'"; dump $S; fi

# Ctrl-C at an empty prompt: a hint and a new prompt, no exit
n=$(prompts $S)
T send-keys -t $S C-c
if wait_for 5 idle_at $S $((n + 1)) && [ ! -e "$WORK/$S.status" ]; then ok "Ctrl-C at an empty prompt: new prompt, still running ($(since_prompt $S | grep -v '^$' | head -1))"
else fail "Ctrl-C at an empty prompt: no new prompt or hearth exited"; dump $S; fi
# ... and the REPL still reads commands after it
if repl $S "/set parameter top_k 20" && grep -qF "Set parameter 'top_k' to '20'" <<<"$(since_prompt $S)"; then ok "after Ctrl-C at the prompt: commands still read"
else fail "after Ctrl-C at the prompt: command not read"; dump $S; fi

# Ctrl-C inside a """ block drops the unfinished message and gives a new prompt
n=$(prompts $S)
type_line $S '"""'
type_line $S "half a message"
wait_for 5 eval '[ "$(screen $S | tail -n 1)" = "..." ]'
T send-keys -t $S C-c
if wait_for 5 idle_at $S $((n + 1)) && [ ! -e "$WORK/$S.status" ]; then ok 'Ctrl-C inside """: message dropped, new prompt'
else fail 'Ctrl-C inside """: no new prompt or hearth exited'; dump $S; fi
if repl $S "/show info" && grep -qE '^ *top_k +20$' <<<"$(since_prompt $S)"; then ok 'after Ctrl-C inside """: commands still read'
else fail 'after Ctrl-C inside """: /show info not answered'; dump $S; fi

# (g) /bye exits with status 0
type_line $S "/bye"
# dead SESSION: hearth has exited (the wrapper wrote its status).
dead() { [ -s "$WORK/$1.status" ]; }
if wait_for 5 dead $S; then
  st=$(cat "$WORK/$S.status")
  if [ "$st" = 0 ]; then ok "/bye: hearth exited with status 0"; else fail "/bye: exit status '$st'"; dump $S; fi
else fail "/bye: hearth still running after 5 s"; dump $S; fi

# ---- session 2: (h) Ctrl-D at an empty prompt exits with status 0 ----
S=s2
T new-session -d -s $S -x 160 -y 50 "'$WORK/run-hearth.sh' '$WORK/$S.status' '$HEARTH' run '$MODEL' --threads 1" || { fail "setup: tmux new-session (2)"; finish; }
if wait_for 20 idle_at $S 1; then
  T send-keys -t $S C-d
  if wait_for 5 dead $S; then
    st=$(cat "$WORK/$S.status")
    if [ "$st" = 0 ]; then ok "Ctrl-D at an empty prompt: exit status 0"; else fail "Ctrl-D: exit status '$st'"; dump $S; fi
  else fail "Ctrl-D at an empty prompt: hearth still running after 5 s"; dump $S; fi
else fail "session 2: no prompt within 20 s"; dump $S; fi

finish
