#!/usr/bin/env bash
# Checks afserve itself with curl, so that the other integration tests can
# trust what it serves and what its /stats and /log say.
# The helpers take optional arguments; calling them bare is intended.
# shellcheck disable=SC2119
set -euo pipefail
source "${AF_SRC:?AF_SRC must point to the repo root}/tests/cli/lib.sh"

now_ms() {
  echo $(($(date +%s%N) / 1000000))
}

af_start_server
af_start_server
[[ $AF_PORT != "$AF_PORT2" ]] || fail "two servers share port $AF_PORT"

# A page, with the headers the spec promises.
hdr=$(af_curl -D - -o "$AF_TMP/page" "$AF_BASE/page/abc?q=1")
grep -qi '^content-type: text/html; charset=utf-8' <<<"$hdr" ||
  fail "page content type: $hdr"
grep -qi '^content-length: ' <<<"$hdr" || fail "page has no Content-Length"
grep -q '<title>Page /page/abc</title>' "$AF_TMP/page" || fail "page title"
grep -q 'content="Description of /page/abc"' "$AF_TMP/page" ||
  fail "page description"
title=$(af_curl "$AF_BASE2/" | sed -n 's:.*<title>\(.*\)</title>.*:\1:p')
assert_eq "$title" "Page /" "second server's home page"

# Keep-alive: one curl, three requests, one connection; /stats and /log
# themselves are not counted.
af_reset
af_curl -o /dev/null -o /dev/null -o /dev/null \
  "$AF_BASE/page/1" "$AF_BASE/page/2" "$AF_BASE/text"
assert_eq "$(af_stat connections_total)" 1 "keep-alive connections"
assert_eq "$(af_stat requests_total)" 3 "keep-alive requests"
assert_eq "$(af_host_stat requests)" 3 "host requests"
assert_eq "$(af_log | cut -d' ' -f1 | sort -u | wc -l)" 1 "one connection id"
# HTTP/1.0 closes after each response.
af_reset
af_curl --http1.0 -o /dev/null -o /dev/null "$AF_BASE/page/1" "$AF_BASE/page/2"
assert_eq "$(af_stat connections_total)" 2 "HTTP/1.0 connections"
assert_eq "$(af_stat connections_current)" 0 "HTTP/1.0 left open"

# A delay is served after at least that long.
t0=$(now_ms)
title=$(af_curl "$AF_BASE/delay/300/x" | sed -n 's:.*<title>\(.*\)</title>.*:\1:p')
t1=$(now_ms)
assert_eq "$title" "Delayed 300 x" "delay title"
assert_ge $((t1 - t0)) 300 "delay in ms"

# In flight: ten delayed requests at once.
af_reset
pids=()
for i in $(seq 10); do
  af_curl -o /dev/null "$AF_BASE/delay/1000/p$i" &
  pids+=($!)
done
af_wait_stat inflight_current 10
for pid in "${pids[@]}"; do
  wait "$pid" || fail "a delayed curl failed"
done
assert_eq "$(af_stat inflight_current)" 0 "in flight after"
assert_eq "$(af_stat inflight_max)" 10 "in flight max"
assert_eq "$(af_stat requests_total)" 10 "delayed requests"
assert_eq "$(af_host_stat inflight_max)" 10 "host in flight max"
assert_eq "$(af_host_stat connections_max)" 10 "host connections max"
# /stats/reset brings the maxima down to the current values.
af_reset
assert_eq "$(af_stat inflight_max)" 0 "in flight max after reset"
assert_eq "$(af_stat '.hosts | length')" 0 "hosts after reset"

# The log keeps arrival order and the query.
af_reset
for p in /page/a /page/b "/page/c?x=1"; do
  af_curl -o /dev/null "$AF_BASE$p"
done
af_stats >/dev/null
assert_eq "$(af_log | cut -d' ' -f2 | paste -sd' ')" \
  "/page/a /page/b /page/c?x=1" "log order"

# Redirects.
out=$(af_curl -L -w '%{http_code} %{num_redirects}' -o "$AF_TMP/r" \
  "$AF_BASE/redirect/3")
assert_eq "$out" "200 3" "redirect chain"
grep -q '<title>Redirected</title>' "$AF_TMP/r" || fail "redirect end page"
loc=$(af_curl -o /dev/null -w '%{http_code} %{redirect_url}' \
  "$AF_BASE/redirect-to?url=gopher%3A%2F%2Fexample.org%2F1")
assert_eq "$loc" "302 gopher://example.org/1" "redirect-to"
rc=0
af_curl -L --max-redirs 5 -o /dev/null "$AF_BASE/loop" 2>/dev/null || rc=$?
assert_eq "$rc" 47 "curl exit on /loop"

# /flaky: two 503s with Retry-After, then 200, counted per key.
codes=""
for i in 1 2 3 4; do
  codes+="$(af_curl -o /dev/null -w '%{http_code}' "$AF_BASE/flaky/2/k1") "
done
assert_eq "$codes" "503 503 200 200 " "flaky codes"
assert_eq "$(af_curl -o /dev/null -w '%{http_code}' "$AF_BASE/flaky/1/k2")" \
  503 "flaky, another key"
