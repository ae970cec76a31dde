#!/usr/bin/env bash
# Broken and malicious servers: each gives a clear error (or a truncated
# success) for its URL, the run goes on, one result per line, memory stays
# bounded, and nothing from the network reaches the terminal raw.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")
q() { jq -r "select(.line == $1) | $2" "$tmp/out.json"; }

cat >"$tmp/u.txt" <<EOT
$AF_BASE/reset
$AF_BASE/badchunk
$AF_BASE/garbage
$AF_BASE/bigheader
$AF_BASE/endless
$AF_BASE/gzipbomb
$AF_BASE/deep/30000
$AF_BASE/deep/30000?tag=span
$AF_BASE/bigline/50
$AF_BASE/nocontenttype
$AF_BASE/page/still-fine
EOT
# Sanitizers and valgrind run many times slower: a longer cut-off there.
"$AFETCH" --json --no-summary --timeout "$([[ -n ${AF_SANITIZED:-} ]] && echo 90 || echo 20)" \
  --max-size 1M "$tmp/u.txt" >"$tmp/out.json" || true
assert_eq "$(jq -s length "$tmp/out.json")" 11 "one result per line"
assert_eq "$(q 1 .error_kind)" recv "reset mid-response"
[ "$(q 2 .error)" != null ] || fail "malformed chunked encoding is an error"
assert_eq "$(q 3 .error_kind)" protocol "garbage status line"
[ "$(q 4 .error)" != null ] || fail "200 KB of headers is an error"
assert_eq "$(q 5 .truncated)" true "endless body truncated"
assert_eq "$(q 5 .bytes)" 1048576 "endless body cut at --max-size"
assert_eq "$(q 6 .truncated)" true "gzip bomb truncated"
assert_eq "$(q 6 .bytes)" 1048576 "gzip bomb cut at --max-size decoded bytes"
assert_eq "$(q 7 .status)" 200 "deep <div> nesting"
assert_eq "$(q 8 .status)" 200 "deep <span> nesting"
assert_eq "$(q 9 .status)" 200 "50 MB single-line page"
assert_eq "$(q 9 .truncated)" true "50 MB page cut at --max-size"
assert_eq "$(q 10 .content_type)" null "no Content-Type"
[ "$(q 10 .title)" != null ] || fail "HTML sniffed without Content-Type"
assert_eq "$(q 11 .status)" 200 "the run went on"

# 50 gzip bombs in flight at once, default --max-size (16 MiB decoded
# each): peak RSS stays under 100 MB.
# ?gate=50: the server starts no bomb before all 50 are in flight, so
# none can end before the last one starts.
for i in $(seq 50); do echo "$AF_BASE/gzipbomb?gate=50&n=$i"; done >"$tmp/bombs.txt"
/usr/bin/time -f %M -o "$tmp/rss" "$AFETCH" --json --no-summary -c 50 \
  --per-host 50 "$tmp/bombs.txt" >"$tmp/bombs.json" || true
assert_eq "$(jq -s '[.[] | select(.truncated)] | length' "$tmp/bombs.json")" \
  50 "every bomb truncated"
assert_eq "$(af_stat .inflight_max)" 50 "bombs in flight at once"
rss=$(cat "$tmp/rss")
# Sanitizers multiply memory use: the figure is checked on normal builds.
[ -n "${AF_SANITIZED:-}" ] ||
  assert_le "$rss" 102400 "peak RSS for 50 gzip bombs (KiB)"

# Hostile titles: no raw control byte on a terminal, valid UTF-8 in JSON.
echo "$AF_BASE/hostile/title" >"$tmp/h.txt"
"$AFETCH" --no-summary --color never "$tmp/h.txt" >"$tmp/h.out"
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$tmp/h.out"; then
  fail "control byte in text output: $(od -c "$tmp/h.out" | head)"
fi
iconv -f UTF-8 -t UTF-8 "$tmp/h.out" >/dev/null || fail "invalid UTF-8 (text)"
# No C1 controls (U+0080..U+009F) nor bidi overrides either.
if grep -qP '[\x{80}-\x{9f}\x{202a}-\x{202e}\x{2066}-\x{2069}]' "$tmp/h.out"
then
  fail "C1 or bidi control in text output"
fi
"$AFETCH" --json --no-summary "$tmp/h.txt" >"$tmp/h.json"
iconv -f UTF-8 -t UTF-8 "$tmp/h.json" >/dev/null || fail "invalid UTF-8 (json)"
jq -e .title "$tmp/h.json" >/dev/null || fail "title missing or invalid JSON"
if LC_ALL=C grep -q $'[\x01-\x1f\x7f]' "$tmp/h.json"; then
  fail "raw control byte in JSON"
fi
pass hostile_servers
