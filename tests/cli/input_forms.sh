#!/usr/bin/env bash
# Lists compressed with gzip are read decompressed, whatever the source: a
# .gz file, gzip bytes on a pipe or redirected from a file, members
# concatenated (cat a.gz b.gz), a member arriving while the first one's
# URLs are being fetched. A corrupt stream ends that input with an error
# and keeps every result already read; a gzip bomb costs no more memory
# than a short list. Lines that are quoted or hold a tab say so.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")

# A list of 40 URLs with a comment, a blank line and an invalid line in it.
{
  echo "# gzip'd list"
  for i in $(seq 20); do echo "$AF_BASE/page/gz$i"; done
  echo
  echo "not a url"
  for i in $(seq 21 40); do echo "$AF_BASE/page/gz$i"; done
} >"$tmp/list.txt"
gzip -c "$tmp/list.txt" >"$tmp/list.txt.gz"

# check_run OUT: 41 results (40 URLs and the invalid line), each at its
# line number with the URL that line holds, and the server saw exactly the
# 40 requests.
check_run() {
  local out=$1 what=$2
  assert_eq "$(jq -s length "$out")" 41 "$what: one result per line"
  local want got
  want=$(awk 'NF && !/^#/ { print NR " " $0 }' "$tmp/list.txt")
  got=$(jq -r '"\(.line) \(.url)"' "$out" | sort -n)
  assert_eq "$got" "$want" "$what: line numbers and URLs"
  assert_eq "$(jq -s '[.[] | select(.status == 200)] | length' "$out")" 40 \
    "$what: URLs fetched"
  assert_eq "$(jq -r 'select(.line == 23) | .error_kind' "$out")" invalid_url \
    "$what: the invalid line"
  assert_eq "$(af_stat requests_total)" 40 "$what: requests the server saw"
  assert_eq "$(af_log | grep -c ' /page/gz')" 40 "$what: the server's log"
}

# fetch OUT ARGS...: afetch --json ARGS > OUT, whose exit status must be 1
# (the list has an invalid line, every other URL succeeds).
fetch() {
  local out=$1 rc=0
  shift
  "$AFETCH" --json --no-summary "$@" >"$out" 2>"$out.err" || rc=$?
  assert_eq "$rc" 1 "exit status: $(head -3 "$out.err")"
}

# 1. A .gz file named on the command line.
af_reset
fetch "$tmp/file.json" "$tmp/list.txt.gz"
check_run "$tmp/file.json" "file"

# 2. gzip bytes on a pipe, and on stdin redirected from the file.
af_reset
gzip -c "$tmp/list.txt" | fetch "$tmp/pipe.json"
check_run "$tmp/pipe.json" "pipe"
af_reset
fetch "$tmp/stdin.json" - <"$tmp/list.txt.gz"
check_run "$tmp/stdin.json" "stdin file"

# 3. Concatenated members, as cat a.gz b.gz makes, split in the middle of
# a line: the line numbers run on as if it were one plain list.
head -c 1000 "$tmp/list.txt" | gzip -c >"$tmp/a.gz"
tail -c +1001 "$tmp/list.txt" | gzip -c >"$tmp/b.gz"
af_reset
cat "$tmp/a.gz" "$tmp/b.gz" | fetch "$tmp/cat.json"
check_run "$tmp/cat.json" "concatenated members"

# 4. Streaming: the second member is written only after the server has
# seen the first member's URL (bounded wait), so afetch must inflate and
# fetch before its input ends.
af_reset
mkfifo "$tmp/fifo"
(
  echo "$AF_BASE/page/first-member" | gzip -c
  for _ in $(seq 500); do
    af_log | grep -q /page/first-member && break
    sleep 0.02
  done
  af_log | grep -q /page/first-member || echo "NOT-STREAMED" | gzip -c
  echo "$AF_BASE/page/second-member" | gzip -c
) >"$tmp/fifo" &
producer=$!
"$AFETCH" --json --no-summary <"$tmp/fifo" >"$tmp/stream.json"
wait "$producer"
grep -q NOT-STREAMED "$tmp/stream.json" &&
  fail "the first member was not fetched before the input ended"