af_curl -D - -o /dev/null "$AF_BASE/flaky/1/k3" | grep -qi '^retry-after: 1' ||
  fail "flaky Retry-After"

# Statuses and plain types.
assert_eq "$(af_curl -o /dev/null -w '%{http_code}' "$AF_BASE/status/404")" \
  404 "status 404"
af_curl -D - -o /dev/null "$AF_BASE/status/429" | grep -qi '^retry-after: 1' ||
  fail "429 Retry-After"
assert_eq "$(af_curl -o /dev/null -w '%{http_code}' "$AF_BASE/nope")" 404 "404"
assert_eq "$(af_curl "$AF_BASE/text")" "hello" "/text"
assert_eq "$(af_curl "$AF_BASE/json" | jq -r .hello)" "world" "/json"
assert_eq "$(af_curl "$AF_BASE/bytes/3000000" | wc -c)" 3000000 "/bytes"
af_curl -D - -o /dev/null "$AF_BASE/nocontenttype" | grep -qi '^content-type' &&
  fail "/nocontenttype sent a Content-Type"
assert_eq "$(af_curl "$AF_BASE/deep/500?tag=span" | grep -o '<span>' | wc -l)" \
  500 "/deep spans"
title=$(af_curl "$AF_BASE/html?title=A+%26amp%3B+B&body=%3Cp%3Ehi%3C%2Fp%3E" |
  sed -n 's:.*<title>\(.*\)</title>.*:\1:p')
assert_eq "$title" "A &amp; B" "/html title"

# Header block over 64 KiB: 431.
big=$(head -c 70000 /dev/zero | tr '\0' a)
assert_eq "$(af_curl -o /dev/null -w '%{http_code}' -H "X-Big: $big" \
  "$AF_BASE/page/x")" 431 "431"

# Charsets: the declared charset decodes to the title.
t=$(af_curl "$AF_BASE/charset/euc-kr" | iconv -f EUC-KR -t UTF-8 |
  sed -n 's:.*<title>\(.*\)</title>.*:\1:p')
assert_eq "$t" "한국어 제목" "euc-kr title"
t=$(af_curl "$AF_BASE/charset-meta/shift_jis" | iconv -f SHIFT_JIS -t UTF-8 |
  sed -n 's:.*<title>\(.*\)</title>.*:\1:p')
assert_eq "$t" "日本語のタイトル" "shift_jis title"
t=$(af_curl "$AF_BASE/charset/windows-1252" | iconv -f CP1252 -t UTF-8 |
  sed -n 's:.*<title>\(.*\)</title>.*:\1:p')
# shellcheck disable=SC1111 # the curly quotes are the test data
assert_eq "$t" "Café – “quoted” €" "windows-1252 title"
af_curl -D - -o /dev/null "$AF_BASE/charset-meta/big5" |
  grep -qi '^content-type: text/html'$'\r'$ || fail "charset-meta Content-Type"

# Hostile bytes arrive raw.
af_curl -o "$AF_TMP/h" "$AF_BASE/hostile/title"
assert_ge "$(tr -cd '\033' <"$AF_TMP/h" | wc -c)" 2 "ESC bytes"
assert_ge "$(tr -cd '\000' <"$AF_TMP/h" | wc -c)" 1 "NUL bytes"

# Adversarial endpoints end the way they should; head closes each pipe.
n=$( (af_curl --max-time 5 "$AF_BASE/gzipbomb" 2>/dev/null || true) |
  head -c 20000 | (gzip -dc 2>/dev/null || true) | head -c 10000000 | wc -c)
assert_eq "$n" 10000000 "20 KB of gzipbomb inflates past 10 MB"
# ?gate=2: the first bomb waits until a second request is in flight.
af_reset
( (af_curl --max-time 20 "$AF_BASE/gzipbomb?gate=2&n=1" 2>/dev/null || true) |
  head -c 1000 >"$AF_TMP/g1") &
gated=$!
af_wait_stat inflight_current 1
assert_eq "$(wc -c <"$AF_TMP/g1")" 0 "a gated bomb waits for the second request"
(af_curl --max-time 20 "$AF_BASE/gzipbomb?gate=2&n=2" 2>/dev/null || true) |
  head -c 1000 >"$AF_TMP/g2"
wait "$gated"
assert_eq "$(wc -c <"$AF_TMP/g1")$(wc -c <"$AF_TMP/g2")" 10001000 \
  "both gated bombs answered"
assert_eq "$(af_stat inflight_max)" 2 "gated bombs in flight at once"
n=$( (af_curl --max-time 5 "$AF_BASE/endless" 2>/dev/null || true) |
  head -c 300000 | wc -c)
assert_eq "$n" 300000 "endless"
rc=0
af_curl --max-time 1 "$AF_BASE/hang" 2>/dev/null || rc=$?
assert_eq "$rc" 28 "curl exit on /hang"
for p in reset badchunk garbage bigheader; do
  rc=0
  af_curl -o /dev/null "$AF_BASE/$p" 2>/dev/null || rc=$?
  [[ $rc != 0 ]] || fail "/$p looked like a good response to curl"
done
# The connections above are gone, so nothing is left in flight.
af_wait_stat inflight_current 0

af_stop_server 2
af_stop_server 1
pass
