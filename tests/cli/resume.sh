#!/usr/bin/env bash
# --resume FILE: a run killed with SIGKILL at several points (one of them
# with its last line torn, as a kill in the middle of a write leaves it) and
# resumed each time ends with every input line's result in FILE exactly
# once, every line valid JSON, and the server saw each URL once plus once
# more for each kill it was in flight at (asked but not yet in FILE). Also:
# cancelled (SIGINT) results and --redo kinds are fetched again and
# nothing else; --shard; input on stdin; a missing FILE; refusals.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
command -v jq >/dev/null || fail "jq is needed"
af_start_server
d=$AF_TMP/resume
mkdir -p "$d"

# complete FILE: its lines that end with a newline (a torn tail left out).
complete() {
  if [[ -s $1 && $(tail -c1 "$1" | od -An -tx1 | tr -d ' \n') != 0a ]]; then
    head -n -1 "$1"
  else
    cat "$1"
  fi
}

# done_lines FILE: the line numbers with a result in FILE, sorted as text
# (for comm).
done_lines() {
  complete "$1" | jq -r .line | sort
}

# asked: the line numbers the server was asked for since the last reset
# (every URL here ends in /LINE), sorted as text.
asked() {
  af_log | awk '{print $2}' | sed 's#.*/##' | sort
}

# check_file FILE: every complete line is valid JSON and no line number is
# there twice.
check_file() {
  complete "$1" | jq -ce . >/dev/null || fail "$1: a line is not valid JSON"
  local dup
  dup=$(done_lines "$1" | uniq -d | head -3 | paste -sd' ')
  assert_eq "$dup" "" "$1: line numbers written twice"
}

# killed_run FILE WHAT N ARGS...: afetch --resume FILE ARGS... in the
# background (stdin is the caller's), SIGKILLed as soon as FILE holds N
# lines (WHAT=lines) or the server has had N requests (WHAT=requests).
killed_run() {
  local f=$1 what=$2 n=$3 pid i got=0 rc=0
  shift 3
  "$AFETCH" --resume "$f" --no-summary "$@" <&0 2>>"$d/err.txt" &
  pid=$!
  for ((i = 0; i < 2000; i++)); do
    if [[ $what == lines ]]; then
      got=$(wc -l 2>/dev/null <"$f" || echo 0)
    else
      got=$(af_stat requests_total)
    fi
    ((got >= n)) && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.005
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" || rc=$?
  assert_eq "$rc" 137 "killed by SIGKILL at $what >= $n (it had $got)"
  # Requests still arriving from the dead process are logged before the
  # log is read: the server has closed every one of its connections.
  af_wait_stat connections_current 0
}

# ---------------------------------------------------------------------------
# Five SIGKILLs, then a run to the end. Each run's requests are compared
# with what FILE held before it (nothing done is asked again) and after it
# (what was asked and is not in FILE was in flight at the kill).
N=300
in=$d/list.txt
{
  echo "# a comment and a blank line take line numbers too"
  echo
  for ((i = 3; i <= N; i++)); do echo "$AF_BASE/delay/30/$i"; done
} >"$in"
f=$d/out.jsonl
: >"$d/inflight.txt"
: >"$d/asked_all.txt"

