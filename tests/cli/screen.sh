#!/usr/bin/env bash
# What the screen says: the summary names 2xx/3xx "ok" apart from HTTP
# 4xx/5xx and failures, with plurals right; an output error is not called an
# interruption; an explicit --progress wins over -q; text lines show where a
# redirect ended, the retries spent and [truncated]; error texts say
# "connection refused", "connection reset by peer" and "redirect loop";
# every JSON line carries "run"; the limit that held a run back is named
# with its flag; after Ctrl-C the summary says what was done and cancelled.
# (The live terminal is tests/cli/terminal.sh.)
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")
# A port nobody listens on: a second server's, after it stopped.
af_start_server
closed=$AF_PORT2
af_stop_server 2

# --- Summary: ok, HTTP 4xx, HTTP 5xx, failed -------------------------------
printf '%s\n' "$AF_BASE/page/a" "$AF_BASE/page/b" "$AF_BASE/redirect/1" \
  "$AF_BASE/status/404" "$AF_BASE/status/410" "$AF_BASE/status/503" \
  "http://127.0.0.1:$closed/refused" "not a url" >"$tmp/mix.txt"
set +e
"$AFETCH" "$tmp/mix.txt" >"$tmp/mix.out" 2>"$tmp/mix.err"
rc=$?
set -e
assert_eq "$rc" 1 "exit status with failures"
sum=$(head -1 "$tmp/mix.err")
assert_eq "$sum" "$(grep '^concurrent: ' "$tmp/mix.err")" "one summary line"
[[ $sum == "concurrent: 8 URLs, 3 ok, 2 HTTP 4xx, 1 HTTP 5xx, 2 failed in "* ]] ||
  fail "summary counts: $sum"
# The server answered the six fetchable URLs (seven requests: one redirect).
assert_eq "$(af_stat .requests_total)" 7 "requests the server saw"
# Zero counts of a kind are left out, but ok and failed always show.
af_reset
echo "$AF_BASE/page/one" >"$tmp/one.txt"
"$AFETCH" "$tmp/one.txt" >/dev/null 2>"$tmp/one.err"
grep -q "^concurrent: 1 URL, 1 ok, 0 failed in " "$tmp/one.err" ||
  fail "one URL: $(cat "$tmp/one.err")"
grep -Eq "HTTP|URLs" "$tmp/one.err" && fail "one URL: $(cat "$tmp/one.err")"
assert_eq "$(af_stat .requests_total)" 1 "one request"

# --- Output error: a full disk is not an interruption -----------------------
for i in $(seq 200); do echo "$AF_BASE/page/full$i"; done >"$tmp/full.txt"
for mode in "" --json; do
  set +e
  # shellcheck disable=SC2086
  "$AFETCH" $mode "$tmp/full.txt" >/dev/full 2>"$tmp/full.err"
  rc=$?
  set -e
  assert_eq "$rc" 1 "exit status on a full disk ($mode)"
  grep -qi "interrupted" "$tmp/full.err" &&
    fail "full disk called an interruption: $(cat "$tmp/full.err")"
  grep -q "^stopped: error writing output: No space left on device" \
    "$tmp/full.err" || fail "summary on a full disk: $(cat "$tmp/full.err")"
  grep -q "^afetch: error writing output: No space left on device$" \
    "$tmp/full.err" || fail "error on a full disk: $(cat "$tmp/full.err")"
done

# --- -q --progress: the explicit --progress wins, -q still hides results ----
for i in $(seq 6); do echo "$AF_BASE/delay/300/q$i"; done >"$tmp/q.txt"
"$AFETCH" -q --progress -c 2 --per-host 2 "$tmp/q.txt" >"$tmp/q.out" \
  2>"$tmp/q.err"
[ ! -s "$tmp/q.out" ] || fail "-q printed results: $(cat "$tmp/q.out")"
grep -Eq '[0-9]+/6 done' "$tmp/q.err" ||
  fail "-q --progress shows no progress: $(cat -v "$tmp/q.err")"
grep -q $'\e\\[Kconcurrent: 6 URLs, 6 ok, 0 failed' "$tmp/q.err" ||
  fail "-q --progress summary: $(cat -v "$tmp/q.err")"
"$AFETCH" -q -c 2 --per-host 2 "$tmp/q.txt" >/dev/null 2>"$tmp/q2.err"
grep -q "done" "$tmp/q2.err" && fail "-q alone shows progress in a pipe"

