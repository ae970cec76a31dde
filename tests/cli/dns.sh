#!/usr/bin/env bash
# DNS on the loop, in the local internet (docs/TESTING.md), with afdns's
# counters as the evidence:
#  - 200 hosts x 10 URLs behind a 50 ms DNS: each name is looked up once
#    (one A and one AAAA query), however many of its URLs start together;
#    the first URLs of a host wait the real lookup in time_ms.dns, later
#    ones take the cached answer;
#  - an answer expires with its TTL (ttl1- names are asked again in a run
#    longer than a second) while a failure stays cached for the run;
#  - NXDOMAIN, a black hole and REFUSED each say what happened, all
#    error_kind dns;
#  - --dns-rate bounds the rate at which afdns is asked (its own clock);
#  - with a proxy set, nothing is resolved locally;
#  - --resolve pins an address: afdns sees no query, the request reaches
#    the pinned address; an international name in --resolve is pinned in
#    punycode and the server sees Host: xn--...
set -euo pipefail
source "$AF_SRC/tests/cli/lib_net.sh"

net_start_dns --delay 50
net_start_nginx 200
tmp=$(mktemp -d -p "$AF_TMP")

# --- 200 hosts x 10 URLs, one lookup per name --------------------------------
for r in $(seq 10); do
  for h in $(seq 200); do echo "http://h$h.test/small?r=$r"; done
done | shuf >"$tmp/u200.txt"
"$AFETCH" -c 100 --json --no-summary "$tmp/u200.txt" >"$tmp/r200.json" ||
  fail "200 x 10: $(jq -c 'select(.status != 200)' "$tmp/r200.json" | head -3)"
assert_eq "$(jq -s 'map(select(.status == 200)) | length' "$tmp/r200.json")" \
  2000 "every URL answered"
net_dns_stats >"$tmp/s200.json"
assert_eq "$(jq '.names | length' "$tmp/s200.json")" 200 "names asked"
assert_eq "$(jq '[.names[] | select(.a != 1 or .aaaa != 1)] | length' \
  "$tmp/s200.json")" 0 "one A and one AAAA per name: $(jq -c \
  '[.names | to_entries[] | select(.value.total != 2)][:3]' "$tmp/s200.json")"
assert_eq "$(jq .queries "$tmp/s200.json")" 400 "queries in all"
# The URLs that started while their name was still being looked up show
# that wait in time_ms.dns; the others found the answer cached.
slow=$(jq -s '[.[] | select(.time_ms.dns >= 20)] | length' "$tmp/r200.json")
fast=$(jq -s '[.[] | select(.time_ms.dns < 5)] | length' "$tmp/r200.json")
echo "200 x 10: $slow URLs waited >= 20 ms for DNS, $fast < 5 ms"
assert_ge "$slow" 1 "URLs that waited for the 50 ms lookup"
assert_ge "$fast" 1000 "URLs that found the answer cached"

# --- Names are looked up while their URLs wait for a slot ---------------------
# 6 names behind a 300 ms DNS at -c 1: every name is asked as soon as its
# line is read, so afdns holds all 12 queries (A + AAAA) at once, and the
# later URLs wait less than the whole lookup. One at a time (-s) asks one
# name at a time.
for h in $(seq 6); do echo "http://d300-h$h.test/small"; done >"$tmp/ahead.txt"
net_dns_reset
"$AFETCH" -c 1 --json --no-summary "$tmp/ahead.txt" >"$tmp/ahead.json" ||
  fail "lookups ahead: $(jq -c 'select(.status != 200)' "$tmp/ahead.json")"
assert_eq "$(net_dns_stat pending_max)" 12 \
  "-c 1: queries afdns held at once (6 names asked ahead)"
assert_eq "$(net_dns_stat queries)" 12 "-c 1: queries in all"
assert_le "$(jq -s '[.[] | .time_ms.dns] | max' "$tmp/ahead.json" |
  cut -d. -f1)" 400 "-c 1: no URL waited more than one lookup"
net_dns_reset
"$AFETCH" -s --json --no-summary "$tmp/ahead.txt" >"$tmp/seq.json" ||
  fail "-s: $(jq -c 'select(.status != 200)' "$tmp/seq.json")"
assert_eq "$(net_dns_stat pending_max)" 2 "-s: one name asked at a time"

