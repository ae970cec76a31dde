#!/usr/bin/env bash
# --plan reads the whole list and fetches nothing: on a list whose shape is
# known (3 hosts with 500/300/200 URLs, 1000 hosts of one URL, 50 invalid
# lines, comments and blank lines) every figure is checked, as a file, as
# gzip, on stdin and split over two files; --shard plans only the shard's
# hosts; --default-scheme sets the host key's port; the server, whose
# address every URL names, sees no request at all; and 5 M lines are
# planned in bounded memory, the distinct hosts then an estimate.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
command -v jq >/dev/null || fail "jq is needed"
command -v python3 >/dev/null || fail "python3 is needed"

af_start_server
P=$AF_PORT
d=$AF_TMP/plan
mkdir -p "$d"

list=$d/urls.txt
python3 - "$P" >"$list" <<'PY'
import random, sys
p = sys.argv[1]
lines = []
lines += [f"http://127.0.0.1:{p}/page/a{i}" for i in range(500)]
lines += [f"http://localhost:{p}/page/b{i}" for i in range(300)]
lines += [f"http://H1.LocalHost:{p}/page/c{i}" for i in range(200)]
lines += [f"http://s{i}.localhost:{p}/page/one" for i in range(1000)]
lines += [f"not a url {i}" for i in range(25)]
lines += [f"ftp://127.0.0.1:{p}/x{i}" for i in range(25)]
random.Random(12).shuffle(lines)
print("# a plan test list")
print("")
for i, l in enumerate(lines):
    print(l)
    if i % 100 == 0:
        print("   # comment")
PY
nlines=$(wc -l <"$list")

# check_plan JSON: the figures the list was built with.
check_plan() {
  local j=$1
  assert_eq "$(jq .lines <<<"$j")" "$nlines" "physical lines"
  assert_eq "$(jq .urls <<<"$j")" 2050 "URL lines"
  assert_eq "$(jq .valid <<<"$j")" 2000 "valid URLs"
  assert_eq "$(jq .invalid <<<"$j")" 50 "invalid lines"
  assert_eq "$(jq .hosts <<<"$j")" 1003 "distinct hosts"
  assert_eq "$(jq .hosts_exact <<<"$j")" true "exact host count"
  assert_eq "$(jq -c '[.top_hosts[:3][] | [.host, .urls, .urls_max]]' <<<"$j")" \
    "[[\"127.0.0.1:$P\",500,500],[\"localhost:$P\",300,300],[\"h1.localhost:$P\",200,200]]" \
    "the three largest hosts"
  assert_eq "$(jq '.top_hosts | length' <<<"$j")" 10 "top 10 shown"
  assert_eq "$(jq '.top_hosts[0].share' <<<"$j")" 25 "share of the largest"
  assert_eq "$(jq '.top_hosts[3].urls' <<<"$j")" 1 "then hosts of one URL"
  assert_eq "$(jq .largest_host <<<"$j")" 500 "largest host"
  assert_eq "$(jq .suggested_shards <<<"$j")" 1 "one shard for 2000 URLs"
  assert_eq "$(jq .host_delay_ms <<<"$j")" 0 "no host delay"
  assert_eq "$(jq .min_wall_s <<<"$j")" 0 "no bound from a host delay of 0"
}

j=$("$AFETCH" --plan --json "$list")
check_plan "$j"

gzip -c "$list" >"$d/urls.txt.gz"
check_plan "$("$AFETCH" --plan --json "$d/urls.txt.gz")"
check_plan "$("$AFETCH" --plan --json <"$list")"
check_plan "$(gzip -c "$list" | "$AFETCH" --plan --json -)"
head -n 700 "$list" >"$d/part1"
tail -n +701 "$list" >"$d/part2"
check_plan "$("$AFETCH" --plan --json "$d/part1" "$d/part2")"

# The text form says the same.
txt=$("$AFETCH" --plan "$list")
grep -q "^URLs: *2050 (2000 valid, 50 invalid) in $nlines lines$" <<<"$txt" ||
  fail "text: URL line: $txt"