# --- Text lines: redirect end, retries, [truncated] -------------------------
af_reset
printf '%s\n' "$AF_BASE/redirect/3" "$AF_BASE/flaky/2/r2" \
  "$AF_BASE/flaky/1/r1" "$AF_BASE/bytes/100000" "$AF_BASE/text" \
  "$AF_BASE/page/plain" >"$tmp/t.txt"
"$AFETCH" --no-summary --retries 3 --max-size 1000 "$tmp/t.txt" \
  >"$tmp/t.out" 2>"$tmp/t.err"
line() { grep -F "  $1" "$tmp/t.out" || fail "no line for $1: $(cat "$tmp/t.out")"; }
l=$(line "$AF_BASE/redirect/3")
[[ $l == *" $AF_BASE/redirect/3 -> $AF_BASE/redirect/0  Redirected" ]] ||
  fail "redirect end: $l"
l=$(line "$AF_BASE/flaky/2/r2")
[[ $l == "200 "*"  Flaky r2 ok (2 retries)" ]] || fail "retries: $l"
l=$(line "$AF_BASE/flaky/1/r1")
[[ $l == *" (1 retry)" ]] || fail "one retry: $l"
l=$(line "$AF_BASE/bytes/100000")
[[ $l == *"  [application/octet-stream] [truncated]" ]] ||
  fail "non-HTML truncated: $l"
l=$(line "$AF_BASE/text")
[[ $l == *"  [text/plain]" ]] || fail "a whole body is not truncated: $l"
l=$(line "$AF_BASE/page/plain")
[[ $l == *"/page/plain  Page /page/plain" ]] ||
  fail "no redirect, no retry, nothing added: $l"
# What the server saw: three attempts for flaky/2, two for flaky/1, and the
# chain of four requests.
assert_eq "$(af_log | grep -c ' /flaky/2/r2$')" 3 "attempts at flaky/2"
assert_eq "$(af_log | grep -c ' /flaky/1/r1$')" 2 "attempts at flaky/1"
assert_eq "$(af_log | grep -c ' /redirect/[0-3]$')" 4 "redirect chain"

# --- Error texts --------------------------------------------------------------
af_reset
printf '%s\n' "http://127.0.0.1:$closed/x" "$AF_BASE/reset" "$AF_BASE/loop" \
  "$AF_BASE/redirect-to?url=/loop" "$AF_BASE/redirect/11" >"$tmp/e.txt"
set +e
"$AFETCH" --no-summary "$tmp/e.txt" >"$tmp/e.out" 2>"$tmp/e.err"
set -e
errl() { grep -F "  $1  " "$tmp/e.out" || fail "no line for $1: $(cat "$tmp/e.out")"; }
l=$(errl "http://127.0.0.1:$closed/x")
[[ $l == *"  connect: connection refused by 127.0.0.1 port $closed" ]] ||
  fail "refused: $l"
l=$(errl "$AF_BASE/reset")
[[ $l == *"  recv: connection reset by peer during the response" ]] ||
  fail "reset: $l"
l=$(errl "$AF_BASE/loop")
[[ $l == *"  redirects: redirect loop: the chain comes back to $AF_BASE/loop (stopped after 10 redirects)" ]] ||
  fail "loop: $l"
l=$(errl "$AF_BASE/redirect-to?url=/loop")
[[ $l == *"  redirects: redirect loop: the chain comes back to $AF_BASE/loop "* ]] ||
  fail "loop after a redirect: $l"
l=$(errl "$AF_BASE/redirect/11")
[[ $l == *"  redirects: more than 10 redirects (stopped before $AF_BASE/redirect/0)" ]] ||
  fail "long chain: $l"
# The long chain was followed to the limit: /redirect/11 down to /redirect/1.
assert_eq "$(af_log | grep -c ' /redirect/[0-9]*$')" 11 "requests of the chain"
assert_eq "$(af_log | grep -c ' /redirect/0$')" 0 "the 11th redirect not followed"

# --- Summary: the limit that held the run back -------------------------------
# 40 pages of 300 ms on one host: the default --per-host 6 starts 6, the
# other 34 wait for a slot.
for i in $(seq 40); do echo "$AF_BASE/delay/300/h$i"; done >"$tmp/h.txt"
af_reset
"$AFETCH" "$tmp/h.txt" >/dev/null 2>"$tmp/h.err"
assert_eq "$(af_host_stat inflight_max)" 6 "server: in flight at most"
grep -Eq "^  --per-host 6 held back 34 URLs for [0-9.]+ s in all \([0-9.]+ s each\): use --per-host N to allow more$" \
  "$tmp/h.err" || fail "per-host limit line: $(cat "$tmp/h.err")"
