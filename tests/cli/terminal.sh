#!/usr/bin/env bash
# What a person sees in a real terminal (tmux): the usage when stdin is a
# terminal and no file is given, a progress line redrawn in place while
# stderr is a terminal (and none in a pipe), colour only on a terminal.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
command -v tmux >/dev/null || fail "tmux is not installed"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")
# One tmux server per pane, on its own socket: a new client that connects
# to a server still shutting down after kill-server fails.
npane=0
sock="aftest-$$-0"
tm() { tmux -L "$sock" "$@"; }
cleanup() {
  for ((i = 0; i <= npane; i++)); do
    tmux -L "aftest-$$-$i" kill-server 2>/dev/null || true
  done
  af_cleanup
}
trap cleanup EXIT

# Runs a command in a fresh 160x50 pane and waits (bounded) for it to end;
# the pane stays, so its screen can be read.
# A placeholder session keeps the tmux server alive and remain-on-exit is
# set globally before the command starts: a command that ends at once (the
# usage) must not take the server down before its screen is read.
new_pane() {
  tm kill-server 2>/dev/null || true
  npane=$((npane + 1))
  sock="aftest-$$-$npane"
  tm new-session -d -x 160 -y 50 -s keep "cat"
  tm set-option -g remain-on-exit on >/dev/null
  tm new-session -d -x 160 -y 50 -s t "$1; echo EXIT=\$?"
}
run_in_pane() {
  new_pane "$1"
  for _ in $(seq 3000); do
    tm capture-pane -p -S - -t t | grep -q "EXIT=" && return 0
    sleep 0.01
  done
  fail "pane did not finish: $(tm capture-pane -p -S - -t t)"
}

# No argument, stdin a terminal: usage, exit 2.
run_in_pane "$AFETCH"
screen=$(tm capture-pane -p -S - -t t)
grep -q "Usage: afetch" <<<"$screen" || fail "no usage: $screen"
grep -q "EXIT=2" <<<"$screen" || fail "exit status: $screen"

# Progress: while the run goes on, the screen shows a progress line.
for i in $(seq 30); do echo "$AF_BASE/delay/200/p$i"; done >"$tmp/u.txt"
new_pane "$AFETCH -c 5 --per-host 5 $tmp/u.txt > $tmp/out.txt"
seen=
for _ in $(seq 3000); do
  s=$(tm capture-pane -p -S - -t t)
  if grep -q "in flight" <<<"$s"; then seen=$s; break; fi
  grep -q "EXIT=" <<<"$s" && break
  sleep 0.01
done
[ -n "$seen" ] || fail "no progress line seen"
grep -Eq "[0-9]+/[0-9]+\+? done, [0-9]+ in flight, [0-9.]+ req/s, 0 failed" \
  <<<"$seen" || fail "progress line: $seen"
for _ in $(seq 3000); do
  tm capture-pane -p -S - -t t | grep -q "EXIT=" && break
  sleep 0.01
done
final=$(tm capture-pane -p -S - -t t)
grep -q "EXIT=0" <<<"$final" || fail "exit: $final"
grep -q "in flight" <<<"$final" && fail "progress line left on screen: $final"
grep -q "^concurrent: 30 URLs" <<<"$final" || fail "summary: $final"
assert_eq "$(grep -c '^200 ' "$tmp/out.txt")" 30 "results went to the file"
# No progress and no colour when stdout/stderr are not terminals.
"$AFETCH" -c 5 --per-host 5 "$tmp/u.txt" >"$tmp/p.out" 2>"$tmp/p.err"
grep -q "in flight" "$tmp/p.err" && fail "progress line in a pipe"
grep -q $'\e' "$tmp/p.out" && fail "colour in a pipe"

# Colour on a terminal; NO_COLOR and --color never turn it off.
printf '%s\n' "$AF_BASE/page/c" "$AF_BASE/status/404" "http://127.0.0.1:1/" \
  >"$tmp/c.txt"
run_in_pane "$AFETCH --no-summary $tmp/c.txt"
col=$(tm capture-pane -p -e -S - -t t)
grep -q $'\e\\[32m200' <<<"$col" || fail "no green 200: $(cat -v <<<"$col")"
grep -q $'\e\\[33m404' <<<"$col" || fail "no yellow 404"
grep -q $'\e\\[31mERR' <<<"$col" || fail "no red ERR"
run_in_pane "NO_COLOR=1 $AFETCH --no-summary $tmp/c.txt"
grep -q $'\e\\[3[0-9]m' <<<"$(tm capture-pane -p -e -S - -t t)" &&
  fail "colour despite NO_COLOR"
run_in_pane "$AFETCH --color never --no-summary $tmp/c.txt"
grep -q $'\e\\[3[0-9]m' <<<"$(tm capture-pane -p -e -S - -t t)" &&
  fail "colour despite --color never"
pass terminal
