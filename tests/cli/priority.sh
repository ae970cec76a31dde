#!/usr/bin/env bash
# The CLI's parser threads step back (nice 10) so the network loop runs
# first; the loop thread keeps its priority, and a process started with a
# higher nice is never raised above it. Read from /proc while afetch runs.
set -euo pipefail
source "${AF_SRC:?AF_SRC must point to the repo root}/tests/cli/lib.sh"

af_start_server

# nice of every thread of PID as "TID NICE" lines (field 19 of stat; the
# command name is in parentheses and is skipped first).
thread_nices() {
  local t
  for t in /proc/"$1"/task/*; do
    [ -r "$t/stat" ] || continue
    sed 's/^.*) //' "$t/stat" 2>/dev/null |
      awk -v tid="${t##*/}" '{ print tid, $17 }' || true
  done
}

# A page over 512 bytes goes to a pool thread; the slow one keeps the
# process alive (3 s) while /proc is read.
printf '%s\n' "$AF_BASE/deep/1000" "$AF_BASE/delay/3000/slow" >"$AF_TMP/u.txt"

# Runs afetch under "nice -n $1" and prints the nice values seen: the loop
# thread's, then the highest and the lowest among the others, once one of
# them has changed (or the run ended).
observe() {
  nice -n "$1" "$AFETCH" --no-summary -q "$AF_TMP/u.txt" &
  local pid=$! main="" other="" low="" seen
  # Bounded by the process: the loop ends when afetch does. What was seen
  # last while it lived is kept (the final read may find it gone).
  while kill -0 "$pid" 2>/dev/null; do
    # "LOOP HIGHEST LOWEST", once the loop thread and another are both seen.
    seen=$(thread_nices "$pid" | awk -v p="$pid" '
      $1 == p { m = $2; next }
      { if (!n++ || $2 > hi) hi = $2; if (n == 1 || $2 < lo) lo = $2 }
      END { if (m != "" && n) print m, hi, lo }')
    if [ -n "$seen" ]; then
      read -r main other low <<<"$seen"
      # The first page is parsed long before the slow one ends.
      [ "$other" != "$1" ] || [ "$low" != "$1" ] && break
    fi
    sleep 0.05
  done
  wait "$pid" || true
  echo "$main $other $low"
}

read -r main other low < <(observe 0)
assert_eq "$main" 0 "the loop thread keeps nice 0"
assert_eq "$other" 10 "a parser thread stepped back to nice 10"
[ "$(af_stat requests_total)" -ge 1 ] || fail "the server saw no request"

# Started at nice 15: the parser threads are never raised to 10 (as root,
# setpriority could do it).
read -r main other low < <(observe 15)
assert_eq "$main" 15 "the loop thread keeps the nice it was started with"
assert_eq "$low $other" "15 15" "no thread raised above the process's nice"

pass
