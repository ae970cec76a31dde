#!/usr/bin/env bash
# What a person sees in a real terminal (tmux): the usage when stdin is a
# terminal and no file is given, a progress line redrawn in place while
# stderr is a terminal (and none in a pipe) that fits the terminal's width
# (40 and 160 columns, and after a resize), names the --compare run and
# says when input is still being read; colour only on a terminal.
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

# Runs a command in a fresh pane (160x50, or WIDTH columns) and waits
# (bounded) for it to end; the pane stays, so its screen can be read.
# A placeholder session keeps the tmux server alive and remain-on-exit is
# set globally before the command starts: a command that ends at once (the
# usage) must not take the server down before its screen is read.
new_pane() {
  tm kill-server 2>/dev/null || true
  npane=$((npane + 1))
  sock="aftest-$$-$npane"
  local w=${2:-160}
  tm new-session -d -x "$w" -y 50 -s keep "cat"
  tm set-option -g remain-on-exit on >/dev/null
  tm new-session -d -x "$w" -y 50 -s t "$1; echo EXIT=\$?"
}
wait_exit() {
  for _ in $(seq 3000); do
    tm capture-pane -p -S - -t t | grep -q "EXIT=" && return 0
    sleep 0.01
  done
  fail "pane did not finish: $(tm capture-pane -p -S - -t t)"
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
grep -Eq "^[0-9]+/30 done, [0-9]+ in flight, [0-9.]+ req/s, 0 failed, [0-9.]+ s$" \
  <<<"$seen" || fail "progress line at 160 columns: $seen"
for _ in $(seq 3000); do
  tm capture-pane -p -S - -t t | grep -q "EXIT=" && break
  sleep 0.01
done
final=$(tm capture-pane -p -S - -t t)
grep -q "EXIT=0" <<<"$final" || fail "exit: $final"
grep -q "in flight" <<<"$final" && fail "progress line left on screen: $final"
grep -q "^concurrent: 30 URLs" <<<"$final" || fail "summary: $final"
assert_eq "$(grep -c '^200 ' "$tmp/out.txt")" 30 "results went to the file"
# Samples the pane while the command runs, until EXIT or the summary shows
# (bounded); each screen that has a progress line on it must hold only that
# one line (nothing wrapped or scrolled) and fit in WIDTH - 1 columns. Sets
# progress_seen to the last progress line seen.
check_fit() {
  local w=$1 s p n
  progress_seen=
  for _ in $(seq 3000); do
    s=$(tm capture-pane -p -t t)
    grep -q "EXIT=\|^concurrent: \|^sequential: " <<<"$s" && return 0
    if grep -q " done" <<<"$s"; then
      n=$(grep -c . <<<"$s")
      assert_eq "$n" 1 "lines on the screen at $w columns: $s"
      p=$(grep . <<<"$s")
      assert_le "${#p}" $((w - 1)) "progress line length at $w columns: '$p'"
      progress_seen=$p
    fi
    sleep 0.01
  done
  fail "no end at $w columns: $s"
}

# 40 columns: the progress line keeps the fields that fit, never wraps.
new_pane "$AFETCH -c 5 --per-host 5 $tmp/u.txt > $tmp/out40.txt" 40
check_fit 40
[[ $progress_seen =~ ^[0-9]+/30\ done ]] ||
  fail "progress at 40 columns: '$progress_seen'"
wait_exit
grep -q "EXIT=0" <<<"$(tm capture-pane -p -S - -t t)" || fail "exit at 40"

# A resize (SIGWINCH) from 160 to 40 columns: the next redraws fit.
new_pane "$AFETCH -c 5 --per-host 5 $tmp/u.txt > $tmp/outrs.txt"
for _ in $(seq 3000); do
  tm capture-pane -p -t t | grep -q " done, " && break
  sleep 0.01
done
tm resize-window -t t -x 40 -y 50
# Wait (bounded) for a redraw at the new width, then check the screens.
for _ in $(seq 3000); do
  l=$(tm capture-pane -p -t t | grep " done" | tail -1 || true)
  [[ -n $l && ${#l} -le 39 ]] && break
  sleep 0.01
done
check_fit 40
wait_exit

# --compare: the progress line says which run is under way.
for i in $(seq 10); do echo "$AF_BASE/delay/200/cmp$i"; done >"$tmp/cmp.txt"
new_pane "$AFETCH --compare -c 10 --per-host 10 $tmp/cmp.txt > /dev/null"
seq_seen='' con_seen=''
for _ in $(seq 3000); do
  s=$(tm capture-pane -p -S - -t t)
  grep -Eq "^sequential [0-9]+/10 done, " <<<"$s" && seq_seen=1
  grep -Eq "^concurrent [0-9]+/10 done, " <<<"$s" && con_seen=1
  grep -q "EXIT=" <<<"$s" && break
  sleep 0.01
done
[ -n "$seq_seen" ] || fail "--compare: no 'sequential N/10 done': $s"
[ -n "$con_seen" ] || fail "--compare: no 'concurrent N/10 done': $s"

# Input still open: the line says how many were read so far, not "N/N+".
# The FIFO holds the input open until this script opens it for writing.
mkfifo "$tmp/more"
head -5 "$tmp/u.txt" >"$tmp/u5.txt"
new_pane "cat $tmp/u5.txt $tmp/more | $AFETCH > /dev/null"
for _ in $(seq 3000); do
  s=$(tm capture-pane -p -t t)
  grep -q "^5 done of 5 read so far, 0 in flight" <<<"$s" && break
  sleep 0.01
done
grep -q "^5 done of 5 read so far, 0 in flight" <<<"$s" ||
  fail "progress while input is open: $s"
: >"$tmp/more"
wait_exit
s=$(tm capture-pane -p -S - -t t)
grep -q "^concurrent: 5 URLs, 5 ok" <<<"$s" || fail "summary after input: $s"
grep -q "EXIT=0" <<<"$s" || fail "exit after input: $s"

# -q --progress: the explicit --progress wins over -q.
new_pane "$AFETCH -q --progress -c 5 --per-host 5 $tmp/u.txt > $tmp/outq.txt"
check_fit 160
[[ $progress_seen =~ ^[0-9]+/30\ done ]] ||
  fail "-q --progress: no progress line"
wait_exit
[ ! -s "$tmp/outq.txt" ] || fail "-q --progress printed results"

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
# With the results elsewhere (stdout to a file, stderr the terminal) a
# result never erases the progress line: the byte stream on the terminal
# has no erase that is not followed at once by a new line of progress, so
# the line stays up between redraws instead of blinking away.
script -qfc "$AFETCH -c 3 --per-host 3 $tmp/u.txt >$tmp/s.out" /dev/null \
  </dev/null >"$tmp/s.tty"
bare=$(grep -c $'\e\\[K\r\e\\[K' "$tmp/s.tty" || true)
assert_eq "$bare" 0 "progress erased by results written elsewhere"
grep -q "in flight" "$tmp/s.tty" || fail "no progress line under script"
assert_eq "$(wc -l <"$tmp/s.out")" 30 "result lines in the file"
pass terminal
