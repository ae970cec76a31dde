#!/usr/bin/env bash
# The real web's shape in the local internet (tests/cli/lib_net.sh): many
# names over HTTPS, many hosts at once, cookies on a redirect chain, who
# answered, and DNS failures.
#  - the CA bundle is opened once per run, not once per TLS connection
#    (strace counts the opens; --capath still works);
#  - connections are kept for reuse across all the hosts in flight: 20
#    hosts x 200 URLs at -c 60 --per-host 6 cost at most 2 x 20 x 6
#    connections (the servers' own counters);
#  - a page that sets a cookie and redirects to itself loads after one
#    redirect, and the next URL on the same pooled handle starts without
#    that cookie;
#  - JSON ip, server and location;
#  - a name that never answers is a dns error, as is NXDOMAIN; a slow site
#    stays a timeout.
set -euo pipefail
source "$AF_SRC/tests/cli/lib_net.sh"
tmp=$NET_DIR
bundle=/etc/ssl/certs/ca-certificates.crt

# shellcheck disable=SC2119 # no afdns arguments here
net_start_dns
net_start_nginx 100

# --- CA store: one parse per run -------------------------------------------
for i in $(seq 100); do echo "https://h$i.test/small"; done >"$tmp/tls.txt"
if command -v strace >/dev/null; then
  # LeakSanitizer cannot run under ptrace: off for this run only (the
  # other runs below still check for leaks in a sanitizer build).
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    strace -f -qq -e trace=openat,open -o "$tmp/strace.txt" \
    "$AFETCH" -c 100 --json --no-summary "$tmp/tls.txt" >"$tmp/tls.json" ||
    fail "100 https names: $(jq -c 'select(.status != 200)' "$tmp/tls.json")"
  opens=$(grep -c "\"$bundle\"" "$tmp/strace.txt" || true)
  assert_eq "$(jq -s '[.[] | select(.status == 200 and .reused == false)]
    | length' "$tmp/tls.json")" 100 "100 TLS connections, each verified"
  assert_eq "$opens" 1 "opens of the CA bundle for 100 TLS connections"
else
  echo "note: no strace, the CA bundle opens are not counted"
fi
# A CA directory the user names is still used (and brings the per-connection
# parse back, as documented): trusting only it, h1.test verifies.
"$AFETCH" --capath /etc/ssl/certs --json --no-summary https://h1.test/small \
  >"$tmp/capath.json" || fail "--capath: $(cat "$tmp/capath.json")"
SSL_CERT_DIR=/etc/ssl/certs "$AFETCH" --json --no-summary \
  https://h2.test/small >"$tmp/certdir.json" ||
  fail "SSL_CERT_DIR: $(cat "$tmp/certdir.json")"
# An empty bundle with no directory trusts nothing: the bundle is what
# verifies, not a built-in directory behind it.
: >"$tmp/empty.pem"
"$AFETCH" --cacert "$tmp/empty.pem" --json --no-summary \
  https://h3.test/small >"$tmp/noca.json" &&
  fail "an empty --cacert verified h3.test"
assert_eq "$(jq -r .error_kind "$tmp/noca.json")" tls "empty bundle: tls"
# No CA store at all, as on a minimal system without ca-certificates (an
# empty /etc/ssl/certs in a mount namespace of its own): the error says
# what to install or give.
mkdir -p "$tmp/nocerts"
unshare --mount sh -c 'mount --bind "$1" /etc/ssl/certs && shift && exec "$@"' \
  sh "$tmp/nocerts" "$AFETCH" --json --no-summary https://h3.test/small \
  >"$tmp/nostore.json" && fail "https verified without any CA store"
jq -e '.error_kind == "tls" and
  (.error | endswith("install ca-certificates, or give --cacert FILE"))' \
  "$tmp/nostore.json" >/dev/null ||
  fail "no CA store: $(jq -c '[.error_kind, .error]' "$tmp/nostore.json")"

# --- JSON ip and server (nginx) --------------------------------------------
"$AFETCH" --json --no-summary https://h7.test/small >"$tmp/peer.json" ||
  fail "h7.test: $(cat "$tmp/peer.json")"
assert_eq "$(jq -r .ip "$tmp/peer.json")" "$(net_addr 7)" "ip of h7.test"
[[ $(jq -r .server "$tmp/peer.json") == nginx* ]] ||
  fail "server of h7.test: $(jq -r .server "$tmp/peer.json")"
assert_eq "$(jq -r .location "$tmp/peer.json")" null "no location on a 200"

# --- connection reuse across 20 hosts --------------------------------------
# 20 afserve, one per address, so each one's counter is one host's.
bases=()
for k in $(seq 20); do
  af_start_server --host "$(net_addr "$k")"
  bases+=("http://h$k.test:$AF_LAST_PORT")