assert_eq "$(grep -c 'held back' "$tmp/h.err")" 1 "one limit line"
# -c 3 (below --per-host): the global cap is the one to name.
af_reset
head -12 "$tmp/h.txt" >"$tmp/h12.txt"
"$AFETCH" -c 3 --per-host 10 "$tmp/h12.txt" >/dev/null 2>"$tmp/c.err"
assert_eq "$(af_host_stat inflight_max)" 3 "server: in flight at most with -c 3"
grep -Eq "^  -c 3 held back 9 URLs for [0-9.]+ s in all \([0-9.]+ s each\): use -c N to allow more$" \
  "$tmp/c.err" || fail "concurrency limit line: $(cat "$tmp/c.err")"
# --rate 20: 20 pages spaced 50 ms apart, 9.5 s of waiting in all.
head -20 "$tmp/full.txt" >"$tmp/r.txt"
"$AFETCH" --rate 20 "$tmp/r.txt" >/dev/null 2>"$tmp/r.err"
grep -Eq "^  --rate 20 held back 19 URLs for [0-9.]+ s in all \([0-9.]+ s each\): use --rate N to allow more$" \
  "$tmp/r.err" || fail "rate limit line: $(cat "$tmp/r.err")"
# Enough room: no line. A wait of 0.3 s in all is not worth one either, and
# a sequential run (6.3 s of waiting here) is one at a time on purpose.
af_reset
"$AFETCH" --per-host 50 "$tmp/h.txt" >/dev/null 2>"$tmp/n.err"
assert_eq "$(af_host_stat inflight_max)" 40 "server: all 40 at once"
head -7 "$tmp/h.txt" >"$tmp/h7.txt"
"$AFETCH" "$tmp/h7.txt" >/dev/null 2>>"$tmp/n.err"
"$AFETCH" --sequential "$tmp/h7.txt" >/dev/null 2>>"$tmp/n.err"
grep -q "held back" "$tmp/n.err" && fail "limit line without a wait: $(cat "$tmp/n.err")"

# --- Summary after Ctrl-C: done, cancelled, input not fully read ------------
# Twenty quick pages and five of 20 s, read from a pipe that stays open
# (the FIFO is held by this shell), so input is left unread.
af_reset
mkfifo "$tmp/in"
exec 3<>"$tmp/in"
head -20 "$tmp/full.txt" >"$tmp/int.txt"
for i in $(seq 5); do echo "$AF_BASE/delay/20000/int$i"; done >>"$tmp/int.txt"
cat "$tmp/int.txt" >&3
"$AFETCH" -c 10 --per-host 10 <"$tmp/in" >"$tmp/int.out" 2>"$tmp/int.err" &
pid=$!
for _ in $(seq 1000); do
  [ "$(af_stat .inflight_current)" = 5 ] && [ "$(grep -c '^200 ' "$tmp/int.out")" = 20 ] && break
  sleep 0.01
done
assert_eq "$(af_stat .inflight_current)" 5 "slow pages in flight before SIGINT"
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
exec 3>&-
assert_eq "$rc" 130 "exit status after SIGINT"
grep -q "^concurrent: 25 URLs, 20 ok, 0 failed, 5 cancelled in " "$tmp/int.err" ||
  fail "interrupted summary: $(cat "$tmp/int.err")"
grep -q "^interrupted: 20 done, 5 cancelled, input not fully read$" \
  "$tmp/int.err" || fail "interrupted line: $(cat "$tmp/int.err")"
grep -q "^speedup" "$tmp/int.err" && fail "speedup after an interruption"

# --- JSON: every line carries run ---------------------------------------------
for i in $(seq 5); do echo "$AF_BASE/page/j$i"; done >"$tmp/j.txt"
"$AFETCH" --json --compare "$tmp/j.txt" >"$tmp/j.out" 2>/dev/null
assert_eq "$(jq -s '[.[] | select(.run == 0)] | length' "$tmp/j.out")" 5 \
  "first run's lines with run 0"
assert_eq "$(jq -s '[.[] | select(.run == 1)] | length' "$tmp/j.out")" 5 \
  "second run's lines with run 1"
"$AFETCH" --json "$tmp/j.txt" >"$tmp/j1.out" 2>/dev/null
assert_eq "$(jq -s 'map(.run) | unique' -c "$tmp/j1.out")" "[0]" \
  "run 0 without --compare"
pass screen
