#!/usr/bin/env bash
# --save-dir DIR saves each body under a name made from its input line and
# URL (never from the server), and -I (--head-only) sends HEAD requests only.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")

printf '%s\n' "$AF_BASE/page/a?x=../../../etc/passwd" "$AF_BASE/text" \
  "$AF_BASE/redirect/2" "$AF_BASE/bytes/100000" "http://127.0.0.1:1/" \
  >"$tmp/u.txt"
"$AFETCH" --save-dir "$tmp/out" --json --no-summary "$tmp/u.txt" >"$tmp/r.json" ||
  true
assert_eq "$(ls "$tmp/out" | wc -l)" 4 "one file per fetched body"
assert_eq "$(cat "$tmp/out/000002_127.0.0.1_${AF_PORT}_text")" hello \
  "body saved"
assert_eq "$(stat -c %s "$tmp/out/000004_127.0.0.1_${AF_PORT}_bytes_100000")" \
  100000 "large body saved whole"
# No name leaves the directory, whatever the URL says.
[ -z "$(find "$tmp" -path "$tmp/out" -prune -o -name '*passwd*' -print)" ] ||
  fail "a file was written outside the output directory"
assert_eq "$(jq -r 'select(.line == 2) | .saved_as' "$tmp/r.json")" \
  "000002_127.0.0.1_${AF_PORT}_text" "saved_as in JSON"
assert_eq "$(jq -r 'select(.line == 5) | .saved_as' "$tmp/r.json")" null \
  "no file for a failed transfer"

# A password in the URL never reaches a file name (nor saved_as).
echo "http://user:s3cr3tpw@127.0.0.1:$AF_PORT/text" |
  "$AFETCH" --save-dir "$tmp/out3" --json --no-summary >"$tmp/pw.json"
assert_eq "$(ls "$tmp/out3")" "000001_127.0.0.1_${AF_PORT}_text" "name without userinfo"
grep -q s3cr3tpw "$tmp/pw.json" && fail "password in the JSON: $(cat "$tmp/pw.json")"

# A symbolic link planted under the name is not followed.
mkdir -p "$tmp/out2"
ln -s "$tmp/victim" "$tmp/out2/000001_127.0.0.1_${AF_PORT}_text"
echo "$AF_BASE/text" | "$AFETCH" --save-dir "$tmp/out2" --json --no-summary \
  >"$tmp/l.json" && fail "a write through a symlink succeeded"
[ ! -e "$tmp/victim" ] || fail "the symlink was followed"
jq -e '.error | test("cannot save")' "$tmp/l.json" >/dev/null ||
  fail "clear error for the refused file: $(cat "$tmp/l.json")"

# -I / --head-only: the server sees HEAD, no body comes back.
af_reset
echo "$AF_BASE/bytes/5000" | "$AFETCH" --head-only --json --no-summary \
  >"$tmp/h.json"
assert_eq "$(jq -r .status "$tmp/h.json")" 200 "HEAD status"
assert_eq "$(jq -r .bytes "$tmp/h.json")" 0 "no body with --head"
assert_eq "$(af_stat .requests_total)" 1 "one request"
# An output directory that cannot be created is a usage error.
set +e
echo "$AF_BASE/text" | "$AFETCH" --save-dir /proc/no/such/dir 2>/dev/null
assert_eq $? 2 "uncreatable output directory"
set -e
pass output_dir