one_round() { # WHAT N [cut]
  local before after
  done_lines "$f" >"$d/before.txt" 2>/dev/null || : >"$d/before.txt"
  af_reset
  killed_run "$f" "$1" "$2" -c 6 --per-host 6 "$in"
  if [[ ${3:-} == cut ]]; then
    # A kill in the middle of a write leaves part of a line: cut the last
    # line written in half.
    local last size
    last=$(tail -n 1 "$f" | wc -c)
    size=$(stat -c %s "$f")
    truncate -s $((size - last / 2)) "$f"
    [[ $(tail -c1 "$f" | od -An -tx1 | tr -d ' \n') != 0a ]] ||
      fail "the cut left a whole line"
  fi
  check_file "$f"
  asked >"$d/asked.txt"
  cat "$d/asked.txt" >>"$d/asked_all.txt"
  before=$(comm -12 "$d/before.txt" "$d/asked.txt" | head -3 | paste -sd' ')
  assert_eq "$before" "" "lines done before the run were fetched again"
  done_lines "$f" >"$d/after.txt"
  comm -23 "$d/asked.txt" "$d/after.txt" >"$d/round.txt"
  cat "$d/round.txt" >>"$d/inflight.txt"
  echo "kill at $1 >= $2${3:+ ($3)}: $(wc -l <"$d/after.txt") lines in FILE," \
    "$(wc -l <"$d/asked.txt") asked, $(wc -l <"$d/round.txt") in flight"
  # At most the -c 6 transfers (these small pages are parsed as they
  # arrive) and the torn line: a kill loses no result already written.
  assert_le "$(wc -l <"$d/round.txt")" 7 "in flight at the kill"
}
one_round requests 1        # killed before the first result was written
one_round lines 1           # after the first
one_round lines 60
one_round lines 150 cut     # a torn last line
one_round lines 230
rounds_inflight=$(wc -l <"$d/inflight.txt")
assert_ge "$rounds_inflight" 5 "some URLs were in flight at the kills"

done_lines "$f" >"$d/before.txt"
af_reset
"$AFETCH" --resume "$f" -c 6 --per-host 6 "$in" 2>"$d/last.err" ||
  fail "the last run failed: $(cat "$d/last.err")"
asked >"$d/asked.txt"
cat "$d/asked.txt" >>"$d/asked_all.txt"
assert_eq "$(comm -12 "$d/before.txt" "$d/asked.txt" | wc -l)" 0 \
  "the last run fetched done lines again"
grep -q "resumed: $(wc -l <"$d/before.txt") lines already done in $f" \
  "$d/last.err" || fail "summary: $(cat "$d/last.err")"

check_file "$f"
assert_eq "$(wc -l <"$f")" $((N - 2)) "one result per URL line"
assert_eq "$(done_lines "$f" | sort -n | paste -sd' ')" "$(seq -s' ' 3 "$N")" \
  "each line number once"
assert_eq "$(jq -r 'select(.status != 200) | .line' "$f" | head -3)" "" \
  "every result an answer"
# Each URL was asked once, plus once for every kill that caught it in
# flight: nothing more, nothing less.
assert_eq "$(sort -n "$d/asked_all.txt" | uniq -c | md5sum)" \
  "$({ seq 3 "$N"; cat "$d/inflight.txt"; } | sort -n | uniq -c | md5sum)" \
  "requests per URL = 1 + the kills it was in flight at"

# Once complete, a resume asks for nothing and appends nothing.
af_reset
cp "$f" "$d/full.jsonl"
"$AFETCH" --resume "$f" "$in" 2>"$d/noop.err"
assert_eq "$(af_stat requests_total)" 0 "a complete file: no request"
cmp -s "$f" "$d/full.jsonl" || fail "a complete file changed"
grep -q "resumed: $((N - 2)) lines already done" "$d/noop.err" ||
  fail "summary: $(cat "$d/noop.err")"

# One write(2) per result, each a whole line: a SIGKILL between two writes
# leaves whole lines, and one during a write at most that line torn.
if command -v strace >/dev/null &&
  strace -f -qq -o /dev/null true 2>/dev/null; then
  for i in $(seq 20); do echo "$AF_BASE/page/$i"; done >"$d/w.txt"
  # LeakSanitizer cannot stop the threads of a traced process: no leak
  # check in this one run.
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    strace -f -qq -e trace=write -o "$d/strace.txt" \
    "$AFETCH" --resume "$d/w.jsonl" "$d/w.txt" 2>/dev/null
  writes=$(grep -cE '^[0-9]+ +write\(1, "\{\\"line\\":' "$d/strace.txt" || true)
  assert_eq "$writes" 20 "write(2)s of result lines"
  assert_eq "$(grep -cE '^[0-9]+ +write\(1,' "$d/strace.txt")" 20 \
    "write(2)s to the file"
  assert_eq "$(grep -E '^[0-9]+ +write\(1,' "$d/strace.txt" |
    awk '{n += $NF} END {print n}')" "$(stat -c %s "$d/w.jsonl")" \
    "the writes are the file"
