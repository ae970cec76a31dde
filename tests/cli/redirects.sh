#!/usr/bin/env bash
# Redirects: followed and counted, capped by --max-redirs, off with
# --no-follow, and never to anything but http and https.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")
enc() { jq -rn --arg u "$1" '$u | @uri'; }

cat >"$tmp/u.txt" <<EOT
$AF_BASE/redirect/3
$AF_BASE/loop
$AF_BASE/redirect-to?url=$(enc "file:///etc/passwd")
$AF_BASE/redirect-to?url=$(enc "gopher://127.0.0.1:$AF_PORT/x")
$AF_BASE/redirect-to?url=$(enc "dict://127.0.0.1:$AF_PORT/x")
$AF_BASE/redirect-to?url=$(enc "ftp://127.0.0.1:$AF_PORT/x")
$AF_BASE/redirect-to?url=$(enc "http://localhost:$AF_PORT/page/other-host")
EOT
"$AFETCH" --json --no-summary --max-redirs 5 "$tmp/u.txt" >"$tmp/out.json" ||
  true
q() { jq -r "select(.line == $1) | $2" "$tmp/out.json"; }
assert_eq "$(q 1 .status)" 200 "redirect chain ends in 200"
assert_eq "$(q 1 .redirects)" 3 "redirects counted"
assert_eq "$(q 1 .effective_url)" "$AF_BASE/redirect/0" "effective URL"
assert_eq "$(q 1 .title)" "Redirected" "title of the final page"
assert_eq "$(q 2 .error_kind)" redirects "a loop stops at --max-redirs"
for l in 3 4 5 6; do
  assert_eq "$(q $l .error_kind)" scheme "redirect to another scheme, line $l"
done
grep -q "root:" "$tmp/out.json" && fail "a local file was read"
assert_eq "$(q 7 .status)" 200 "redirect to another host allowed"
assert_eq "$(q 7 .redirects)" 1 "and counted"
assert_eq "$(af_stat ".hosts[\"localhost:$AF_PORT\"].requests")" 1 \
  "the other host was asked"

# --no-follow: the 302 itself is the answer.
echo "$AF_BASE/redirect/2" | "$AFETCH" --json --no-summary --no-follow \
  >"$tmp/nf.json"
assert_eq "$(jq -r .status "$tmp/nf.json")" 302 "--no-follow"
assert_eq "$(jq -r .redirects "$tmp/nf.json")" 0 "--no-follow redirects"
pass redirects