done
for i in $(seq 200); do
  for k in $(seq 20); do echo "${bases[k - 1]}/text?i=$i"; done
done >"$tmp/hosts.txt"
"$AFETCH" -c 60 --per-host 6 --json --no-summary "$tmp/hosts.txt" \
  >"$tmp/hosts.json" ||
  fail "20 hosts: $(jq -c 'select(.status != 200)' "$tmp/hosts.json" | head -3)"
assert_eq "$(jq -s '[.[] | select(.status == 200)] | length' \
  "$tmp/hosts.json")" 4000 "4000 URLs answered"
conns=0
for k in $(seq 20); do
  base="http://$(net_addr "$k"):${bases[k - 1]##*:}"
  n=$(af_stat connections_total "$base")
  assert_ge "$n" 1 "connections to h$k.test"
  conns=$((conns + n))
done
echo "20 hosts x 200 URLs, -c 60 --per-host 6: $conns connections"
assert_le "$conns" 240 "connections for 20 hosts x per-host 6 (2 x 120)"

# --- cookies for a redirect chain, never passed on -------------------------
c1=${bases[0]}
c1_addr="http://$(net_addr 1):${c1##*:}"
af_reset "$c1_addr"
printf '%s\n' "$c1/cookie-loop" "$c1/cookie-loop" >"$tmp/cookie.txt"
"$AFETCH" -c 1 --json --no-summary "$tmp/cookie.txt" >"$tmp/cookie.json" ||
  fail "cookie loop: $(cat "$tmp/cookie.json")"
for line in 1 2; do
  r=$(jq -c --argjson l "$line" 'select(.line == $l)' "$tmp/cookie.json")
  assert_eq "$(jq -r .status <<<"$r")" 200 "cookie loop, URL $line"
  assert_eq "$(jq -r .redirects <<<"$r")" 1 \
    "URL $line got the cookie by one redirect (not inherited)"
  assert_eq "$(jq -r .title <<<"$r")" "Cookie ok" "cookie page, URL $line"
  assert_eq "$(jq -r .snippet <<<"$r")" "Cookie: afloop=1" \
    "the Cookie header the server saw, URL $line"
done
assert_eq "$(af_log "$c1_addr" | grep -c '/cookie-loop')" 4 \
  "two requests per URL: a 302 and a 200"
# --no-follow: the 302 is the result, and its location is reported.
"$AFETCH" --no-follow --json --no-summary "$c1/cookie-loop" \
  >"$tmp/nofollow.json" || fail "--no-follow: $(cat "$tmp/nofollow.json")"
assert_eq "$(jq -r .status "$tmp/nofollow.json")" 302 "--no-follow status"
assert_eq "$(jq -r .location "$tmp/nofollow.json")" "$c1/cookie-loop" \
  "--no-follow location"
assert_eq "$(jq -r .ip "$tmp/nofollow.json")" "$(net_addr 1)" "afserve's ip"
# The redirect limit: the redirect not followed is the location.
"$AFETCH" --max-redirs 2 --json --no-summary "$c1/loop" >"$tmp/loop.json" &&
  fail "a redirect loop succeeded"
assert_eq "$(jq -r .error_kind "$tmp/loop.json")" redirects "loop: redirects"
assert_eq "$(jq -r .location "$tmp/loop.json")" "$c1/loop" "loop location"

# --- DNS failures are dns, slow sites are timeouts ----------------------------
printf '%s\n' https://bh-1.test/ https://bh-2.test/ >"$tmp/bh.txt"
"$AFETCH" --connect-timeout 1 --timeout 3 --json --no-summary "$tmp/bh.txt" \
  >"$tmp/bh.json" && fail "a black-holed name was fetched"
assert_eq "$(jq -s '[.[] | select(.error_kind == "dns")] | length' \
  "$tmp/bh.json")" 2 "names that never answer are dns errors: $(jq -c \
  '{error, error_kind}' "$tmp/bh.json")"
jq -r .error "$tmp/bh.json" | grep -q '^DNS: no answer from the resolver within' ||
  fail "black hole error: $(jq -r .error "$tmp/bh.json")"
assert_ge "$(net_dns_stat blackholed)" 2 "afdns dropped the queries"
"$AFETCH" --json --no-summary https://nx-1.test/ >"$tmp/nx.json" &&
  fail "an NXDOMAIN name was fetched"
assert_eq "$(jq -r .error_kind "$tmp/nx.json")" dns "NXDOMAIN is dns"
"$AFETCH" --timeout 1 --json --no-summary "$c1/delay/5000" >"$tmp/slow.json" &&
  fail "a 5 s page beat a 1 s timeout"
assert_eq "$(jq -r .error_kind "$tmp/slow.json")" timeout "slow site: timeout"
pass realweb