else
  echo "note: no usable strace, the writes per line are not counted"
fi

# ---------------------------------------------------------------------------
# SIGINT: the cancelled results are fetched again, and only they. Lines
# 1-10 answer at once, 11-14 take 30 s.
in2=$d/cancel.txt
{
  for i in $(seq 10); do echo "$AF_BASE/page/$i"; done
  for i in $(seq 11 14); do echo "$AF_BASE/delay/30000/$i"; done
} >"$in2"
f2=$d/cancel.jsonl
af_reset
"$AFETCH" --resume "$f2" -c 20 --per-host 20 "$in2" 2>"$d/int.err" &
pid=$!
for ((i = 0; i < 1000; i++)); do
  [[ $(wc -l 2>/dev/null <"$f2" || echo 0) == 10 &&
    $(af_stat inflight_current) == 4 ]] && break
  sleep 0.01
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 130 "exit status after SIGINT"
assert_eq "$(jq -r 'select(.error_kind == "cancelled") | .line' "$f2" |
  sort -n | paste -sd' ')" "11 12 13 14" "the slow ones cancelled"
af_wait_stat connections_current 0

af_reset
rc=0
"$AFETCH" --resume "$f2" --timeout 0.3 "$in2" 2>"$d/re.err" || rc=$?
assert_eq "$rc" 1 "timeouts are failures"
assert_eq "$(asked | paste -sd' ')" "11 12 13 14" \
  "only the cancelled asked again"
grep -q "resumed: 10 lines already done in $f2, 4 results to fetch again" \
  "$d/re.err" || fail "summary: $(cat "$d/re.err")"
check_file "$f2"
assert_eq "$(done_lines "$f2" | sort -n | paste -sd' ')" "$(seq -s' ' 14)" \
  "14 lines once"
assert_eq "$(jq -r .error_kind "$f2" | sort | uniq -c | awk '{print $2 "=" $1}' |
  paste -sd' ')" "null=10 timeout=4" "the cancelled became timeouts"

# Without --redo a timeout is done; --redo dns,timeout fetches it again.
af_wait_stat connections_current 0
af_reset
"$AFETCH" --resume "$f2" --timeout 0.3 "$in2" 2>/dev/null || true
assert_eq "$(af_stat requests_total)" 0 "a timeout is done without --redo"
"$AFETCH" --resume "$f2" --redo connect "$in2" 2>/dev/null || true
assert_eq "$(af_stat requests_total)" 0 "--redo of a kind not there: nothing"
rc=0
"$AFETCH" --resume "$f2" --redo dns,timeout --timeout 0.3 "$in2" \
  2>/dev/null || rc=$?
assert_eq "$rc" 1 "the timeouts again"
assert_eq "$(asked | paste -sd' ')" "11 12 13 14" "--redo timeout asked them again"
check_file "$f2"
assert_eq "$(wc -l <"$f2")" 14 "still 14 lines"
af_wait_stat connections_current 0

# ---------------------------------------------------------------------------
# --shard: line numbers are the whole input's; each shard's file completes
# to exactly the lines a fresh run of that shard gives.
in3=$d/shard.txt
for i in $(seq 200); do
  echo "http://h$((i % 13)).localhost:$AF_PORT/delay/20/$i"
