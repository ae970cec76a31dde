#!/usr/bin/env bash
# Memory does not grow with the length of the list: a piped list is read
# through a bounded window, results stream out, and statistics live in a
# fixed-size histogram. Peak RSS for a long list is compared with the peak
# for a short one, for lines that fail at once (invalid) and for real
# fetches from the test server.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")

# Sanitizer builds run slower and keep freed memory in quarantine: smaller
# lists there, and the RSS figures are checked on normal builds only.
# The short lists are longer than the read-ahead window (4096 URLs), so
# both runs of a pair hold a full window: what is compared is growth with
# the list's length, not the window filling.
small=8000 big_invalid=400000 big_valid=100000
if [[ -n ${AF_SANITIZED:-} ]]; then
  small=5000 big_invalid=20000 big_valid=10000
fi

# peak_rss N KIND: runs afetch over N piped lines, leaves the peak RSS (KiB)
# in $rss and checks one output line per input line.
peak_rss() {
  local n=$1 kind=$2 rc
  set +e
  seq "$n" | if [[ $kind == invalid ]]; then
    sed 's|^|bad host |'
  else
    sed "s|^|$AF_BASE/page/|"
  fi | /usr/bin/time -f %M -o "$tmp/rss" "$AFETCH" -c 100 --per-host 100 \
    --no-summary >"$tmp/out" 2>"$tmp/err"
  rc=${PIPESTATUS[2]}
  set -e
  if [[ $kind == invalid ]]; then
    assert_eq "$rc" 1 "exit status for invalid lines"
  else
    assert_eq "$rc" 0 "exit status: $(head -3 "$tmp/err")"
  fi
  assert_eq "$(wc -l <"$tmp/out")" "$n" "$kind: one line per input line"
  rss=$(tail -1 "$tmp/rss")
}

peak_rss "$small" invalid
r1=$rss
peak_rss "$big_invalid" invalid
r2=$rss
grep -q "invalid URL" "$tmp/out" || fail "no invalid URL error: $(head -1 "$tmp/out")"

af_reset
peak_rss "$small" valid
r3=$rss
af_reset
peak_rss "$big_valid" valid
r4=$rss
assert_eq "$(af_stat requests_total)" "$big_valid" "requests the server saw"
assert_le "$(af_stat connections_total)" 100 "connections (reused, at most -c)"

# --order input behind a slow first URL: the results held in the reorder
# window keep no body. 300 bodies of 400 KB without a Content-Type (each is
# kept up to the sniffing prefix while it downloads) would be 120 MB if they
# were held with their results.
{
  echo "$AF_BASE/delay/1500/first"
  for i in $(seq 300); do echo "$AF_BASE/bytes/400000?ct=none&i=$i"; done
} >"$tmp/held.txt"
/usr/bin/time -f %M -o "$tmp/rss" "$AFETCH" --order input -c 20 --per-host 20 \
  --no-summary "$tmp/held.txt" >"$tmp/held.out"
r5=$(tail -1 "$tmp/rss")
assert_eq "$(grep -c '^200 ' "$tmp/held.out")" 301 "held results delivered"
echo "peak RSS KiB with 300 results held behind a slow one: $r5" >&2
if [[ -z ${AF_SANITIZED:-} ]]; then
  assert_le "$r5" 40960 "peak RSS with results held for --order input (KiB)"
fi

echo "peak RSS KiB: invalid $small: $r1, $big_invalid: $r2;" \
  "valid $small: $r3, $big_valid: $r4" >&2
if [[ -z ${AF_SANITIZED:-} ]]; then
  assert_le "$r2" $((r1 + 4096)) "RSS growth with $big_invalid invalid lines (KiB)"
  assert_le "$r4" $((r3 + 4096)) "RSS growth with $big_valid URLs (KiB)"
fi
pass
