#!/usr/bin/env bash
# International host names reach the server in punycode: http://例え.jp:PORT/
# is requested as Host: xn--r8jz45g.jp:PORT, shares its per-host slot with
# the same name written in ASCII, and the JSON url keeps what the line
# said. A name IDNA refuses is an invalid_url result and the run goes on.
#
# The names must resolve to the test server, so the test runs in its own
# network and mount namespaces (root): only their loopback, and a hosts
# file bind-mounted over /etc/hosts in that mount namespace alone.
set -euo pipefail

if [[ -z ${AF_IDN_INSIDE:-} ]]; then
  if ! unshare --mount --net true 2>/dev/null; then
    echo "SKIP: needs unshare (root, mount and network namespaces)"
    exit 0
  fi
  exec unshare --mount --net env AF_IDN_INSIDE=1 bash "$0" "$@"
fi

source "$AF_SRC/tests/cli/lib.sh"
ip link set lo up
hosts=$(mktemp -p "$AF_TMP")
printf '127.0.0.1 localhost\n127.0.0.1 xn--r8jz45g.jp\n' >"$hosts"
mount --bind "$hosts" /etc/hosts
getent hosts xn--r8jz45g.jp | grep -q '^127\.0\.0\.1' ||
  fail "the namespace's /etc/hosts is not used: $(getent hosts xn--r8jz45g.jp)"

af_start_server
tmp=$(mktemp -d -p "$AF_TMP")
name=$'\xe4\xbe\x8b\xe3\x81\x88.jp' # 例え.jp
ace=xn--r8jz45g.jp
{
  echo "http://$name:$AF_PORT/delay/300/unicode"
  echo "http://$ace:$AF_PORT/delay/300/ascii"
  echo "http://-$name:$AF_PORT/rejected"
  echo "$name:$AF_PORT/page/noscheme"
} >"$tmp/u.txt"

rc=0
"$AFETCH" --json --no-summary --per-host 1 "$tmp/u.txt" >"$tmp/out.json" \
  2>"$tmp/err" || rc=$?
assert_eq "$rc" 1 "exit status (one line is refused): $(cat "$tmp/err")"
q() { jq -r "select(.line == $1) | $2" "$tmp/out.json"; }
assert_eq "$(jq -s length "$tmp/out.json")" 4 "one result per line"
assert_eq "$(q 1 .status)" 200 "the Unicode name was fetched"
assert_eq "$(q 1 .url)" "http://$name:$AF_PORT/delay/300/unicode" \
  "url keeps the Unicode form"
assert_eq "$(q 2 .status)" 200 "the ASCII name"
assert_eq "$(q 3 .error_kind)" invalid_url "a name IDNA refuses"
case $(q 3 .error) in
*"bad international host name"*) ;;
*) fail "unclear error for a refused name: $(q 3 .error)" ;;
esac
assert_eq "$(q 4 .status)" 200 "no scheme: http:// is added, then converted"
assert_eq "$(q 4 .url)" "http://$name:$AF_PORT/page/noscheme" "url as written"

# What the server saw: three requests, all with the punycode Host header,
# and never two at once for what is one host (--per-host 1).
assert_eq "$(af_stat requests_total)" 3 "requests the server saw"
assert_eq "$(af_host_stat requests "$ace:$AF_PORT")" 3 \
  "requests with Host: $ace:$AF_PORT"
assert_eq "$(af_host_stat inflight_max "$ace:$AF_PORT")" 1 \
  "one per-host slot for both spellings"
af_log | grep -q ' /delay/300/unicode$' || fail "no request: $(af_log)"
pass