grep -q "^distinct hosts: *1003 (exact)$" <<<"$txt" || fail "text: hosts: $txt"
grep -Eq "^ +500 +25\.0%  127\.0\.0\.1:$P$" <<<"$txt" || fail "text: top: $txt"
grep -q "no bound from --host-delay (0); the largest host has 500 URLs at --per-host 6" <<<"$txt" ||
  fail "text: wall bound: $txt"
grep -q -- "--shard K/1" <<<"$txt" || fail "text: shard: $txt"
"$AFETCH" --plan --per-host 3 "$list" | grep -q -- "--per-host 3" ||
  fail "--per-host is not what the plan assumes"

# --shard: the two shards split URLs and hosts between them, each of the
# three big hosts in exactly one.
s1=$("$AFETCH" --plan --json --shard 1/2 "$list")
s2=$("$AFETCH" --plan --json --shard 2/2 "$list")
assert_eq $(($(jq .urls <<<"$s1") + $(jq .urls <<<"$s2"))) 2050 "shards: URLs"
assert_eq $(($(jq .hosts <<<"$s1") + $(jq .hosts <<<"$s2"))) 1003 "shards: hosts"
assert_eq "$(jq .other_shards <<<"$s1")" "$(jq .urls <<<"$s2")" "shard 1 leaves shard 2's"
for h in "127.0.0.1:$P" "localhost:$P" "h1.localhost:$P"; do
  n=$(jq -s --arg h "$h" '[.[].top_hosts[] | select(.host == $h)] | length' <<<"$s1$s2")
  assert_eq "$n" 1 "host $h in exactly one shard"
done

# --default-scheme: a line without a scheme is planned on that port.
j=$(printf 'x.test/a\nhttp://x.test/b\n' | "$AFETCH" --plan --json --default-scheme https)
assert_eq "$(jq -c '[.top_hosts[].host]' <<<"$j")" '["x.test:443","x.test:80"]' \
  "--default-scheme"

# Bad input: a truncated gzip list is an error (exit 2), as for a run.
head -c 200 "$d/urls.txt.gz" >"$d/torn.gz"
set +e
"$AFETCH" --plan "$d/torn.gz" >/dev/null 2>"$d/err"
rc=$?
set -e
assert_eq "$rc" 2 "truncated gzip: exit status"
grep -q "afetch:" "$d/err" || fail "truncated gzip: no message"

# Nothing above reached the server.
assert_eq "$(af_stat requests_total)" 0 "requests seen by the server"
assert_eq "$(af_stat connections_total)" 0 "connections seen by the server"

# 5 M lines, 5 M hosts: bounded memory, the host count an estimate within
# 3 standard errors.
n=5000000
max_kib=$((64 * 1024))
if [[ -n ${AF_SANITIZED:-} ]]; then
  n=300000 # sanitizers: slower, and RSS is not checked there
fi
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "http://h%d.example/p\n", i }' |
  /usr/bin/time -f %M -o "$d/rss" "$AFETCH" --plan --json >"$d/big.json"
big=$(cat "$d/big.json")
assert_eq "$(jq .valid <<<"$big")" "$n" "5 M: valid"
hosts=$(jq .hosts <<<"$big")
if ((n > 1048576)); then
  assert_eq "$(jq .hosts_exact <<<"$big")" false "5 M: an estimate"
  dev=$(jq -n --argjson h "$hosts" --argjson n "$n" '(($h - $n) | fabs) / $n * 10000 | floor')
  assert_le "$dev" 243 "5 M: estimate within 3 standard errors (0.81 % each), 1e-4 units"
  rss=$(tail -1 "$d/rss")
  echo "plan of $n lines: peak RSS $rss KiB" >&2
  [[ -n ${AF_SANITIZED:-} ]] || assert_le "$rss" "$max_kib" "5 M: peak RSS KiB"
else
  assert_eq "$hosts" "$n" "exact below the bound"
fi
assert_eq "$(af_stat requests_total)" 0 "requests seen by the server"
pass
