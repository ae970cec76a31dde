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

# --connect-timeout: a listener whose accept queue is full and that never
# accepts drops the SYN, so the connect itself hangs (loopback only).
python3 -c '
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
port = s.getsockname()[1]
fill = []
for _ in range(4):
    c = socket.socket()
    c.setblocking(False)
    c.connect_ex(("127.0.0.1", port))
    fill.append(c)
time.sleep(0.2)
print(port, flush=True)
time.sleep(60)
' >"$tmp/na.port" &
napid=$!
for _ in $(seq 400); do
  [ -s "$tmp/na.port" ] && break
  sleep 0.025
done
[ -s "$tmp/na.port" ] || fail "the non-accepting listener did not start"
start=$(date +%s%N)
echo "http://127.0.0.1:$(cat "$tmp/na.port")/" |
  "$AFETCH" --json --no-summary --connect-timeout 1 --timeout 20 \
    >"$tmp/ct.json" && fail "exit 0 despite a connect timeout"
ms=$((($(date +%s%N) - start) / 1000000))
kill "$napid"
wait "$napid" 2>/dev/null || true
assert_eq "$(jq -r .error_kind "$tmp/ct.json")" timeout "connect timeout kind"
jq -r .error "$tmp/ct.json" | grep -q "Failed to connect" ||
  fail "connect timeout message: $(cat "$tmp/ct.json")"
assert_le "$ms" "$([ -n "${AF_SANITIZED:-}" ] && echo 6000 || echo 2500)" \
  "--connect-timeout 1 ends the connect, not --timeout 20 (ms)"

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
