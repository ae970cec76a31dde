#!/usr/bin/env bash
# Proxies in the local internet (tests/cli/lib_net.sh), with real proxies:
# tinyproxy (HTTP, CONNECT for https) and microsocks (SOCKS5). Both run in
# a mount namespace of their own whose /etc/hosts knows secret.internal, a
# name that afetch's resolver (afdns) refuses, so a page of that name loads
# only when the proxy resolved it. The proxies' logs are the evidence of
# which way each request went.
#  - -x http:// carries http (absolute form) and https (CONNECT);
#  - socks5h:// lets the proxy resolve; socks5:// resolves here, and a name
#    that fails here is the site's dns error, not the proxy's;
#  - a proxy whose own name does not resolve is called the proxy's;
#  - a SOCKS reply code is given in words;
#  - https_proxy from the environment, and --noproxy going direct.
set -euo pipefail
source "$AF_SRC/tests/cli/lib_net.sh"
tmp=$NET_DIR/px
mkdir -p "$tmp"
command -v tinyproxy >/dev/null && command -v microsocks >/dev/null ||
  fail "tinyproxy or microsocks is not installed (tests/scripts/deps.sh test)"

# shellcheck disable=SC2119 # no afdns arguments here
net_start_dns
net_start_nginx 10

printf '127.0.0.1 localhost\n%s secret.internal\n' "$(net_addr 5)" \
  >"$tmp/hosts"
cat >"$tmp/tinyproxy.conf" <<EOT
Port 18888
Listen 127.0.0.1
LogFile "$tmp/tinyproxy.log"
LogLevel Connect
Allow 127.0.0.1
ConnectPort 443
ConnectPort 80
EOT
# Started here, stopped at exit by PID (the PID namespace ends them too).
px_pids=()
stop_proxies() {
  local p
  for p in "${px_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${px_pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap 'stop_proxies; af_cleanup' EXIT
in_hosts_ns() {
  unshare --mount sh -c "mount --bind '$tmp/hosts' /etc/hosts && exec \"\$@\"" \
    sh "$@"
}
in_hosts_ns tinyproxy -d -c "$tmp/tinyproxy.conf" >"$tmp/tinyproxy.out" 2>&1 &
px_pids+=($!)
in_hosts_ns microsocks -i 127.0.0.1 -p 11080 >"$tmp/microsocks.log" 2>&1 &
px_pids+=($!)
for port in 18888 11080; do
  for ((i = 0; i < 500; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.01
  done
  ((i < 500)) || fail "proxy on port $port did not start"
done
HP=http://127.0.0.1:18888 SP=127.0.0.1:11080

# Lines of a proxy's log that name TARGET (grep -F count, 0 when none).
seen() { grep -cF -- "$2" "$1" || true; }
one() { # one() LABEL FILE JQ-FILTER: the filter must hold for FILE's line
  jq -e "$3" "$2" >/dev/null || fail "$1: $(jq -c . "$2")"
}

# --- HTTP proxy: absolute form and CONNECT -----------------------------------
"$AFETCH" -x "$HP" --json --no-summary http://secret.internal/ \
  https://h3.test/ >"$tmp/http.json" || fail "via tinyproxy: $(cat "$tmp/http.json")"
one "http via the proxy" <(jq 'select(.url == "http://secret.internal/")' \
  "$tmp/http.json") '.status == 200 and .title == "secret.internal"'
one "https via CONNECT" <(jq 'select(.url == "https://h3.test/")' \
  "$tmp/http.json") '.status == 200 and .title == "h3.test"'
assert_eq "$(seen "$tmp/tinyproxy.log" "GET http://secret.internal/ ")" 1 \
  "tinyproxy: the absolute-form request"
assert_eq "$(seen "$tmp/tinyproxy.log" "CONNECT h3.test:443 ")" 1 \
  "tinyproxy: the CONNECT for h3.test"

# --- SOCKS5: remote (socks5h) and local (socks5) resolution ------------------
"$AFETCH" -x "socks5h://$SP" --json --no-summary http://secret.internal/ \
  https://h4.test/ >"$tmp/s5h.json" || fail "socks5h: $(cat "$tmp/s5h.json")"
assert_eq "$(jq -s '[.[] | select(.status == 200)] | length' "$tmp/s5h.json")" \
  2 "socks5h: both pages"
assert_eq "$(seen "$tmp/microsocks.log" "connected to secret.internal:80")" 1 \
  "microsocks resolved secret.internal"
assert_eq "$(seen "$tmp/microsocks.log" "connected to h4.test:443")" 1 \
  "microsocks got the name h4.test (socks5h)"

rc=0
"$AFETCH" -x "socks5://$SP" --json --no-summary https://h6.test/ \
  http://secret.internal/ >"$tmp/s5.json" || rc=$?
assert_eq "$rc" 1 "socks5 with a name only the proxy knows: exit status"
one "socks5 resolved h6.test here" <(jq 'select(.url == "https://h6.test/")' \
  "$tmp/s5.json") '.status == 200'
assert_eq "$(seen "$tmp/microsocks.log" "connected to $(net_addr 6):443")" 1 \
  "microsocks got h6.test's address (socks5)"
# The name failed here, not at the proxy: the site's dns error, no "proxy:".
one "socks5: a name that fails here" <(jq 'select(.url ==
  "http://secret.internal/")' "$tmp/s5.json") '.error_kind == "dns" and
  (.error | startswith("Could not resolve host: secret.internal")) and
  (.error | test("socks5h://"))'
assert_eq "$(seen "$tmp/microsocks.log" "secret.internal")" 1 \
  "microsocks saw secret.internal once (socks5h), not for socks5"

# A refusal behind the proxy, in words.
rc=0
"$AFETCH" -x "socks5h://$SP" --json --no-summary http://h7.test:81/ \
  >"$tmp/refused.json" || rc=$?
assert_eq "$rc" 1 "refused behind the proxy: exit status"
one "SOCKS reply code in words" "$tmp/refused.json" '.error_kind == "connect"
  and (.error | test("^proxy: .*\\(5\\): the proxy says connection refused$"))'

# A proxy whose own name does not resolve: the proxy's dns error.
rc=0
"$AFETCH" -x "socks5h://nx-proxy.test:1080" --json --no-summary \
  http://h8.test/ >"$tmp/pxname.json" || rc=$?
assert_eq "$rc" 1 "unresolvable proxy: exit status"
one "unresolvable socks proxy" "$tmp/pxname.json" '.error_kind == "dns" and
  .error == "proxy: Could not resolve host: nx-proxy.test"'

# --- The environment, and --noproxy -------------------------------------------
env https_proxy="$HP" "$AFETCH" --noproxy h9.test --json --no-summary \
  https://h9.test/ https://h10.test/ >"$tmp/env.json" ||
  fail "https_proxy: $(cat "$tmp/env.json")"
assert_eq "$(jq -s '[.[] | select(.status == 200)] | length' "$tmp/env.json")" \
  2 "https_proxy: both pages"
assert_eq "$(seen "$tmp/tinyproxy.log" "CONNECT h10.test:443 ")" 1 \
  "https_proxy: h10.test through the proxy"
assert_eq "$(seen "$tmp/tinyproxy.log" "h9.test")" 0 \
  "--noproxy: h9.test went direct"
pass
