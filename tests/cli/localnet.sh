#!/usr/bin/env bash
# The local internet itself (tests/cli/lib_net.sh, docs/TESTING.md): inside
# a private network namespace, afetch fetches https://h1.test/ ...
# https://h20.test/ through our DNS server (afdns) and nginx, trusting the
# local CA as the system store (no -k, no --cacert); NXDOMAIN names fail,
# a black-holed name times out, a d<MS> name's delay shows in time_ms.dns,
# and with afdns stopped nothing resolves. The machine's own resolver and
# trust files are checked unchanged afterwards (lib_net.sh, outside).
set -euo pipefail
export NET_CERT_NAMES=d300-h5.test
source "$AF_SRC/tests/cli/lib_net.sh"
tmp=$NET_DIR

# The namespace is ours: our resolver and CA are the system's, and nothing
# but loopback is reachable.
grep -qx 'nameserver 127.0.0.1' /etc/resolv.conf ||
  fail "resolv.conf is not ours: $(cat /etc/resolv.conf)"
cmp -s /etc/ssl/certs/ca-certificates.crt "$NET_CA/ca.pem" ||
  fail "the CA bundle is not ours"
[[ -z $(ip route show default) ]] || fail "a default route: $(ip route)"
if (exec 3<>/dev/tcp/192.0.2.1/80) 2>/dev/null; then
  fail "a non-loopback address was reachable"
fi

# shellcheck disable=SC2119 # no afdns arguments here
net_start_dns
af_start_server
net_start_nginx 20 "$AF_PORT"

# 20 names, 20 addresses, one nginx: every one verified and answered.
for i in $(seq 20); do echo "https://h$i.test/"; done >"$tmp/names.txt"
echo "http://h3.test/small" >>"$tmp/names.txt"
echo "https://h4.test/page/proxied" >>"$tmp/names.txt"
"$AFETCH" -c 22 --json --no-summary "$tmp/names.txt" >"$tmp/names.json" ||
  fail "afetch failed: $(jq -c 'select(.status != 200)' "$tmp/names.json")"
assert_eq "$(jq -s 'length' "$tmp/names.json")" 22 "one result per URL"
assert_eq "$(jq -s '[.[] | select(.status == 200)] | length' \
  "$tmp/names.json")" 22 "every URL answered 200"
for i in $(seq 20); do
  assert_eq "$(jq -r --arg u "https://h$i.test/" \
    'select(.url == $u) | .title' "$tmp/names.json")" "h$i.test" \
    "nginx's page for h$i.test"
done
assert_eq "$(jq -s '[.[] | select(.url | startswith("https:"))
  | select(.http_version == "2")] | length' "$tmp/names.json")" 21 \
  "HTTP/2 over TLS"
assert_eq "$(af_host_stat requests h4.test)" 1 \
  "afserve behind nginx saw h4.test's request with its Host"

# afdns saw every name (at least an A query; how many is afetch's business
# and printed only).
for i in $(seq 20); do
  assert_ge "$(net_dns_stat ".names[\"h$i.test\"].a // 0")" 1 \
    "A queries for h$i.test"
done
echo "afdns: $(net_dns_stats | jq -c 'del(.names)')"
echo "afdns: queries per name: $(net_dns_stats | jq -c '[.names[].total]
  | group_by(.) | map({(.[0] | tostring): length}) | add')"

# Verification is on: an address the certificate does not name fails.
"$AFETCH" --json --no-summary "https://$(net_addr 2)/" >"$tmp/ip.json" &&
  fail "a certificate without 127.0.0.2 was accepted"
assert_eq "$(jq -r .error_kind "$tmp/ip.json")" tls "name mismatch is tls"

# NXDOMAIN: the name does not exist, and afdns said so.
net_dns_reset
printf '%s\n' https://nx-foo.test/ https://a.nx.test/ https://h1x.test/ \
  https://nx-h3.test/ >"$tmp/nx.txt"
"$AFETCH" --json --no-summary "$tmp/nx.txt" >"$tmp/nx.json" &&
  fail "a name that does not exist was fetched"
assert_eq "$(jq -s '[.[] | select(.status == null and .error_kind == "dns")]
  | length' "$tmp/nx.json")" 4 "NXDOMAIN names end as dns errors"
assert_ge "$(net_dns_stat nxdomain)" 4 "afdns answered NXDOMAIN"
assert_ge "$(net_name_queries nx-foo.test)" 1 "nx-foo.test was asked"
assert_eq "$(net_dns_stat answered)" 0 "no address for them"

# A black hole: counted, never answered, so the fetch ends at its timeout.
t0=$(date +%s%N)
"$AFETCH" --connect-timeout 1 --timeout 3 --json --no-summary \
  https://bh-1.test/ >"$tmp/bh.json" && fail "a black-holed name was fetched"
t1=$(date +%s%N)
assert_eq "$(jq -r '.status' "$tmp/bh.json")" null "no status for bh-1"
jq -r '"black hole: \(.error_kind): \(.error)"' "$tmp/bh.json"
assert_ge "$(net_dns_stat blackholed)" 1 "afdns dropped the query"
assert_ge "$(jq -r '.time_ms.total | floor' "$tmp/bh.json")" 900 \
  "the black hole was waited for"
assert_le $(((t1 - t0) / 1000000)) 10000 "the timeout ended it (ms)"

# A delay: d300-h5 answers after 300 ms, and afetch's DNS time shows it.
"$AFETCH" --json --no-summary https://d300-h5.test/ >"$tmp/d.json" ||
  fail "d300-h5.test: $(cat "$tmp/d.json")"
assert_eq "$(jq -r .title "$tmp/d.json")" d300-h5.test "delayed name's page"
assert_ge "$(jq -r '.time_ms.dns | floor' "$tmp/d.json")" 290 \
  "time_ms.dns of a 300 ms answer"
assert_ge "$(net_dns_stat delayed)" 1 "afdns delayed an answer"

# Without afdns nothing resolves: the harness, not something else, answers.
net_stop_dns
"$AFETCH" --connect-timeout 2 --json --no-summary https://h7.test/ \
  >"$tmp/down.json" && fail "h7.test was fetched with afdns stopped"
assert_eq "$(jq -r .status "$tmp/down.json")" null "no DNS, no status"
pass localnet