# --- TTL expiry re-resolves; a failure stays cached --------------------------
# 18 starts at 8 a second (2.1 s): ttl1-h5 is asked again after its 1 s,
# nx-h5 (a failure) and h6 (TTL 60) once.
net_dns_reset
for r in $(seq 6); do
  printf '%s\n' "http://ttl1-h5.test/small?$r" "http://nx-h5.test/small?$r" \
    "http://h6.test/small?$r"
done >"$tmp/ttl.txt"
"$AFETCH" --rate 8 -c 1 --json --no-summary "$tmp/ttl.txt" >"$tmp/ttl.json" &&
  fail "the nx- URLs cannot succeed"
assert_eq "$(jq -s 'map(select(.status == 200)) | length' "$tmp/ttl.json")" \
  12 "ttl1-h5 and h6 answered"
ttl1=$(net_name_queries ttl1-h5.test)
echo "ttl: ttl1-h5 $ttl1 queries, nx-h5 $(net_name_queries nx-h5.test)," \
  "h6 $(net_name_queries h6.test)"
assert_ge "$ttl1" 4 "a 1 s answer is asked again in a 2 s run"
assert_le "$ttl1" 8 "but not for every URL"
assert_eq "$(net_name_queries nx-h5.test)" 2 "a failure is cached for the run"
assert_eq "$(net_name_queries h6.test)" 2 "a 60 s answer once"

# --- NXDOMAIN, black hole, REFUSED: said apart, all dns ----------------------
net_dns_reset
printf '%s\n' http://nx-1.test/ http://bh-1.test/ http://h1.example/ \
  >"$tmp/fail.txt"
"$AFETCH" --connect-timeout 1 --json --no-summary "$tmp/fail.txt" \
  >"$tmp/fail.json" && fail "failing names succeeded"
q() { jq -r --arg u "$1" "select(.url == \$u) | $2" "$tmp/fail.json"; }
jq -r '"\(.url): \(.error_kind): \(.error)"' "$tmp/fail.json"
for u in http://nx-1.test/ http://bh-1.test/ http://h1.example/; do
  assert_eq "$(q "$u" .error_kind)" dns "$u is a dns error"
done
assert_eq "$(q http://nx-1.test/ .error)" \
  "DNS: no such host (NXDOMAIN): nx-1.test" "NXDOMAIN's words"
case $(q http://bh-1.test/ .error) in
"DNS: no answer from the resolver within 1.0 s (timed out): bh-1.test") ;;
*) fail "black hole's words: $(q http://bh-1.test/ .error)" ;;
esac
assert_ge "$(q http://bh-1.test/ '.time_ms.total | floor')" 950 \
  "the black hole was waited for (--connect-timeout 1)"
assert_eq "$(q http://h1.example/ .error)" \
  "DNS: the resolver refused the query (REFUSED): h1.example" "REFUSED"
assert_ge "$(net_dns_stat blackholed)" 1 "afdns dropped bh-1's queries"
assert_ge "$(net_dns_stat refused)" 1 "afdns refused h1.example"

# --- the system's resolver options bound a black hole ------------------------
# resolv.conf here says "timeout:2 attempts:1", as glibc (and so curl) reads
# it: a name that never answers costs 2 s and one query of each type, not
# c-ares's own 5 s x 4 tries (cut at --connect-timeout). RES_OPTIONS
# overrides the file, as for glibc; c-ares doubles the wait of each retry
# (1 s, then 2 s), where glibc waits the same again.
net_dns_reset
"$AFETCH" --json --no-summary http://bh-2.test/ >"$tmp/bh2.json" &&
  fail "a black hole succeeded"
assert_eq "$(jq -r .error "$tmp/bh2.json")" \
  "DNS: no answer from the resolver within 2.0 s (timed out): bh-2.test" \
  "resolv.conf's timeout:2"
assert_eq "$(net_dns_stat '.names["bh-2.test"].a')" 1 \
  "resolv.conf's attempts:1: one A query"
net_dns_reset
RES_OPTIONS="timeout:1 attempts:2" "$AFETCH" --json --no-summary \
  http://bh-3.test/ >"$tmp/bh3.json" && fail "a black hole succeeded"
assert_eq "$(jq -r .error "$tmp/bh3.json")" \
  "DNS: no answer from the resolver within 3.0 s (timed out): bh-3.test" \
  "RES_OPTIONS timeout:1 attempts:2"
assert_eq "$(net_dns_stat '.names["bh-3.test"].a')" 2 \
  "RES_OPTIONS attempts:2: two A queries"