assert_eq "$(jq -s -c '[.[] | [.line, .status]] | sort' "$tmp/stream.json")" \
  "[[1,200],[2,200]]" "two members on a slow pipe"

# 5. A corrupt stream: a good member, then bytes that are not gzip. Every
# line of the good member gets its result (its unterminated last line too,
# as with zcat | afetch), the input after it (a second file) is still
# read, and the exit status and message say the input failed.
{
  cat "$tmp/a.gz"
  printf 'this is not gzip\n'
} >"$tmp/bad.gz"
printf '%s\n' "$AF_BASE/page/after-bad" >"$tmp/after.txt"
a_lines=$(head -c 1000 "$tmp/list.txt" | awk 'NF && !/^#/' | wc -l)
a_urls=$(head -c 1000 "$tmp/list.txt" | grep -c "^http")
af_reset
rc=0
"$AFETCH" --json --no-summary "$tmp/bad.gz" "$tmp/after.txt" \
  >"$tmp/bad.json" 2>"$tmp/bad.err" || rc=$?
assert_eq "$rc" 2 "exit status for a corrupt gzip input"
grep -qF "afetch: reading $tmp/bad.gz failed: the gzip data is corrupt" \
  "$tmp/bad.err" || fail "no word about the input: $(cat "$tmp/bad.err")"
assert_eq "$(jq -s length "$tmp/bad.json")" "$((a_lines + 1))" \
  "results of the good member and of the next file"
assert_eq "$(jq -r 'select(.url | endswith("/after-bad")) | .status' \
  "$tmp/bad.json")" 200 "the next input was read"
assert_eq "$(af_stat requests_total)" "$((a_urls + 1))" \
  "requests the server saw"
# Cut inside the member's trailer (every line inflated, the end never
# seen): all 41 results, and the same exit status.
head -c "$(($(stat -c %s "$tmp/list.txt.gz") - 4))" "$tmp/list.txt.gz" \
  >"$tmp/cut.gz"
af_reset
rc=0
"$AFETCH" --json --no-summary "$tmp/cut.gz" >"$tmp/cut.json" \
  2>"$tmp/cut.err" || rc=$?
assert_eq "$rc" 2 "exit status for a truncated gzip input"
check_run "$tmp/cut.json" "truncated"
grep -qF "afetch: reading $tmp/cut.gz failed: the gzip data is truncated" \
  "$tmp/cut.err" || fail "truncated: no word about it: $(cat "$tmp/cut.err")"
# Cut in the middle of the data, inside a line: that line is cut short, so
# it is not fetched (it would be a URL the list never held); every whole
# line before it is. Lines of 500 bytes, so the cut falls inside one
# (checked: the bytes zlib gives back do not end with a newline).
for i in $(seq 400); do
  printf '%s/page/mid%d?%0480d\n' "$AF_BASE" "$i" 0
done >"$tmp/long.txt"
gzip -1 -n -c "$tmp/long.txt" >"$tmp/long.gz"
size=$(stat -c %s "$tmp/long.gz")
head -c $((size / 2)) "$tmp/long.gz" >"$tmp/mid.gz"
python3 -c 'import sys, zlib
d = zlib.decompressobj(31).decompress(open(sys.argv[1], "rb").read())
sys.exit(0 if d and not d.endswith(b"\n") else 1)' "$tmp/mid.gz" ||
  fail "the cut did not fall inside a line"
