#!/usr/bin/env bash
# Hostile input lists: long lines, NUL bytes, CRLF, a BOM, invalid UTF-8,
# spaces, IDN hosts, bad ports, passwords; too few file descriptors.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")
q() { jq -r "select(.line == $1) | $2" "$tmp/out.json"; }

{
  printf '\xef\xbb\xbf%s\r\n' "$AF_BASE/page/bom-crlf"         # 1
  printf '%s\r\n' "$AF_BASE/page/crlf"                          # 2
  printf 'http://127.0.0.1:%s/%s\n' "$AF_PORT" "$(head -c 1048576 /dev/zero | tr '\0' a)" # 3
  printf 'http://127.0.0.1:%s/nul\0byte\n' "$AF_PORT"           # 4
  printf 'http://127.0.0.1:%s/bad\xff\xfeutf8\n' "$AF_PORT"     # 5
  printf '%s\n' "$AF_BASE/page/with space"                      # 6
  printf '%s\n' "http://bücher.invalid/"                        # 7
  printf '%s\n' "http://127.0.0.1:99999/"                       # 8
  printf '%s\n' "http://127.0.0.1:0/"                           # 9
  printf '%s\n' "http://user:s3cr3tpw@127.0.0.1:$AF_PORT/page/auth" # 10
  printf '%s\n' "$AF_BASE/page/last"                            # 11
} >"$tmp/u.txt"
"$AFETCH" --json --no-summary --timeout 5 "$tmp/u.txt" >"$tmp/out.json" ||
  true
assert_eq "$(jq -s length "$tmp/out.json")" 11 "one result per line"
assert_eq "$(q 1 .status)" 200 "BOM and CRLF"
assert_eq "$(q 2 .status)" 200 "CRLF"
assert_eq "$(q 3 .error_kind)" invalid_url "a 1 MB line"
assert_le "$(q 3 '.url | length')" 200 "a long line is not echoed whole"
assert_eq "$(q 4 .error_kind)" invalid_url "a NUL byte"
[ "$(q 5 .error)" = null ] || [ "$(q 5 .error_kind)" = invalid_url ] ||
  fail "invalid UTF-8 in a URL: $(q 5 .error)"
assert_eq "$(q 6 .status)" 200 "a space in the path is encoded"
[ "$(q 7 .error_kind)" = dns ] || [ "$(q 7 .error_kind)" = invalid_url ] ||
  fail "IDN host: $(q 7 .error_kind)"
assert_eq "$(q 8 .error_kind)" invalid_url "port out of range"
assert_eq "$(q 9 .error_kind)" invalid_url "port 0"
assert_eq "$(q 10 .status)" 200 "userinfo URL fetched"
grep -q s3cr3tpw "$tmp/out.json" && fail "password echoed in JSON"
"$AFETCH" --no-summary "$tmp/u.txt" 2>&1 | grep -q s3cr3tpw &&
  fail "password echoed in text"
iconv -f UTF-8 -t UTF-8 "$tmp/out.json" >/dev/null || fail "invalid UTF-8"
assert_eq "$(q 11 .status)" 200 "the run went on"

# Too few descriptors: ulimit -n 64 with -c 500. Transfers wait for a
# descriptor (afetch lowers its concurrency and says so), none is lost.
for i in $(seq 300); do echo "$AF_BASE/delay/20/fd$i"; done >"$tmp/fd.txt"
(ulimit -n 64 && "$AFETCH" -c 500 --per-host 500 --json "$tmp/fd.txt" \
  >"$tmp/fd.json" 2>"$tmp/fd.err") || true
assert_eq "$(jq -s length "$tmp/fd.json")" 300 "one result per line"
assert_eq "$(jq -s '[.[] | select(.status == 200)] | length' "$tmp/fd.json")" \
  300 "all fetched with 64 descriptors"
grep -q "concurrency lowered" "$tmp/fd.err" || fail "no word about the limit"
pass hostile_input
