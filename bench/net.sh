#!/usr/bin/env bash
# The local-internet workloads of bench/run.sh (--set realweb,polite,bulk):
# afetch beside curl --parallel, aiohttp (bench/peers/aio_fetch.py) and
# wget2, interleaved round by round, inside the private network namespace
# of tests/cli/lib_net.sh (afdns on 127.0.0.1:53, our CA as the system
# store, nginx with TLS 1.3 + HTTP/2 on every 127.x address): no packet
# leaves the namespace.
#
# Usage: bench/net.sh [--set LIST] [--rounds N] [--quick|--smoke] [--out DIR]
#                     [--afetch-only]
#   --set LIST    realweb, polite, bulk (default: all three)
#   --rounds N    rounds (default 3; --quick and --smoke: 1)
#   --quick       about a tenth of each list (a few minutes)
#   --smoke       tiny lists (seconds), for tests/cli/bench_smoke.sh
#   --out DIR     BENCHMARKS-net.md and results/ go there (default: the
#                 section is put into docs/BENCHMARKS.md, raw runs in
#                 bench/results/)
#   --afetch-only leave the peers out
# Environment: AFETCH, AFSERVE, AFDNS (built binaries; required), AF_SRC;
# BENCH_BULK_BASELINE (another afetch, run on B1 beside afetch);
# RUN_TIMEOUT (s, default 300) kills a run that takes longer.
# Exits 77 where namespaces are not available (not root, no unshare).
set -euo pipefail
# A benchmark that stops says where (set -e alone ends it silently).
trap 'echo "net.sh: line $LINENO: \"$BASH_COMMAND\" failed ($?)" >&2' ERR
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export AF_SRC=${AF_SRC:-$(dirname "$here")}
for b in AFETCH AFSERVE AFDNS; do
  [ -n "${!b:-}" ] && [ -x "${!b}" ] ||
    { echo "net.sh: $b must name the built binary" >&2; exit 2; }
  export "${b?}"
done
case " $* " in *" -h "* | *" --help "*)
  sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0 ;;
esac
# One two-label zone, so that *.web.test covers every name in the leaf.
export NET_ZONE=web.test NET_CERT_HOSTS=0 NET_SKIP_STATUS=77
export NET_RESOLV_OPTIONS=${NET_RESOLV_OPTIONS:-timeout:2 attempts:1}
# shellcheck source=tests/cli/lib_net.sh
source "$AF_SRC/tests/cli/lib_net.sh" # re-runs this script in the namespace

sets=realweb,polite,bulk rounds=3 size=full outdir="" afetch_only=0
while [ $# -gt 0 ]; do
  case $1 in
    --set) sets=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --quick) size=quick ;;
    --smoke) size=smoke ;;
    --out) outdir=$2; shift ;;
    --afetch-only) afetch_only=1 ;;
    *) echo "net.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "net.sh: --rounds N" >&2; exit 2; }
[ "$size" = full ] || rounds=1
log() { printf '%s\n' "$*" >&2; }
t_start=$(date +%s)
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
have_curl=0 have_aio=0 have_wget2=0
if [ "$afetch_only" = 0 ]; then
  command -v curl >/dev/null && have_curl=1
  "$PY" -c 'import aiohttp, bs4, lxml' 2>/dev/null && have_aio=1
  command -v wget2 >/dev/null && have_wget2=1
fi
# Features other branches bring: a row that needs one the binary lacks
# reads n/a.
have_resume=0
"$AFETCH" --help 2>&1 | grep -q -- '--resume' && have_resume=1