done >"$in3"
for k in 1 2; do
  # The reference: a fresh run of the shard, on a list of instant pages.
  sed 's#/delay/20/#/page/#' "$in3" >"$d/shard_ref.txt"
  "$AFETCH" --json --no-summary --shard "$k/2" "$d/shard_ref.txt" |
    jq -r .line | sort >"$d/ref.$k"
  f3=$d/shard.$k.jsonl
  af_reset
  killed_run "$f3" lines 30 -c 4 --per-host 4 --shard "$k/2" "$in3"
  check_file "$f3"
  done_lines "$f3" >"$d/before.txt"
  af_reset
  "$AFETCH" --resume "$f3" -c 4 --per-host 4 --shard "$k/2" "$in3" 2>/dev/null
  assert_eq "$(comm -12 "$d/before.txt" <(asked) | wc -l)" 0 \
    "shard $k: done lines asked again"
  check_file "$f3"
  cmp -s <(done_lines "$f3") "$d/ref.$k" ||
    fail "shard $k: the lines differ from a fresh run's"
done
assert_eq "$(cat "$d/ref.1" "$d/ref.2" | sort -n | paste -sd' ')" \
  "$(seq -s' ' 200)" "the shards cover the list"

# ---------------------------------------------------------------------------
# Input on stdin (a pipe, then a redirected file): same line numbers.
f4=$d/stdin.jsonl
af_reset
cat "$in" | killed_run "$f4" lines 40 -c 6 --per-host 6
done_lines "$f4" >"$d/before.txt"
af_reset
"$AFETCH" --resume "$f4" -c 6 --per-host 6 --no-summary <"$in"
assert_eq "$(comm -12 "$d/before.txt" <(asked) | wc -l)" 0 \
  "stdin: done lines asked again"
check_file "$f4"
assert_eq "$(done_lines "$f4" | sort -n | paste -sd' ')" "$(seq -s' ' 3 "$N")" \
  "stdin: each line once"

# ---------------------------------------------------------------------------
# A missing FILE is a fresh run that creates it; -q still writes it; -o may
# name FILE itself and nothing else.
printf '%s\n' "$AF_BASE/page/a" "$AF_BASE/page/b" >"$d/two.txt"
"$AFETCH" --resume "$d/new.jsonl" -q "$d/two.txt" 2>/dev/null
assert_eq "$(jq -r .line "$d/new.jsonl" | sort | paste -sd' ')" "1 2" \
  "a missing file is created, -q or not"
"$AFETCH" --resume "$d/new.jsonl" -o "$d/new.jsonl" "$d/two.txt" 2>/dev/null
assert_eq "$(wc -l <"$d/new.jsonl")" 2 "-o FILE itself"

refused() { # WHAT ARGS...: exit 2, message containing WHAT
  local what=$1 rc=0
  shift
  "$AFETCH" "$@" >"$d/ref.out" 2>"$d/ref.err" || rc=$?
  assert_eq "$rc" 2 "exit status of $*"
  grep -qF -- "$what" "$d/ref.err" || fail "$*: $(cat "$d/ref.err")"
}
af_reset
refused "appends the results to its own FILE" --resume "$d/new.jsonl" \
  -o "$d/other.jsonl" "$d/two.txt"
[[ ! -e $d/other.jsonl ]] || fail "-o file created"
refused "unknown error kind 'bogus'" --resume "$d/new.jsonl" --redo dns,bogus \
  "$d/two.txt"
refused "--redo needs --resume" --redo dns "$d/two.txt"
refused "exclude each other" --resume "$d/new.jsonl" --compare "$d/two.txt"
refused "No such file or directory" --resume "$d/nodir/x.jsonl" "$d/two.txt"
[[ ! -e $d/nodir ]] || fail "a directory was created"
refused "is also an input" --resume "$d/two.txt" "$d/two.txt"
# A file that is not afetch's output is left alone.
cp "$d/two.txt" "$d/list_copy.txt"
refused "line 1 is not an afetch JSON result" --resume "$d/list_copy.txt" \
  "$d/two.txt"
cmp -s "$d/two.txt" "$d/list_copy.txt" || fail "a foreign file was changed"
assert_eq "$(af_stat requests_total)" 0 "no request from a refused run"

pass
