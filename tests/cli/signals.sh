#!/usr/bin/env bash
# SIGINT stops the transfers, gives every URL read a result (cancelled if
# it had not finished), prints the partial summary and exits 130; a reader
# that goes away (| head -1) ends afetch promptly and quietly.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")

# Bytes the server sent on connections to it that their client has not
# read yet. On loopback what the server wrote is in afetch's receive queue
# at once, so once the server has answered, 0 means afetch has read the
# answers, and a response read is a transfer done in the same callback.
unread_bytes() {
  local port rem q n=0
  port=$(printf ':%04X' "$AF_PORT")
  while read -r _ _ rem _ q _; do
    [[ $rem == *"$port" ]] || continue
    n=$((n + 16#${q#*:}))
  done < <(tail -n +2 /proc/net/tcp)
  echo "$n"
}

# Polls (5 s at most) until the server has had $1 requests, $2 of them
# still open, and afetch has read every answer.
wait_served() {
  for _ in $(seq 500); do
    [ "$(af_stat .requests_total)" = "$1" ] &&
      [ "$(af_stat .inflight_current)" = "$2" ] &&
      [ "$(unread_bytes)" = 0 ] && return 0
    sleep 0.01
  done
  fail "server saw $(af_stat .requests_total) requests," \
    "$(af_stat .inflight_current) open, $(unread_bytes) bytes unread"
}

# stopped_run NAME REQUESTS OPEN ARGS...: afetch --json ARGS in the
# background (stdin is the caller's), SIGINT once the server has had
# REQUESTS requests with OPEN of them still open and afetch has read every
# answer; then exit status 130. Output in $tmp/NAME.out and NAME.err.
stopped_run() {
  local name=$1 reqs=$2 open=$3 pid rc
  shift 3
  "$AFETCH" --json "$@" <&0 >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pid=$!
  wait_served "$reqs" "$open"
  kill -INT "$pid"
  set +e
  wait "$pid"
  rc=$?
  set -e
  assert_eq "$rc" 130 "exit status after SIGINT ($name)"
}

# expect_lines NAME N [sorted]: $tmp/NAME.out has one line for each of
# input lines 1..N, in input order unless "sorted" (completion order).
expect_lines() {
  local sort=cat
  [ "${3:-}" = sorted ] && sort="sort -n"
  assert_eq "$(wc -l <"$tmp/$1.out")" "$2" "a line per URL read ($1)"
  assert_eq "$(jq -r .line "$tmp/$1.out" | $sort | paste -sd' ')" \
    "$(seq -s' ' "$2")" "each line once ($1)"
}

# expect_summary NAME TEXT: the summary's last line ends with TEXT.
expect_summary() {
  assert_eq "$(tail -1 "$tmp/$1.err")" "$2" "summary ($1)"
}

for i in $(seq 10); do echo "$AF_BASE/delay/20000/$i"; done >"$tmp/slow.txt"
"$AFETCH" -c 10 --per-host 10 "$tmp/slow.txt" >"$tmp/out.txt" \
  2>"$tmp/err.txt" &
pid=$!
# Wait (bounded) until the server has all ten in flight.
for _ in $(seq 500); do
  [ "$(af_stat .inflight_current)" = 10 ] && break
  sleep 0.01
done
assert_eq "$(af_stat .inflight_current)" 10 "ten in flight before SIGINT"
start=$(date +%s%N)
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
ms=$((($(date +%s%N) - start) / 1000000))
assert_eq "$rc" 130 "exit status after SIGINT"
assert_le "$ms" 2000 "SIGINT handled promptly (ms)"
grep -q "interrupted" "$tmp/err.txt" || fail "partial summary: $(cat "$tmp/err.txt")"
# The server saw the connections go away.
for _ in $(seq 500); do
  [ "$(af_stat .connections_current)" = 0 ] && break
  sleep 0.01
done
assert_eq "$(af_stat .connections_current)" 0 "connections closed"
# Every URL read has its line: all ten were in flight, so all cancelled.
assert_eq "$(wc -l <"$tmp/out.txt")" 10 "a line per URL in flight"
assert_eq "$(grep -c 'cancelled: the run was interrupted' "$tmp/out.txt")" 10 \
  "the in-flight ones are cancelled"
grep -q "interrupted: 0 done, 10 cancelled" "$tmp/err.txt" ||
  fail "summary: $(cat "$tmp/err.txt")"

# --order input and a slow first URL: the 20 pages finished behind it are
# not thrown away. They come out in input order after it, it is cancelled.
af_reset
{
  echo "$AF_BASE/delay/30000/first"
  for i in $(seq 20); do echo "$AF_BASE/page/after-$i"; done
} >"$tmp/oi.txt"
stopped_run oi 21 1 --order input "$tmp/oi.txt"
expect_lines oi 21
assert_eq "$(head -1 "$tmp/oi.out" | jq -r .error_kind)" cancelled \
  "the slow first URL"
assert_eq "$(tail -n +2 "$tmp/oi.out" | jq -r .status | sort -u)" 200 \
  "the 20 finished pages"
expect_summary oi "interrupted: 20 done, 1 cancelled"

# Completion order, input from a pipe that stays open (a slow producer):
# 10 in flight, 20 read and queued. Each of the 30 gets a line, and the
# summary says the input was not read to its end.
af_reset
mkfifo "$tmp/in"
exec 4<>"$tmp/in"
for i in $(seq 30); do echo "$AF_BASE/delay/30000/q$i"; done >&4
stopped_run q 10 10 -c 10 --per-host 10 <"$tmp/in"
exec 4>&-
expect_lines q 30 sorted
assert_eq "$(jq -r .error_kind "$tmp/q.out" | sort | uniq -c | xargs)" \
  "30 cancelled" "in flight and queued: cancelled"
expect_summary q "interrupted: 0 done, 30 cancelled, input not fully read"

# A URL waiting for its retry (503 with Retry-After: 1) is cancelled too.
af_reset
echo "$AF_BASE/status/503" >"$tmp/r.txt"
stopped_run r 1 0 --retries 3 "$tmp/r.txt"
assert_eq "$(jq -r .error_kind "$tmp/r.out")" cancelled "retry wait cancelled"

# --compare stopped in its first run: the second does not start.
af_reset
for i in $(seq 5); do echo "$AF_BASE/delay/30000/c$i"; done >"$tmp/c.txt"
stopped_run c 1 1 --compare "$tmp/c.txt"
assert_eq "$(jq -r .run "$tmp/c.out" | sort -u)" 0 "only the first run"
expect_lines c 5
assert_eq "$(af_stat .requests_total)" 1 "no request after the stop"
if grep -q "concurrent" "$tmp/c.err"; then
  fail "the second run started: $(cat "$tmp/c.err")"
fi

# A second SIGINT exits at once, even when the orderly stop cannot finish:
# here stdout is a pipe whose reader never reads (the FIFO is held open by
# this shell), so afetch blocks in write() and only _exit can end it.
mkfifo "$tmp/fifo"
exec 3<>"$tmp/fifo"
for i in $(seq 3000); do echo "$AF_BASE/page/blocked-$i"; done >"$tmp/blk.txt"
"$AFETCH" -c 20 --per-host 20 "$tmp/blk.txt" >"$tmp/fifo" 2>"$tmp/err4.txt" &
bpid=$!
for _ in $(seq 1000); do
  [[ $(cat "/proc/$bpid/wchan" 2>/dev/null) == *pipe_write ]] && break
  sleep 0.01
done
[[ $(cat "/proc/$bpid/wchan" 2>/dev/null) == *pipe_write ]] ||
  fail "not blocked on stdout: $(cat "/proc/$bpid/wchan")"
kill -INT "$bpid"
# Signals do not queue: wait (bounded) until the first one was delivered,
# i.e. SIGINT (bit 2) is no longer in the process's pending set.
for _ in $(seq 300); do
  pnd=$(sed -n 's/^ShdPnd:[[:space:]]*//p' "/proc/$bpid/status")
  (((16#$pnd & 2) == 0)) && break
  sleep 0.01
done
[[ $(cat "/proc/$bpid/wchan" 2>/dev/null) == *pipe_write ]] ||
  fail "the first SIGINT did not leave it blocked on stdout"
kill -INT "$bpid"
for _ in $(seq 300); do
  kill -0 "$bpid" 2>/dev/null || break
  sleep 0.01
done
if kill -0 "$bpid" 2>/dev/null; then
  kill -KILL "$bpid"
  fail "still running 3 s after a second SIGINT"
fi
set +e
wait "$bpid"
rc=$?
set -e
exec 3<&-
assert_eq "$rc" 130 "exit status after a second SIGINT"

# | head -1: quiet and prompt, long before 2000 URLs of 50 ms are done.
for i in $(seq 2000); do echo "$AF_BASE/delay/50/$i"; done >"$tmp/many.txt"
start=$(date +%s%N)
set +e
"$AFETCH" -c 10 "$tmp/many.txt" 2>"$tmp/err2.txt" | head -1 >"$tmp/one.txt"
rc=${PIPESTATUS[0]}
set -e
assert_eq "$rc" 141 "exit status when the reader went away"
ms=$((($(date +%s%N) - start) / 1000000))
assert_eq "$(wc -l <"$tmp/one.txt")" 1 "head got its line"
[ ! -s "$tmp/err2.txt" ] || fail "noise on stderr: $(cat "$tmp/err2.txt")"
assert_le "$ms" 3000 "ended promptly after head exited (ms)"

# A full disk: a clear error and a non-zero exit.
if [ -w /dev/full ]; then
  set +e
  "$AFETCH" "$tmp/many.txt" -c 50 --per-host 50 >/dev/full 2>"$tmp/err3.txt"
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || fail "exit 0 writing to /dev/full"
  grep -q "No space left" "$tmp/err3.txt" || fail "message: $(cat "$tmp/err3.txt")"
fi
pass signals