tmp=$NET_DIR/bench
mkdir -p "$tmp/in"
chmod 755 "$NET_DIR" "$tmp"
# A real system store holds ~140 roots, and what a client pays per TLS
# connection to read it is part of these figures: the namespace's bundle
# gets Debian's roots (ca-certificates' sources, which the namespace does
# not hide) behind our CA, for this namespace only.
if [ -d /usr/share/ca-certificates/mozilla ]; then
  cat "$NET_CA/ca.pem" /usr/share/ca-certificates/mozilla/*.crt \
    >"$NET_DIR/certs/ca-bundle-full.crt"
  mount --bind "$NET_DIR/certs/ca-bundle-full.crt" \
    /etc/ssl/certs/ca-certificates.crt
  trap 'umount /etc/ssl/certs/ca-certificates.crt 2>/dev/null || true
    net_cleanup' EXIT
fi
ca_roots=$(grep -c 'BEGIN CERTIFICATE' /etc/ssl/certs/ca-certificates.crt)
cc -O2 -std=c11 -Wall -o "$tmp/measure" "$here/measure.c"
MEASURE=$tmp/measure

# ---------------------------------------------------------------- sizes
# name=full/quick/smoke
pick() {
  case $size in full) echo "$1" ;; quick) echo "$2" ;; *) echo "$3" ;; esac
}
R1N=$(pick 2000 400 40) R1H=$(pick 100 20 4)
R2H=20 R2P=$(pick 1000 100 10)
R4H=5 R4P=$(pick 5000 500 10)
R5H=$(pick 200 50 5) R5P=$(pick 10 4 2)
R6N=$(pick 2000 400 20)
R7N=$(pick 1000 200 20) R7D=$(pick 260 52 6)
P1H=20 P1P=$(pick 500 50 10) P1E=10 P1S=$(pick 2 1 1)
P2N=$(pick 10000 1000 100) P2D=$(pick 50 20 10)
P3N=$(pick 1000000 100000 2000)
B1N=$(pick 20000 2000 50)

# ---------------------------------------------------------------- servers
net_start_dns
af_start_server --port 0
AP=$AF_PORT
ngx=$tmp/nginx
mkdir -p "$ngx/logs"
cat >"$ngx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
worker_rlimit_nofile 65536;
pid $ngx/nginx.pid;
error_log $ngx/logs/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $ngx/body;
  proxy_temp_path $ngx/proxy;
  fastcgi_temp_path $ngx/fcgi;
  uwsgi_temp_path $ngx/uwsgi;
  scgi_temp_path $ngx/scgi;
  ssl_certificate $NET_CA/cert.pem;
  ssl_certificate_key $NET_CA/key.pem;
  ssl_protocols TLSv1.2 TLSv1.3;
  http2_max_concurrent_streams 128;
  keepalive_requests 100000;
  keepalive_timeout 65;
  default_type text/html;
  upstream afserve { server 127.0.0.1:$AP; keepalive 64; }
  server {
    listen 443 ssl http2 backlog=8192;
    listen 80 backlog=8192;
    location = /nginx_status { stub_status; }
    location / {
      return 200 "<!doctype html><title>\$host</title><p>a page of \$host\n";
    }
    # The polite set's one host that answers 429: afserve's /every route;
    # and P2's live sites, which answer in 100 ms (afserve's /delay) as
    # real ones do, so that a dead host's fixed timeout is measured beside
    # real work rather than beside loopback's instant answers.
    location /delay/ {
      proxy_pass http://afserve;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
    location /every/ {
      proxy_pass http://afserve;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
nginx -p "$ngx" -c "$ngx/nginx.conf" &
NGX_PID=$!
af__extra+=("$NGX_PID")
for ((i = 0; i < 500; i++)); do
  (exec 3<>/dev/tcp/127.0.0.1/443) 2>/dev/null && break
  kill -0 "$NGX_PID" 2>/dev/null || fail "nginx: $(tail -3 "$ngx/logs/error.log")"
  sleep 0.02
done
servers=(-s "$AF_PID" -s "$NGX_PID" -s "$NET_DNS_PID")
for p in $(pgrep -P "$NGX_PID" || true); do servers+=(-s "$p"); done
# A counter that cannot be read (a server swamped by a peer's retries) is
# left empty rather than ending the run.
ngx_counts() { # accepts requests
  { af_curl http://127.0.0.1/nginx_status || true; } |
    awk 'NR == 3 { print $1, $3 }'
}
dns_counts() { # queries names_total
  { af_curl "$NET_DNS_BASE/stats" || true; } |
    jq -r '"\(.queries) \(.names_total)"' 2>/dev/null || true
}

# ---------------------------------------------------------------- inputs
# Every list is made once; hosts are hK.web.test (nginx on 127.0.0.K).
in=$tmp/in
"$PY" - "$in" <<EOF
import random, sys
d = sys.argv[1]
rnd = random.Random(11)
def w(name, urls):
    with open("%s/%s.txt" % (d, name), "w") as f:
        f.write("".join(u + "\n" for u in urls))
def grid(hosts, per, fmt):
    return [fmt % (h, i) for i in range(1, per + 1) for h in hosts]
# R1: $R1N URLs on $R1H HTTPS hosts (round robin)
w("r1", ["https://h%d.web.test/p?i=%d" % (i % $R1H + 1, i) for i in range($R1N)])
# R2/R3: $R2H hosts x $R2P, shuffled and sorted by host
u = grid(range(1, $R2H + 1), $R2P, "https://h%d.web.test/p?i=%d")
rnd.shuffle(u); w("r2", u); w("r3", sorted(u, key=lambda s: (s.split("/")[2], s)))
# R4: $R4H hosts x $R4P, shuffled (R4s) and sorted (R4)
u = grid(range(1, $R4H + 1), $R4P, "https://h%d.web.test/p?i=%d")
rnd.shuffle(u); w("r4s", u); w("r4", sorted(u, key=lambda s: (s.split("/")[2], s)))
# R5: $R5H names x $R5P URLs, each name answered after 50 ms
u = grid(range(1, $R5H + 1), $R5P, "https://d50-h%d.web.test/p?i=%d")
rnd.shuffle(u); w("r5", u)
# R6: $R6N names, one URL each, 50 ms
w("r6", ["https://d50-h%d.web.test/p" % k for k in range(1, $R6N + 1)])
# R7: $R7N URLs, $R7D dead: half on refused ports, half on black-holed names
dead = $R7D; refused = dead // 2; bh = dead - refused
u = ["https://h%d.web.test/p?i=%d" % (i % 100 + 1, i) for i in range($R7N - dead)]
u += ["https://h%d.web.test:1/p?i=%d" % (i % 26 + 1, i) for i in range(refused)]
u += ["https://bh-%d.web.test/p?i=%d" % (i % 26 + 1, i) for i in range(bh)]
rnd.shuffle(u); w("r7", u)
# P1: $P1H hosts x $P1P; h1's URLs go to afserve's /every route: every
# ${P1E}th request is a 429 with Retry-After: $P1S. P1x: the same list with
# h1 never answering 429 (the route with a period of a million).
def p1(every):
    out = []
    for i in range(1, $P1P + 1):
        for h in range(1, $P1H + 1):
            if h == 1:
                out.append("https://h1.web.test/every/%d/$P1S/k%d?i=%d" % (every, every, i))
            else:
                out.append("https://h%d.web.test/p?i=%d" % (h, i))
    rnd.shuffle(out)
    return out
w("p1", p1($P1E)); w("p1x", p1(1000000))
# P2: $P2N URLs, 30 % on $P2D dead hosts (half refused, half black holes),
# and P2x the same list without them
live = ["https://h%d.web.test/delay/100?i=%d" % (i % 20 + 1, i) for i in range($P2N * 7 // 10)]
deadu = []
for i in range($P2N - len(live)):
    k = i % $P2D
    deadu.append("https://h%d.web.test:1/p?i=%d" % (101 + k, i) if k % 2
                 else "https://bh-p%d.web.test/p?i=%d" % (k, i))
u = live + deadu; rnd.shuffle(u); w("p2", u)
sl = set(live); w("p2x", [x for x in u if x in sl])
# P3: $P3N small URLs over 10 plain-HTTP hosts
with open(d + "/p3.txt", "w") as f:
    for i in range(1, $P3N + 1):
        f.write("http://h%d.web.test/p?i=%d\n" % (i % 10 + 1, i))
# B1: $B1N x 100 KB non-HTML from afserve
w("b1", ["http://h1.web.test:$AP/bytes/102400?i=%d" % i for i in range(1, $B1N + 1)])
EOF
for f in "$in"/*.txt; do
  awk '{ printf "url = \"%s\"\noutput = \"/dev/null\"\n", $0 }' "$f" >"${f%.txt}.curl"
done

# ---------------------------------------------------------------- results
if [ -n "$outdir" ]; then
  mkdir -p "$outdir"
  outdir=$(cd "$outdir" && pwd)
  resdir=$outdir/results md=$outdir/BENCHMARKS-net.md
else
  resdir=$AF_SRC/bench/results md=$AF_SRC/docs/BENCHMARKS.md
fi
mkdir -p "$resdir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
csv=$resdir/net-$stamp.csv
meta=$resdir/net-meta-$stamp.txt
cmds=$resdir/net-commands-$stamp.tsv
echo "round,workload,tool,n,wall,cpu,maxrss_kb,status,ok,conns,requests,dns_queries,dns_names,threads_max,reported,dns_errors,x1,x2,x3,others" >"$csv"
: >"$cmds"

# ---------------------------------------------------------------- one run
# run_one W TOOL N [measure opts] -- CMD...: one measured run, one CSV row.
# X1 and X2 (globals) are set by a workload's own check after the run.
cur_round=0
run_one() {
  local w=$1 t=$2 n=$3
  shift 3
  cur_w=$w
  local mopts=()
  while [ "$1" != -- ]; do mopts+=("$1"); shift; done
  shift
  local out=$tmp/out.$w.$t err=$tmp/err.$w.$t
  if ! grep -q "^$w	$t	" "$cmds"; then
    local c="" arg
    for arg in "$@"; do
      arg=${arg//"$in/"/}
      arg=${arg//"$AFETCH"/afetch}
      arg=${arg//"$here/peers/"/bench/peers/}
      arg=${arg//"$tmp/"/}
      [ "$arg" = "$PY" ] && arg=python3
      [[ $arg =~ ^[A-Za-z0-9_./:=+,@%-]+$ ]] || arg="'${arg//\'/\'\\\'\'}'"
      c="$c $arg"
    done
    printf '%s\t%s\t%s\n' "$w" "$t" "${c# }" >>"$cmds"
  fi
  af_reset
  net_dns_reset
  local g0 g1 d res
  g0=$(ngx_counts)
  res=$(nice -n 10 "$MEASURE" -t "${RUN_TIMEOUT:-300}" -o "$out" -e "$err" \
    "${servers[@]}" "${mopts[@]}" -- "$@")
  g1=$(ngx_counts)
  d=$(dns_counts)
  declare -A m=()
  local kv
  for kv in $res; do m[${kv%%=*}]=${kv#*=}; done
  local a0 q0 a1 q1 dq dn
  read -r a0 q0 <<<"$g0"
  read -r a1 q1 <<<"$g1"
  read -r dq dn <<<"$d"
  # Each status request is one connection and one request of its own.
  local conns="" reqs=""
  if [ -n "${a0:-}" ] && [ -n "${a1:-}" ]; then
    conns=$((a1 - a0 - 1)) reqs=$((q1 - q0 - 1))
  fi
  # Answered 200, results reported, DNS failures (error_kind dns).
  local ok=0 rep="" dnse=""
  case $t in
    afetch*)
      ok=$(grep -c '"status":200,' "$out" || true)
      rep=$(grep -c '^{' "$out" || true)
      dnse=$(grep -c '"error_kind":"dns"' "$out" || true) ;;
    curl*) ok=$(grep -c '^200$' "$out" || true); rep=$(grep -c . "$out" || true) ;;
    aiohttp) ok=$(grep -c '^200	' "$out" || true); rep=$(grep -c . "$out" || true) ;;
    wget2)
      # No file when wget2 was killed at RUN_TIMEOUT: nothing reported.
      ok=$({ awk -F, 'NR > 1 && $4 == 200' "$tmp/wget2.csv" 2>/dev/null ||
        true; } | wc -l)
      rep=$({ awk 'NR > 1' "$tmp/wget2.csv" 2>/dev/null || true; } | wc -l) ;;
  esac
  X1="" X2="" X3=""
  [ -z "${CHECK:-}" ] || "$CHECK" "$out"
  printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' \
    "$cur_round" "$w" "$t" "$n" "${m[wall]}" "${m[cpu]}" "${m[maxrss_kb]}" \
    "${m[status]}" "$ok" "$conns" "$reqs" "$dq" "$dn" "${m[threads_max]:-}" \
    "$rep" "$dnse" "$X1" "$X2" "$X3" "${m[others]}" >>"$csv"
  log "$(printf '  r%s %-4s %-14s wall %8.3f s  cpu %7.3f s  rss %7d KB  ok %6s/%-6s conns %6s  dnsq %5s/%-5s thr %3s %s' \
    "$cur_round" "$w" "$t" "${m[wall]}" "${m[cpu]}" "${m[maxrss_kb]}" "$ok" \
    "$n" "$conns" "$dq" "$dn" "${m[threads_max]:--}" "$X1 $X2 $X3")"
  rm -f "$tmp/wget2.csv"
  [ "${KEEP_OUT:-0}" = 1 ] || rm -f "$out" "$err"
}

# The peers on one list at concurrency C (per host P where a tool has it).
peer() { # W TOOL N C P FILE [measure opts]
  local w=$1 t=$2 n=$3 c=$4 p=$5 f=$6
  shift 6
  case $t in
    curl)
      run_one "$w" curl "$n" "$@" -- curl --parallel --parallel-immediate \
        --parallel-max "$c" --no-progress-meter -w '%{http_code}\n' \
        -K "${f%.txt}.curl" ;;
    aiohttp)
      run_one "$w" aiohttp "$n" "$@" -- "$PY" "$here/peers/aio_fetch.py" \
        -c "$c" --per-host "$p" "$f" ;;
    wget2)
      run_one "$w" wget2 "$n" "$@" -- wget2 --no-config --max-threads="$c" \
        --tries=1 -q -O /dev/null --stats-site="csv:$tmp/wget2.csv" -i "$f" ;;
  esac
}
peers_list() {
  local l=()
  [ "$have_curl" = 1 ] && l+=(curl)
  [ "$have_aio" = 1 ] && l+=(aiohttp)
  [ "$have_wget2" = 1 ] && l+=(wget2)
  echo "${l[@]}"
}

# One workload with afetch and every peer, in a rotating order.
# rw W N C P FILE [measure opts]
rw() {
  local w=$1 n=$2 c=$3 p=$4 f=$5
  shift 5
  local tl k t
  read -r -a tl <<<"afetch $(peers_list)"
  k=$(((cur_round - 1) % ${#tl[@]}))
  tl=("${tl[@]:k}" "${tl[@]:0:k}")
  for t in "${tl[@]}"; do
    if [ "$t" = afetch ]; then
      run_one "$w" afetch "$n" "$@" -- "$AFETCH" --json --no-summary \
        -c "$c" --per-host "$p" "$f"
    else
      peer "$w" "$t" "$n" "$c" "$p" "$f" "$@"
    fi
  done
}

# ---------------------------------------------------------------- checks
# P1: from afserve's log (arrival times, ms), the requests to /every/ that
# arrived inside a window a 429 announced (more than 50 ms after it: the
# ones already on the wire are not a breach), and the 429s sent; from
# afetch's JSON, when the last URL of the other hosts ended (ms).
p1_check() {
  local out=$1
  [ "$cur_w" = P1 ] && read -r X1 X2 < <(af_curl "$AF_BASE/log/times" | "$PY" -c "
import sys
every, secs = $P1E, $P1S
ts = [int(l.split()[0]) for l in sys.stdin if '/every/' in l]
bad = 0; windows = 0
for i, t in enumerate(ts):
    if (i + 1) % every == 0:
        windows += 1
        bad += sum(1 for u in ts[i + 1:] if t + 50 < u < t + secs * 1000)
print(bad, windows)")
  if [ "$t_cur" = afetch ] && [ "$cur_w" = P1 ]; then
    # A window counts only if afetch met its 429 too (it retried a URL of
    # h1 for it): the log's rule alone would count windows a broken route
    # never announced.
    local seen
    seen=$(jq -s '[.[] | select(.url | test("//h1\\.")) | .retries] | add // 0' "$out")
    [ "${X2:-0}" -le "$seen" ] || X2=$seen
  fi
  if [ "$t_cur" = afetch ]; then
    X3="$(jq -s '[.[] | select(.url | test("//h1\\.") | not)
      | .time_ms.start + .time_ms.total] | max | floor' "$out")"
  fi
}

# ---------------------------------------------------------------- rounds
IFS=', ' read -r -a set_l <<<"$sets"
has() { local s; for s in "${set_l[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
log "bench/net.sh: $size, $rounds round(s) of ${set_l[*]}; peers: $(peers_list)"
for ((r = 1; r <= rounds; r++)); do
  cur_round=$r
  if has realweb; then
    log "round $r/$rounds realweb"
    rw R1 "$R1N" 100 100 "$in/r1.txt"
    rw R2 $((R2H * R2P)) 60 6 "$in/r2.txt"
    rw R3 $((R2H * R2P)) 60 6 "$in/r3.txt"
    rw R4s $((R4H * R4P)) 30 6 "$in/r4s.txt"
    rw R4 $((R4H * R4P)) 30 6 "$in/r4.txt"
    rw R5 $((R5H * R5P)) 100 6 "$in/r5.txt"
    rw R6 "$R6N" 200 6 "$in/r6.txt" -T
    rw R7 "$R7N" 100 6 "$in/r7.txt"
  fi
  if has bulk; then
    log "round $r/$rounds bulk"
    for t in afetch curl afetch-before; do
      if [ "$t" = afetch ]; then
        run_one B1 afetch "$B1N" -- "$AFETCH" --json --no-summary -c 50 \
          --per-host 50 "$in/b1.txt"
      elif [ "$t" = afetch-before ]; then
        # BENCH_BULK_BASELINE: another afetch build (the write path before
        # a change) on the same list, for a before/after of B1.
        [ -z "${BENCH_BULK_BASELINE:-}" ] ||
          run_one B1 afetch-before "$B1N" -- "$BENCH_BULK_BASELINE" --json \
            --no-summary -c 50 --per-host 50 "$in/b1.txt"
      elif [ "$have_curl" = 1 ]; then
        peer B1 curl "$B1N" 50 50 "$in/b1.txt"
      fi
    done
  fi
  if has polite; then
    log "round $r/$rounds polite"
    # P1 takes (500 / 10) x 2 s on its 429 host: one round is enough for
    # the windows; its baseline P1x runs every round.
    if [ "$r" = 1 ]; then
      CHECK=p1_check KEEP_OUT=1 t_cur=afetch
      run_one P1 afetch $((P1H * P1P)) -- "$AFETCH" --json --no-summary \
        -c 60 --per-host 6 --retries 5 "$in/p1.txt"
      if [ "$have_curl" = 1 ]; then
        t_cur=curl
        run_one P1 curl $((P1H * P1P)) -- curl --parallel \
          --parallel-immediate --parallel-max 60 --no-progress-meter \
          --retry 5 -w '%{http_code}\n' -K "$in/p1.curl"
      fi
      CHECK="" KEEP_OUT=0
    fi
    CHECK=p1_check KEEP_OUT=1 t_cur=afetch
    run_one P1x afetch $((P1H * P1P)) -- "$AFETCH" --json --no-summary \
      -c 60 --per-host 6 --retries 5 "$in/p1x.txt"
    CHECK="" KEEP_OUT=0
    run_one P2 afetch "$P2N" -- "$AFETCH" --json --no-summary -c 100 \
      --per-host 6 "$in/p2.txt"
    run_one P2x afetch "$(wc -l <"$in/p2x.txt")" -- "$AFETCH" --json \
      --no-summary -c 100 --per-host 6 "$in/p2x.txt"
    if [ "$r" = 1 ] && [ "$have_resume" = 1 ]; then
      # A fresh run, a run killed (SIGKILL) once half the results are in
      # the file, its resume, and a resume of the finished file (all
      # skipped: the rate of skipping).
      run_one P3fresh afetch "$P3N" -- "$AFETCH" -q -c 100 --per-host 10 \
        -o "$tmp/p3fresh.jsonl" --json "$in/p3.txt"
      rm -f "$tmp/p3fresh.jsonl" "$tmp/p3.jsonl"
      "$AFETCH" -q -c 100 --per-host 10 --json --resume "$tmp/p3.jsonl" \
        "$in/p3.txt" 2>/dev/null &
      kpid=$!
      for ((i = 0; i < 6000; i++)); do
        [ "$(wc -l <"$tmp/p3.jsonl" 2>/dev/null || echo 0)" -ge $((P3N / 2)) ] && break
        kill -0 "$kpid" 2>/dev/null || break
        sleep 0.05
      done
      kill -KILL "$kpid" 2>/dev/null || true
      wait "$kpid" 2>/dev/null || true
      X_DONE=$(wc -l <"$tmp/p3.jsonl")
      log "  P3: killed at $X_DONE of $P3N lines"
      run_one P3resume afetch "$P3N" -- "$AFETCH" -q -c 100 --per-host 10 \
        --json --resume "$tmp/p3.jsonl" "$in/p3.txt"
      run_one P3skip afetch "$P3N" -- "$AFETCH" -q -c 100 --per-host 10 \
        --json --resume "$tmp/p3.jsonl" "$in/p3.txt"
      echo "p3_killed_at=$X_DONE" >>"$meta"
      echo "p3_lines=$(wc -l <"$tmp/p3.jsonl")" >>"$meta"
      rm -f "$tmp/p3.jsonl"
    fi
  fi
done

t_end=$(date +%s)
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "size=$size"
  echo "rounds=$rounds"
  echo "sets=$sets"
  echo "duration_s=$((t_end - t_start))"
  echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "afetch=$("$AFETCH" -V 2>&1 | head -1)"
  echo "curl=$(curl --version 2>/dev/null | head -1)"
  echo "wget2=$(wget2 --version 2>/dev/null | head -1)"
  echo "aiohttp=$("$PY" -c 'import aiohttp; print(aiohttp.__version__)' 2>/dev/null)"
  echo "nginx=$(nginx -v 2>&1 | head -1)"
  echo "have_resume=$have_resume"
  echo "ca_roots=$ca_roots"
  echo "sizes=R1N=$R1N R1H=$R1H R2H=$R2H R2P=$R2P R4H=$R4H R4P=$R4P R5H=$R5H R5P=$R5P R6N=$R6N R7N=$R7N R7D=$R7D P1H=$P1H P1P=$P1P P1E=$P1E P1S=$P1S P2N=$P2N P2D=$P2D P3N=$P3N B1N=$B1N"
} >>"$meta"
"$PY" "$here/report_net.py" --csv "$csv" --meta "$meta" --commands "$cmds" \
  --md "$md"
cp "$csv" "$resdir/net-latest.csv"
log "bench/net.sh: done in $((t_end - t_start)) s: $md"
