#!/usr/bin/env bash
# One result per input line, from a file, from stdin and from '-'; comments
# and blank lines skipped; invalid lines are failed results, not aborts;
# text and JSON output; exit codes 0, 1 and 2.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")

cat >"$tmp/urls.txt" <<EOT
# a comment, then a blank line

$AF_BASE/page/one
  $AF_BASE/page/two   
127.0.0.1:$AF_PORT/page/noscheme
not a url at all
ftp://127.0.0.1:$AF_PORT/x
$AF_BASE/status/404
$AF_BASE/text
http://127.0.0.1:1/refused
EOT

# Text, from a file.
set +e
"$AFETCH" --no-summary "$tmp/urls.txt" >"$tmp/out.txt" 2>"$tmp/err.txt"
rc=$?
set -e
assert_eq "$rc" 1 "exit status with failed lines"
assert_eq "$(wc -l <"$tmp/out.txt")" 8 "one line per URL"
grep -q "^200 .*/page/one  Page /page/one$" "$tmp/out.txt" ||
  fail "title of page one: $(cat "$tmp/out.txt")"
grep -q "/page/noscheme  Page /page/noscheme" "$tmp/out.txt" ||
  fail "scheme-less line gets http://"
grep -q "^404 " "$tmp/out.txt" || fail "404 shown as a status"
grep -q "^200 .*/text  \[text/plain" "$tmp/out.txt" ||
  fail "non-HTML shows its content type"
# The kind stands before the error unless the error already opens with it
# (no "invalid_url: invalid URL: ..." or "scheme: scheme 'ftp'").
grep -q "^ERR .*not a url at all  invalid URL: " "$tmp/out.txt" ||
  fail "invalid line reported: $(grep -i 'not a url' "$tmp/out.txt")"
grep -q "^ERR .*ftp://[^ ]*  scheme 'ftp' .*only http and https" "$tmp/out.txt" ||
  fail "ftp refused: $(grep ftp: "$tmp/out.txt")"
grep -qE "invalid_url: invalid|scheme: scheme" "$tmp/out.txt" &&
  fail "a kind said twice: $(cat "$tmp/out.txt")"
grep -q "^ERR .*127.0.0.1:1/refused  connect: " "$tmp/out.txt" ||
  fail "refused connection"
[ ! -s "$tmp/err.txt" ] || fail "--no-summary printed: $(cat "$tmp/err.txt")"
# The server saw exactly the five fetchable URLs.
assert_eq "$(af_stat .requests_total)" 5 "requests the server saw"

# JSON, from stdin: every line valid JSON with the spec's fields.
af_reset
set +e
"$AFETCH" --json -q <"$tmp/urls.txt" >"$tmp/out.json" 2>/dev/null
rc=$?
set -e
assert_eq "$rc" 1 "exit status (json)"
[ ! -s "$tmp/out.json" ] || fail "-q printed results"
"$AFETCH" --json --no-summary - <"$tmp/urls.txt" >"$tmp/out.json" || true
assert_eq "$(wc -l <"$tmp/out.json")" 8 "one JSON line per URL"
jq -e -s 'length == 8' "$tmp/out.json" >/dev/null || fail "invalid JSON"
for f in line url effective_url status error content_type bytes truncated \
  http_version redirects time_ms title snippet; do
  jq -e -s "all(has(\"$f\"))" "$tmp/out.json" >/dev/null ||
    fail "field $f missing"
done
jq -e -s 'all(.time_ms | has("dns") and has("connect") and has("tls")
  and has("ttfb") and has("total"))' "$tmp/out.json" >/dev/null ||
  fail "time_ms fields"
assert_eq "$(jq -s -c '[.[].line] | sort' "$tmp/out.json")" \
  "[3,4,5,6,7,8,9,10]" "input line numbers"
assert_eq "$(jq -r 'select(.line == 8) | .status' "$tmp/out.json")" 404 \
  "status 404 in JSON"
assert_eq "$(jq -r 'select(.line == 6) | .status' "$tmp/out.json")" null \
  "status null for an invalid line"
assert_eq "$(jq -r 'select(.line == 3) | .title' "$tmp/out.json")" \
  "Page /page/one" "title in JSON"

# Summary on stderr.
"$AFETCH" "$tmp/urls.txt" >/dev/null 2>"$tmp/err.txt" || true
grep -q "8 URLs, 4 ok, 1 HTTP 4xx, 3 failed" "$tmp/err.txt" ||
  fail "summary: $(cat "$tmp/err.txt")"
grep -q "p50" "$tmp/err.txt" || fail "latency percentiles in the summary"

# Exit 0 when every URL got an answer (a 404 included); --fail makes it 1.
printf '%s\n' "$AF_BASE/page/a" "$AF_BASE/status/404" >"$tmp/ok.txt"
"$AFETCH" -q "$tmp/ok.txt" 2>/dev/null || fail "exit 0 with a 404"
set +e
"$AFETCH" -q --fail "$tmp/ok.txt" 2>/dev/null
assert_eq $? 1 "--fail with a 404"
# Exit 2: usage errors and unreadable input.
"$AFETCH" --no-such-option "$tmp/ok.txt" 2>/dev/null
assert_eq $? 2 "unknown option"
"$AFETCH" -c 0 "$tmp/ok.txt" 2>/dev/null
assert_eq $? 2 "bad -c"
"$AFETCH" "$tmp/does-not-exist" 2>"$tmp/err.txt"
assert_eq $? 2 "missing file"
grep -q "cannot read" "$tmp/err.txt" || fail "message for a missing file"
"$AFETCH" "$tmp" 2>/dev/null
assert_eq $? 2 "a directory as input"
set -e
# Two files: line numbers run on across them.
"$AFETCH" --json --no-summary "$tmp/ok.txt" "$tmp/ok.txt" >"$tmp/two.json" ||
  true
assert_eq "$(jq -s -c '[.[].line] | sort' "$tmp/two.json")" "[1,2,3,4]" \
  "line numbers across two files"
# The summary says why the failures failed, the largest kind first (ties in
# the order of the kinds); a run without failures has no such line.
printf '%s\n' "http://127.0.0.1:1/a" "ftp://127.0.0.1/" "http://127.0.0.1:1/b" \
  "not a url" "http://127.0.0.1:1/c" "$AF_BASE/page/k" >"$tmp/kinds.txt"
"$AFETCH" -q "$tmp/kinds.txt" 2>"$tmp/kinds.err" && fail "failures: exit 0"
assert_eq "$(grep '^  failed:' "$tmp/kinds.err")" \
  "  failed: 3 connect, 1 invalid_url, 1 scheme" "the failures by kind"
"$AFETCH" -q "$AF_BASE/page/k2" 2>"$tmp/nofail.err"
grep -q 'failed:' "$tmp/nofail.err" &&
  fail "a failures line without failures: $(cat "$tmp/nofail.err")"
pass basic
