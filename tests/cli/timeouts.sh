#!/usr/bin/env bash
# A server that never answers or trickles is cut off by --timeout, the run
# goes on with the other URLs, and retries recover a flaky server.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")

printf '%s\n' "$AF_BASE/hang" "$AF_BASE/trickle" "$AF_BASE/page/fine" \
  >"$tmp/u.txt"
start=$(date +%s%N)
"$AFETCH" --json --no-summary --timeout 1 "$tmp/u.txt" >"$tmp/out.json" &&
  fail "exit 0 despite timeouts"
ms=$((($(date +%s%N) - start) / 1000000))
q() { jq -r "select(.line == $1) | $2" "$tmp/out.json"; }
assert_eq "$(q 1 .error_kind)" timeout "a silent server times out"
assert_eq "$(q 2 .error_kind)" timeout "a trickling server times out"
assert_eq "$(q 3 .status)" 200 "the other URL is fine"
# Timeout plus a second; sanitizer builds run several times slower.
assert_le "$ms" "$([ -n "${AF_SANITIZED:-}" ] && echo 6000 || echo 2000)" \
  "the run ends within the timeout plus a second (ms)"

# Retries: /flaky/2/K fails twice with 503, then answers.
printf '%s\n' "$AF_BASE/flaky/2/k1" >"$tmp/f.txt"
"$AFETCH" --json --no-summary --retries 3 "$tmp/f.txt" >"$tmp/f.json"
assert_eq "$(jq -r .status "$tmp/f.json")" 200 "retried to success"
assert_eq "$(jq -r .retries "$tmp/f.json")" 2 "two retries spent"
assert_eq "$(curl -s "$AF_BASE/log" | grep -c /flaky/2/k1)" 3 \
  "the server saw three attempts"
printf '%s\n' "$AF_BASE/flaky/2/k2" >"$tmp/g.txt"
"$AFETCH" --json --no-summary "$tmp/g.txt" >"$tmp/g.json"
assert_eq "$(jq -r .status "$tmp/g.json")" 503 "no retries by default"
# Connection refused is retried too, and fails after the retries.
echo "http://127.0.0.1:1/" | "$AFETCH" --json --no-summary --retries 2 \
  >"$tmp/r.json" && fail "refused is a failure"
assert_eq "$(jq -r .retries "$tmp/r.json")" 2 "retries on a refused connect"
pass timeouts
