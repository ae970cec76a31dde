#!/usr/bin/env bash
# --retries honours the server's Retry-After: a 503 asking to come back in
# 2 s is retried no sooner than 2 s later, as the server's own clock shows
# (/log/times). Without Retry-After the backoff is 250 ms for the first
# retry and 500 ms for the second, not less.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")

# The arrival times (ms) of the requests whose target is $1, in order.
arrivals() { af_curl "$AF_BASE/log/times" | awk -v t="$1" '$3 == t {print $1}'; }

"$AFETCH" --json --no-summary --retries 1 "$AF_BASE/after/2/ra1" \
  >"$tmp/out.json"
assert_eq "$(jq -r .status "$tmp/out.json")" 200 "the retry succeeds"
assert_eq "$(jq -r .retries "$tmp/out.json")" 1 "one retry"
mapfile -t t < <(arrivals /after/2/ra1)
assert_eq "${#t[@]}" 2 "the server saw the first request and one retry"
assert_ge "$((t[1] - t[0]))" 2000 "the retry came no sooner than Retry-After (ms)"
assert_le "$((t[1] - t[0]))" 4000 "nor much later (ms)"

# No Retry-After: the backoff doubles from 250 ms. /status/500 has none.
"$AFETCH" --json --no-summary --retries 2 "$AF_BASE/status/500" \
  >"$tmp/out2.json" || true
assert_eq "$(jq -r .retries "$tmp/out2.json")" 2 "two retries"
mapfile -t t < <(arrivals /status/500)
assert_eq "${#t[@]}" 3 "the server saw three requests"
assert_ge "$((t[1] - t[0]))" 250 "the first backoff is 250 ms"
assert_ge "$((t[2] - t[1]))" 500 "the second is 500 ms"
af_stop_server
pass