# --- --dns-rate: afdns's clock sees the cap ----------------------------------
# 40 names at 20 lookups a second (2 at once): the last is asked 1.9 s
# after the first; unlimited, all of them within a few ms.
net_dns_reset
for h in $(seq 101 140); do echo "http://h$h.test/small"; done >"$tmp/rate.txt"
"$AFETCH" -c 100 --dns-rate 20 --json --no-summary "$tmp/rate.txt" \
  >"$tmp/rate.json" || fail "--dns-rate run: $(head -c 300 "$tmp/rate.json")"
span=$(($(net_dns_stat last_query_ms) - $(net_dns_stat first_query_ms)))
echo "--dns-rate 20: 40 names asked over $span ms (afdns's clock)"
assert_eq "$(net_dns_stat .a)" 40 "one A query per name"
assert_ge "$span" 1700 "40 lookups at 20/s take 1.9 s"
assert_le "$span" 6000 "and not much more"

# --- a proxy resolves the names, afetch does not -----------------------------
net_dns_reset
http_proxy=http://127.0.0.1:9 "$AFETCH" --json --no-summary \
  http://h7.test/small >"$tmp/proxy.json" && fail "a dead proxy answered"
assert_eq "$(net_name_queries h7.test)" 0 "no lookup with a proxy in the way"

# --- --resolve pins an address, IDN names too --------------------------------
net_dns_reset
# h300's own address, 127.0.1.44, has no server (nginx listens on the
# addresses of h1..h200): pinned to h5's, it answers.
"$AFETCH" --json --no-summary --resolve h300.test:80:127.0.0.5 \
  --resolve nx-9.test:80:127.0.0.5 http://h300.test/ http://nx-9.test/ \
  >"$tmp/pin.json" || fail "pinned names: $(cat "$tmp/pin.json")"
pq() { jq -r --arg u "$1" "select(.url == \$u) | $2" "$tmp/pin.json"; }
assert_eq "$(pq http://h300.test/ .title)" h300.test "nginx saw Host: h300.test"
assert_eq "$(pq http://h300.test/ .ip)" 127.0.0.5 "reached the pinned address"
assert_eq "$(pq http://nx-9.test/ .status)" 200 "an NXDOMAIN name, pinned"
assert_eq "$(net_dns_stat queries)" 0 "afdns saw no query for pinned names"
# Without the pin, h300 is not served: the pin is what made it work.
"$AFETCH" --connect-timeout 2 --json --no-summary http://h300.test/ \
  >"$tmp/nopin.json" && fail "h300.test answered without a pin"
assert_eq "$(jq -r .error_kind "$tmp/nopin.json")" connect \
  "h300's own address refuses"

net_dns_reset
name=$'\xe4\xbe\x8b\xe3\x81\x88.jp' # 例え.jp
"$AFETCH" --json --no-summary --resolve "$name:80:127.0.0.5" "http://$name/" \
  >"$tmp/idn.json" || fail "IDN pin: $(cat "$tmp/idn.json")"
assert_eq "$(jq -r .title "$tmp/idn.json")" xn--r8jz45g.jp \
  "the server saw Host: xn--r8jz45g.jp"
assert_eq "$(jq -r .ip "$tmp/idn.json")" 127.0.0.5 "at the pinned address"
assert_eq "$(net_dns_stat queries)" 0 "no lookup for the pinned IDN name"
# A bad pin is a usage error that names the problem.
rc=0
"$AFETCH" --resolve "h1.test:80:not-an-address" http://h1.test/ \
  >/dev/null 2>"$tmp/bad.err" || rc=$?
assert_eq "$rc" 2 "a bad --resolve is a usage error"
grep -q "each address must be an IPv4 or IPv6 address" "$tmp/bad.err" ||
  fail "unclear --resolve error: $(cat "$tmp/bad.err")"

# --- a stop while names resolve: each URL cancelled, at once ----------------
net_dns_reset
for i in 1 2 3 4 5; do echo "http://bh-$i.test/"; done >"$tmp/stop.txt"
"$AFETCH" --json --no-summary "$tmp/stop.txt" >"$tmp/stop.json" &
pid=$!
for ((i = 0; i < 200; i++)); do
  (($(net_dns_stat blackholed) >= 10)) && break
  sleep 0.05
done
assert_ge "$(net_dns_stat blackholed)" 10 "the five lookups were sent"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 130 "interrupted"
assert_eq "$(jq -s '[.[] | select(.error_kind == "cancelled")] | length' \
  "$tmp/stop.json")" 5 "URLs waiting for their names are cancelled: $(jq -c \
  '[.url, .error_kind, .error]' "$tmp/stop.json" | head -2)"

net_stop_dns
pass dns