whole=$(python3 -c 'import sys, zlib
print(zlib.decompressobj(31).decompress(open(sys.argv[1], "rb").read())
      .count(b"\n"))' "$tmp/mid.gz")
af_reset
rc=0
"$AFETCH" --json --no-summary "$tmp/mid.gz" >"$tmp/mid.json" \
  2>"$tmp/mid.err" || rc=$?
assert_eq "$rc" 2 "exit status for a gzip input cut mid-line"
assert_eq "$(jq -s length "$tmp/mid.json")" "$whole" \
  "cut mid-line: a result per whole line"
assert_eq "$(af_stat requests_total)" "$whole" \
  "cut mid-line: requests the server saw"
assert_eq "$(af_log | awk '{ print $2 }' | grep -cvxF -f <(sed 's|^[^/]*//[^/]*||' \
  "$tmp/long.txt") || true)" 0 "cut mid-line: no request for a URL the list lacks"
grep -qF "the gzip data is truncated (the stream ended inside a member); its \
last line, cut short, was not fetched" "$tmp/mid.err" ||
  fail "cut mid-line: no word about it: $(cat "$tmp/mid.err")"

# 6. A gzip bomb: a million identical invalid lines inflate from about
# 20 KB (one read) into 14 MB and a million results. Read paced by the
# read-ahead window, peak memory stays that of a short list; read all at
# once, a million queued lines would take hundreds of MB.
n_big=1000000
[[ -n ${AF_SANITIZED:-} ]] && n_big=100000
bomb_rss() {
  awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) print "\"quoted url\"" }' |
    gzip -9 -c >"$tmp/bomb.gz"
  local rc=0
  /usr/bin/time -f %M -o "$tmp/rss" "$AFETCH" --no-summary "$tmp/bomb.gz" \
    >"$tmp/bomb.out" 2>"$tmp/bomb.err" || rc=$?
  assert_eq "$rc" 1 "bomb of $1 lines: exit status (all invalid)"
  assert_eq "$(wc -l <"$tmp/bomb.out")" "$1" "bomb of $1: one line per line"
  rss=$(tail -1 "$tmp/rss")
}
bomb_rss 2000
small=$rss
bomb_rss "$n_big"
big=$rss
assert_le "$(stat -c %s "$tmp/bomb.gz")" 65536 "the bomb fits in one read"
grep -q "the line is quoted: remove the quotes" "$tmp/bomb.out" ||
  fail "no quote message: $(head -1 "$tmp/bomb.out")"
if [[ -z ${AF_SANITIZED:-} ]]; then
  assert_le "$big" "$((small + 16384))" \
    "peak RSS (KiB) for $n_big lines vs 2000"
fi

# 7. Plain lists that start with gzip's first magic byte are still plain.
printf '\x1f%s\n%s\n' "$AF_BASE/page/x" "$AF_BASE/page/magic1" \
  >"$tmp/magic.txt"
af_reset
"$AFETCH" --json --no-summary "$tmp/magic.txt" >"$tmp/magic.json" || true
assert_eq "$(jq -r 'select(.line == 1) | .error_kind' "$tmp/magic.json")" \
  invalid_url "a control byte, not gzip"
assert_eq "$(jq -r 'select(.line == 2) | .status' "$tmp/magic.json")" 200 \
  "the next line"

# 8. Lines copied from JSON, CSV or TSV say what is wrong with them.
{
  printf '"%s"\n' "$AF_BASE/page/q1"
  printf "'%s'\n" "$AF_BASE/page/q2"
  printf '%s\t200\n' "$AF_BASE/page/t1"
  printf '%s %s\n' "$AF_BASE/page/s1" "$AF_BASE/page/s2"
  printf '%s\n' "$AF_BASE/page/ok"
} >"$tmp/shape.txt"
af_reset
"$AFETCH" --json --no-summary "$tmp/shape.txt" >"$tmp/shape.json" || true
err() { jq -r "select(.line == $1) | .error" "$tmp/shape.json"; }
assert_eq "$(err 1)" "invalid URL: the line is quoted: remove the quotes" \
  "double quotes"
assert_eq "$(err 2)" "invalid URL: the line is quoted: remove the quotes" \
  "single quotes"
assert_eq "$(err 3)" "invalid URL: contains a tab: one URL per line" "a tab"
assert_eq "$(err 4)" \
  "invalid URL: holds two URLs separated by a space: one URL per line" \
  "two URLs on a line"
assert_eq "$(jq -r 'select(.line == 5) | .status' "$tmp/shape.json")" 200 \
  "the run went on"
assert_eq "$(af_stat requests_total)" 1 "only the good line was requested"
pass
