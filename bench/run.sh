#!/usr/bin/env bash
# afetch benchmark suite: afetch beside curl --parallel, xargs -P curl, an
# asyncio + aiohttp + BeautifulSoup script and a thread pool + requests +
# BeautifulSoup script, on the same inputs, interleaved round by round, on
# loopback only (127.0.0.1).
#
# Usage: bench/run.sh [--smoke] [--quick] [--rounds N] [--only W1,W2,...]
#                     [--set LIST] [--out DIR] [--no-install]
#                     [--baseline AFETCH] [--afetch-only]
#   --set LIST    which sets: classic (W1-W9, the default), and the
#                 local-internet sets of bench/net.sh (needs root for its
#                 network namespace): realweb (many HTTPS names, sorted
#                 lists, DNS delays, dead hosts), polite (a 429 host, dead
#                 hosts, --resume), bulk (20 000 x 100 KB bodies); "net" is
#                 the three, "all" everything. Their section of
#                 BENCHMARKS.md is kept when W1-W9 are re-run alone.
#   --quick       with the bench/net.sh sets: about a tenth of each list,
#                 one round (a few minutes)
#   --smoke       tiny lists, 1 round, peers that are installed only (no
#                 apt-get), output to a temp dir unless --out; < 60 s
#   --rounds N    rounds (default 3; the issue asks for 3 to 5)
#   --only LIST   workloads to run, e.g. W1,W6 or 1,6 (default: all nine)
#   --out DIR     where BENCHMARKS.md, bench-wall.png and the raw results go
#                 (default: docs/ and bench/results/ of this tree)
#   --no-install  never call apt-get; skip what is missing
#   --baseline B  also run the afetch binary B (say, a build of the previous
#                 commit) with exactly afetch's arguments, as the peer
#                 "afetch-before" (and afetch-seq-before, afetch-compare-
#                 before), interleaved with afetch round by round; the report
#                 gets a "Before and after" section (also written alone to
#                 BEFORE-AFTER.md beside BENCHMARKS.md); W8 then runs in
#                 every round, not once
#   --afetch-only leave the other peers out (curl, xargs, the Python ones):
#                 with --baseline, a before/after run of afetch alone
#
# Environment: AFETCH and AFSERVE (built binaries) skip the build;
# AFETCH_BASELINE is --baseline's default;
# BENCH_QUIET_WAIT (s, default 15) how long each run waits for a quiet
# machine; BENCH_BUSY_BUDGET (s, default 900) the most time spent on the
# whole in such waits and in redone runs; BENCH_NGINX_WORKERS (default 1).
#
# Each run goes through bench/measure (wall time, user+sys CPU of the process
# tree from wait4, peak RSS, and the CPU the rest of the machine used
# meanwhile); a run during which other processes used more than 10 % of one
# core is redone, twice at most, and flagged if still disturbed. Once the
# busy budget is spent, runs are no longer redone, only flagged. The smoke
# run neither waits nor redoes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
smoke=0 rounds=3 only="" outdir="" install=1 afetch_only=0 sets=classic quick=0
baseline=${AFETCH_BASELINE:-}
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1 ;;
    --quick) quick=1 ;;
    --set) sets=${2:?--set LIST}; shift ;;
    --set=*) sets=${1#*=} ;;
    --rounds) rounds=${2:?--rounds N}; shift ;;
    --rounds=*) rounds=${1#*=} ;;
    --only) only=${2:?--only W1,W2}; shift ;;
    --only=*) only=${1#*=} ;;
    --out) outdir=${2:?--out DIR}; shift ;;
    --out=*) outdir=${1#*=} ;;
    --no-install) install=0 ;;
    --baseline) baseline=${2:?--baseline AFETCH}; shift ;;
    --baseline=*) baseline=${1#*=} ;;
    --afetch-only) afetch_only=1 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --rounds needs a number" >&2; exit 2; }
do_classic=0 net_sets=""
IFS=', ' read -r -a _s <<<"$sets"
for s in "${_s[@]}"; do
  case $s in
    classic) do_classic=1 ;;
    realweb|polite|bulk) net_sets=$net_sets${net_sets:+,}$s ;;
    net) net_sets=realweb,polite,bulk ;;
    all) do_classic=1 net_sets=realweb,polite,bulk ;;
    *) echo "run.sh: unknown set $s (classic, realweb, polite, bulk, net, all)" >&2; exit 2 ;;
  esac
done
if [ "$smoke" = 1 ]; then
  rounds=1 install=0
fi

# Loopback only: no proxy from the environment may catch a request.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'
export LC_ALL=C

log() { printf '%s\n' "$*" >&2; }
t_start=$(date +%s)

# ---------------------------------------------------------------- peers
# curl, nginx and python3 packages; the peers come from Debian so that the
# comparison is with what a user of this system gets.
# tests/scripts/deps.sh asks apt only for what is missing.
if [ "$install" = 1 ]; then
  bash "$root/tests/scripts/deps.sh" bench
fi

# Debian's python3 (the one that has python3-aiohttp), not a pyenv or venv
# one earlier in PATH.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
NGINX=$(command -v nginx || true)
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
have_curl=0 have_aio=0 have_req=0 have_gnuplot=0
command -v curl >/dev/null && have_curl=1
"$PY" -c 'import aiohttp, bs4, lxml' 2>/dev/null && have_aio=1
"$PY" -c 'import requests, bs4, lxml' 2>/dev/null && have_req=1
command -v gnuplot >/dev/null && have_gnuplot=1

# ---------------------------------------------------------------- build
if [ -n "${AFETCH:-}" ] && [ -n "${AFSERVE:-}" ]; then
  if [ ! -x "$AFETCH" ] || [ ! -x "$AFSERVE" ]; then
    log "bench: AFETCH or AFSERVE is not executable"
    exit 2
  fi
else
  bdir="$root/build-bench"
  log "bench: building afetch (Release) in $bdir"
  cmake -S "$root" -B "$bdir" -DCMAKE_BUILD_TYPE=Release -DAFETCH_TESTS=OFF \
    >/dev/null
  cmake --build "$bdir" -j"$(nproc)" --target afetch afserve afdns >/dev/null
  AFETCH=$bdir/afetch AFSERVE=$bdir/afserve
fi
AFDNS=${AFDNS:-$(dirname "$AFSERVE")/afdns}

# ---------------------------------------------------------------- net sets
# bench/net.sh runs in its own network namespace, with its own servers.
if [ -n "$net_sets" ]; then
  nargs=(--set "$net_sets" --rounds "$rounds")
  [ "$smoke" = 1 ] && nargs+=(--smoke)
  [ "$quick" = 1 ] && nargs+=(--quick)
  [ "$afetch_only" = 1 ] && nargs+=(--afetch-only)
  if [ -n "$outdir" ]; then
    nargs+=(--out "$outdir")
  elif [ "$smoke" = 1 ] || [ "$quick" = 1 ]; then
    nargs+=(--out "${TMPDIR:-/tmp}/afbench-net")
  fi
  nrc=0
  AFETCH=$AFETCH AFSERVE=$AFSERVE AFDNS=$AFDNS \
    bash "$here/net.sh" "${nargs[@]}" || nrc=$?
  [ "$nrc" = 77 ] && log "bench: the $net_sets set(s) need root and unshare: skipped"
  [ "$nrc" = 0 ] || [ "$nrc" = 77 ] || exit "$nrc"
fi
[ "$do_classic" = 1 ] || exit 0
AFETCH=$(cd "$(dirname "$AFETCH")" && pwd)/$(basename "$AFETCH")
if [ -n "$baseline" ]; then
  [ -x "$baseline" ] || { log "bench: --baseline $baseline is not executable"; exit 2; }
  baseline=$(cd "$(dirname "$baseline")" && pwd)/$(basename "$baseline")
  [ "$baseline" != "$AFETCH" ] || log "bench: --baseline is afetch itself"
fi
AFSERVE=$(cd "$(dirname "$AFSERVE")" && pwd)/$(basename "$AFSERVE")

# ---------------------------------------------------------------- temp, cleanup
tmp=$(mktemp -d "${TMPDIR:-/tmp}/afbench.XXXXXX")
chmod 755 "$tmp" # nginx's worker runs as nobody and reads the pages here
pids=()
cleanup() {
  local pid n
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for ((n = 0; n < 100; n++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cc -O2 -std=c11 -Wall -o "$tmp/measure" "$here/measure.c"
MEASURE=$tmp/measure

# Every peer opens as many sockets as it has transfers in flight: give this
# shell's children the hard limit (W7 sets afetch's soft limit back to 1024
# to check that afetch raises it by itself).
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
nofile_hard=$(ulimit -Hn)

# ---------------------------------------------------------------- sizes
if [ "$smoke" = 1 ]; then
  N1=20 D1=100 N3=5 N4=20 N5=20 N5X=20 N6=20 N7=20 D7=200 N8H=20 N8S=200
  N9=10 C7=20
  quiet_wait=0 max_attempts=1 busy_budget=0
else
  N1=1000 D1=200 N3=50 N4=1000 N5=20000 N5X=1000 N6=2000 N7=5000 D7=2000
  N8H=20000 N8S=1000000 N9=100 C7=5000
  quiet_wait=${BENCH_QUIET_WAIT:-15} max_attempts=3
  busy_budget=${BENCH_BUSY_BUDGET:-900}
fi
busy_spent=0

all_w=(W1 W2 W3 W4 W5 W6 W7 W8 W9)
sel_w=()
if [ -n "$only" ]; then
  IFS=', ' read -r -a _o <<<"$only"
  for w in "${_o[@]}"; do
    w=${w^^}
    [[ $w =~ ^[0-9]$ ]] && w=W$w
    [[ $w =~ ^W[1-9]$ ]] || { log "run.sh: unknown workload $w"; exit 2; }
    sel_w+=("$w")
  done
else
  sel_w=("${all_w[@]}")
fi
need_nginx=0
for w in "${sel_w[@]}"; do
  case $w in W5|W6|W8) need_nginx=1 ;; esac
done

# ---------------------------------------------------------------- servers
free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

: >"$tmp/afserve.port" # exists before the loop below reads it
"$AFSERVE" --port 0 --quiet >"$tmp/afserve.port" 2>"$tmp/afserve.log" &
AFSERVE_PID=$!
pids+=("$AFSERVE_PID")
AP=""
for ((i = 0; i < 500; i++)); do
  if IFS= read -r line <"$tmp/afserve.port" && [[ $line =~ ^[0-9]+$ ]]; then
    AP=$line
    break
  fi
  kill -0 "$AFSERVE_PID" 2>/dev/null || break
  sleep 0.02
done
[ -n "$AP" ] || { log "bench: afserve did not start: $(cat "$tmp/afserve.log")"; exit 1; }
A="http://127.0.0.1:$AP"
log "bench: afserve on $A (pid $AFSERVE_PID)"

NGINX_PID="" NP="" N="" nginx_workers=()
have_nginx=0
if [ "$need_nginx" = 1 ] && [ -n "$NGINX" ]; then
  mkdir -p "$tmp/nginx/www" "$tmp/nginx/tmp"
  "$PY" "$here/gen_article.py" "$tmp/nginx/www/article.html" \
    "$tmp/nginx/www/article.bin"
  chmod -R a+rX "$tmp/nginx"
  for ((try = 0; try < 5; try++)); do
    NP=$(free_port)
    cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes ${BENCH_NGINX_WORKERS:-1};
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  types { text/html html; }
  default_type application/octet-stream;
  charset utf-8;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 100000;
  keepalive_timeout 65;
  client_body_temp_path $tmp/nginx/tmp/body;
  proxy_temp_path $tmp/nginx/tmp/proxy;
  fastcgi_temp_path $tmp/nginx/tmp/fastcgi;
  uwsgi_temp_path $tmp/nginx/tmp/uwsgi;
  scgi_temp_path $tmp/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$NP backlog=8192;
    root $tmp/nginx/www;
    location = /nginx_status { stub_status; }
  }
}
EOF
    "$NGINX" -p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" \
      -g 'daemon off;' >/dev/null 2>&1 &
    NGINX_PID=$!
    pids+=("$NGINX_PID")
    ok=0
    for ((i = 0; i < 250; i++)); do
      if curl -sf --noproxy '*' -o /dev/null "http://127.0.0.1:$NP/nginx_status" 2>/dev/null; then
        ok=1
        break
      fi
      kill -0 "$NGINX_PID" 2>/dev/null || break
      sleep 0.02
    done
    [ "$ok" = 1 ] && break
    kill -TERM "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
  done
  if [ -n "$NGINX_PID" ]; then
    have_nginx=1
    N="http://127.0.0.1:$NP"
    mapfile -t nginx_workers < <(pgrep -P "$NGINX_PID" || true)
    log "bench: nginx on $N (pid $NGINX_PID, workers ${nginx_workers[*]})"
  else
    log "bench: nginx did not start: $(tail -3 "$tmp/nginx/error.log" 2>/dev/null)"
  fi
elif [ "$need_nginx" = 1 ]; then
  log "bench: nginx is not installed: W5, W6 and W8 are skipped"
fi
server_pids=(-s "$AFSERVE_PID")
if [ "$have_nginx" = 1 ]; then
  server_pids+=(-s "$NGINX_PID")
  for p in "${nginx_workers[@]}"; do server_pids+=(-s "$p"); done
fi

# ---------------------------------------------------------------- inputs
in=$tmp/in
mkdir -p "$in"
seq "$N1" | sed "s|.*|$A/delay/$D1/w1-&|" >"$in/w1.txt"
head -n "$N3" "$in/w1.txt" >"$in/w3.txt"
seq "$N4" | sed "s|.*|$A/page/w4-&|" >"$in/w4.txt"
seq "$N7" | sed "s|.*|$A/delay/$D7/w7-&|" >"$in/w7.txt"
# W9: pages of 50..500 ms, spread evenly, in a shuffled but fixed order.
"$PY" -c "
import random, sys
n = $N9
d = [50 + round(i * 450 / max(n - 1, 1)) for i in range(n)]
random.Random(9).shuffle(d)
for i, ms in enumerate(d):
    print('$A/delay/%d/w9-%d' % (ms, i + 1))" >"$in/w9.txt"
if [ "$have_nginx" = 1 ]; then
  seq "$N5" | sed "s|.*|$N/article.bin?i=&|" >"$in/w5.txt"
  head -n "$N5X" "$in/w5.txt" >"$in/w5x.txt"
  seq "$N6" | sed "s|.*|$N/article.html?i=&|" >"$in/w6.txt"
  { seq "$N8H" | sed "s|.*|$N/article.html?w8=&|"
    seq "$N8S" | sed "s|.*|$A/page/w8-&|"; } >"$in/w8.txt"
fi
for f in "$in"/*.txt; do
  awk '{ printf "url = \"%s\"\noutput = \"/dev/null\"\n", $0 }' "$f" >"${f%.txt}.curl"
done
article_bytes=0
[ "$have_nginx" = 1 ] && article_bytes=$(stat -c %s "$tmp/nginx/www/article.html")

# ---------------------------------------------------------------- results
if [ -n "$outdir" ]; then
  mkdir -p "$outdir"
  outdir=$(cd "$outdir" && pwd)
  resdir=$outdir/results md=$outdir/BENCHMARKS.md png=$outdir/bench-wall.png
elif [ "$smoke" = 1 ]; then
  outdir=$tmp/out
  mkdir -p "$outdir"
  resdir=$outdir/results md=$outdir/BENCHMARKS.md png=$outdir/bench-wall.png
else
  resdir=$root/bench/results md=$root/docs/BENCHMARKS.md png=$root/docs/bench-wall.png
fi
mkdir -p "$resdir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
csv=$resdir/runs-$stamp.csv
cmds=$resdir/commands-$stamp.tsv
meta=$resdir/meta-$stamp.txt
echo "round,workload,tool,n,wall,user,sys,cpu,maxrss_kb,status,ok,servers_cpu,others_cpu,steal,redos,busy,conns_total,conns_max,inflight_max,requests,p99_ms,seq_s,conc_s,speedup,rss_half1_kb,rss_half2_kb,af_wall" >"$csv"
: >"$cmds"

# ---------------------------------------------------------------- server counters
af_get() { curl -s --noproxy '*' --max-time 10 "$@"; }
afserve_reset() { af_get -o /dev/null "$A/stats/reset" || true; }
# Top-level counters of afserve's /stats (the per-host ones come after
# "hosts", so cut there first).
afserve_stats() {
  local j k v
  j=$(af_get "$A/stats" || true)
  j=${j%%\"hosts\"*}
  for k in connections_total connections_max inflight_max requests_total; do
    v=$(grep -o "\"$k\":[0-9]*" <<<"$j" | head -1 | cut -d: -f2)
    printf '%s ' "${v:-}"
  done
}
nginx_counts() { # accepts requests
  af_get "$N/nginx_status" 2>/dev/null | awk 'NR == 3 { print $1, $3 }'
}

# ---------------------------------------------------------------- one run
# run_one W TOOL N SERVER(afserve|nginx|both) KIND [measure opts] -- CMD...
#   KIND: afetch (summary on stderr), curl (one http code a line), py (one
#   "STATUS<TAB>..." line per URL)
cur_round=0 show=""
run_one() {
  local w=$1 tool=$2 n=$3 srv=$4 kind=$5
  shift 5
  local mopts=()
  while [ "$1" != -- ]; do mopts+=("$1"); shift; done
  shift
  local out=$tmp/out.$w.$tool err=$tmp/err.$w.$tool
  [ "$kind" = afetch-null ] && out=/dev/null
  local attempt redos=0 res="" busy=0 wall others waited qw
  # The command as a reader would type it, once per workload and tool.
  if ! grep -q "^$w	$tool	" "$cmds"; then
    local c="" arg i
    if [ -n "$show" ]; then
      c=$show
    else
      for arg in "$@"; do
        arg=${arg//"$tmp/in/"/}
        if [ -n "$baseline" ]; then arg=${arg//"$baseline"/afetch-before}; fi
        arg=${arg//"$AFETCH"/afetch}
        arg=${arg//"$here/peers/"/bench/peers/}
        [ "$arg" = "$PY" ] && arg=python3
        [[ $arg =~ ^[A-Za-z0-9_./:=+,@-]+$ ]] || arg="'${arg//\'/\'\\\'\'}'"
        c="$c $arg"
      done
      c=${c# }
    fi
    for ((i = 0; i < ${#mopts[@]}; i++)); do
      case ${mopts[i]} in
        -i) c="$c < ${mopts[i + 1]#"$tmp/in/"}" ;;
        -n) c="ulimit -Sn ${mopts[i + 1]}; $c" ;;
      esac
    done
    printf '%s\t%s\t%s\n' "$w" "$tool" "$c" >>"$cmds"
  fi
  show=""
  local ng0="" ng1="" attempts=$max_attempts
  # W8's figure is memory, not time: a busy machine does not change it, and
  # a redo would cost minutes.
  [ "$w" = W8 ] && attempts=1
  for ((attempt = 1; attempt <= attempts; attempt++)); do
    afserve_reset
    [ "$have_nginx" = 1 ] && ng0=$(nginx_counts)
    qw=$quiet_wait
    ((busy_spent < busy_budget)) || qw=0
    res=$("$MEASURE" -w "$qw" -t "${RUN_TIMEOUT:-600}" -o "$out" -e "$err" \
      "${server_pids[@]}" "${mopts[@]}" -- "$@")
    [ "$have_nginx" = 1 ] && ng1=$(nginx_counts)
    wall=$(sed -n 's/.*wall=\([0-9.]*\).*/\1/p' <<<"$res")
    others=$(sed -n 's/.*others=\([0-9.]*\).*/\1/p' <<<"$res")
    waited=$(sed -n 's/.*waited=\([0-9]*\).*/\1/p' <<<"$res")
    busy_spent=$((busy_spent + ${waited:-0}))
    # Disturbed: the rest of the machine used more than 10 % of one core
    # (40 ms at least: /proc/stat counts in ticks).
    busy=0
    if awk -v o="$others" -v w="$wall" \
      'BEGIN { t = 0.10 * w; if (t < 0.04) t = 0.04; exit !(o > t) }'; then
      busy=1
    fi
    ((busy && attempt < attempts && busy_spent < busy_budget)) || break
    redos=$((redos + 1))
    busy_spent=$((busy_spent + ${wall%.*}))
    log "  (busy machine: others used ${others}s of CPU in ${wall}s; redo)"
  done
  local kv
  declare -A m=()
  for kv in $res; do m[${kv%%=*}]=${kv#*=}; done
  # What the server saw.
  local ct="" cm="" im="" rq=""
  case $srv in
    afserve|both)
      read -r ct cm im rq <<<"$(afserve_stats)" ;;
  esac
  if [ "$srv" != afserve ] && [ -n "$ng0" ] && [ -n "$ng1" ]; then
    local a0 q0 a1 q1
    read -r a0 q0 <<<"$ng0"
    read -r a1 q1 <<<"$ng1"
    # Each status request is one connection and one request of its own.
    local nct=$((a1 - a0 - 1)) nrq=$((q1 - q0 - 1))
    if [ "$srv" = both ]; then
      ct=$((${ct:-0} + nct)) rq=$((${rq:-0} + nrq)) cm="" im=""
    else
      ct=$nct rq=$nrq cm="" im=""
    fi
  fi
  # How many URLs were answered 200.
  local okn=0 p99="" seq_s="" conc_s="" speed="" afw=""
  case $kind in
    afetch|afetch-null)
      okn=$(sed -n 's/^[a-z]*: [0-9]* URLs, \([0-9]*\) ok.*/\1/p' "$err" | tail -1)
      # afetch's own wall time, from its summary (the last run's).
      afw=$(sed -n 's/^[a-z]*: [0-9]* URLs, .* in \([0-9.]*\) s (.*/\1/p' "$err" | tail -1)
      if [ "$kind" = afetch ] && [ -s "$out" ] && head -c1 "$out" | grep -q '{'; then
        p99=$("$PY" "$here/report.py" p99 "$out" 2>/dev/null || true)
      fi
      if grep -q '^speedup:' "$err"; then
        seq_s=$(sed -n 's/^sequential: .* in \([0-9.]*\) s.*/\1/p' "$err" | tail -1)
        conc_s=$(sed -n 's/^concurrent: .* in \([0-9.]*\) s.*/\1/p' "$err" | tail -1)
        speed=$(sed -n 's/^speedup: \([0-9.]*\)x.*/\1/p' "$err" | tail -1)
      fi ;;
    curl) okn=$(grep -c '^200$' "$out" || true) ;;
    py) okn=$(grep -c '^200	' "$out" || true) ;;
  esac
  okn=${okn:-0}
  # RSS over time (W8): the peak of the first and of the second half.
  local rss=$tmp/rss.$w.$tool h1="" h2=""
  if [ -s "$rss" ]; then
    read -r h1 h2 < <(awk '{ t[NR] = $1; r[NR] = $2 }
      END { for (i = 1; i <= NR; i++) {
              if (t[i] <= t[NR] / 2) { if (r[i] > a) a = r[i] }
              else if (r[i] > b) b = r[i] }
            print a + 0, b + 0 }' "$rss")
  fi
  printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' \
    "$cur_round" "$w" "$tool" "$n" "${m[wall]}" "${m[user]}" "${m[sys]}" "${m[cpu]}" \
    "${m[maxrss_kb]}" "${m[status]}" "$okn" "${m[servers]}" "${m[others]}" \
    "${m[steal]}" "$redos" "$busy" "$ct" "$cm" "$im" "$rq" "$p99" "$seq_s" \
    "$conc_s" "$speed" "$h1" "$h2" "$afw" >>"$csv"
  local warn=""
  [ "$okn" != "$n" ] && warn=" (!! $okn of $n answered 200; exit ${m[status]}; $(tail -c 200 "$err" | tr '\n' ' '))"
  [ "$busy" = 1 ] && warn="$warn (still busy)"
  [ -n "$h1" ] && warn=" rss halves ${h1}/${h2} KB$warn"
  log "$(printf '  r%s %-3s %-21s wall %8.3f s  cpu %7.3f s  rss %6d KB  conns %5s  inflight %5s  req %7s%s%s' \
    "$cur_round" "$w" "$tool" "${m[wall]}" "${m[cpu]}" "${m[maxrss_kb]}" "${ct:--}" \
    "${im:--}" "${rq:--}" "${p99:+  p99 ${p99} ms}" "$warn")"
  rm -f "$tmp/out.$w.$tool" "$tmp/err.$w.$tool" "$rss"
}

# ---------------------------------------------------------------- tools
# tool_cmd W TOOL: runs TOOL on workload W's input.
curl_par() { # CONC FILE.curl: sets the array CURLPAR
  # curl caps --parallel-max at 300 by itself: the server counters show it.
  CURLPAR=(curl --parallel --parallel-immediate --parallel-max "$1"
    --no-progress-meter --noproxy '*' -w '%{http_code}\n' -K "$2")
}
run_tool() { # W TOOL
  local w=$1 t=$2 f c n srv=afserve
  # TOOL-before: the same command with the baseline binary (--baseline).
  local bin=$AFETCH tag=""
  if [[ $t == afetch*-before ]]; then
    bin=$baseline tag=-before t=${t%-before}
  fi
  case $w in
    W1) f=$in/w1.txt c=100 n=$N1 ;;
    W2) f=$in/w1.txt c=1000 n=$N1 ;;
    W3) f=$in/w3.txt c=1 n=$N3 ;;
    W4) f=$in/w4.txt c=100 n=$N4 ;;
    W5) f=$in/w5.txt c=50 n=$N5 srv=nginx ;;
    W6) f=$in/w6.txt c=50 n=$N6 srv=nginx ;;
    W7) f=$in/w7.txt c=$C7 n=$N7 ;;
    W8) f=$in/w8.txt c=50 n=$((N8H + N8S)) srv=both ;;
    W9) f=$in/w9.txt c=$N9 n=$N9 ;;
  esac
  case $t in
    afetch)
      case $w in
        W3) run_one "$w" "$t$tag" "$n" "$srv" afetch -- "$bin" --sequential --json "$f" ;;
        W7) run_one "$w" "$t$tag" "$n" "$srv" afetch -n 1024 -- \
              "$bin" --json -c "$c" --per-host "$c" "$f" ;;
        W8)
          show="cat w8.txt | afetch$tag -c 50 --per-host 50 - >/dev/null"
          run_one "$w" "$t$tag" "$n" "$srv" afetch-null -t 1800 -r "$tmp/rss.$w.$t$tag" -- \
              sh -c 'cat "$1" | exec "$2" -c 50 --per-host 50 -' sh "$f" "$bin" ;;
        *) run_one "$w" "$t$tag" "$n" "$srv" afetch -- \
              "$bin" --json -c "$c" --per-host "$c" "$f" ;;
      esac ;;
    afetch-compare)
      run_one "$w" "$t$tag" "$n" "$srv" afetch -- \
        "$bin" --compare -c "$c" --per-host "$c" "$f" ;;
    afetch-seq)
      run_one "$w" "$t$tag" "$n" "$srv" afetch -- "$bin" --sequential --json "$f" ;;
    curl-parallel)
      curl_par "$c" "${f%.txt}.curl"
      run_one "$w" "$t" "$n" "$srv" curl -- "${CURLPAR[@]}" ;;
    curl-seq)
      run_one "$w" "$t" "$n" "$srv" curl -- curl --no-progress-meter --noproxy '*' \
        -w '%{http_code}\n' -K "${f%.txt}.curl" ;;
    xargs-curl)
      # One curl process per URL: the classic one-liner. Each curl costs
      # ~30 ms of CPU to start here, so W5 runs it over the first
      # $N5X URLs only (its per-request columns stay comparable).
      [ "$w" = W5 ] && f=$in/w5x.txt n=$N5X
      run_one "$w" "$t" "$n" "$srv" curl -i "$f" -- xargs -P "$c" -n 1 curl \
        --no-progress-meter --noproxy '*' -o /dev/null -w '%{http_code}\n' ;;
    aiohttp)
      run_one "$w" "$t" "$n" "$srv" py -- "$PY" "$here/peers/aio_fetch.py" -c "$c" "$f" ;;
    threads)
      run_one "$w" "$t" "$n" "$srv" py -- "$PY" "$here/peers/threads_fetch.py" -w "$c" "$f" ;;
  esac
}

# Which tools run in which workload (afetch first; the peers that are not
# installed are left out).
tools_for() {
  local w=$1 t=() out=(afetch)
  case $w in
    W1|W2|W4) t=(curl-parallel xargs-curl aiohttp threads) ;;
    W3) t=(curl-seq threads) ;;
    W5) t=(curl-parallel xargs-curl aiohttp threads) ;;
    W6) t=(afetch-seq curl-parallel aiohttp threads) ;;
    W7) t=(curl-parallel aiohttp threads) ;;
    W8) t=() ;;
    W9) t=(afetch-compare curl-parallel xargs-curl aiohttp threads) ;;
  esac
  [ "$w" = W4 ] && out+=(afetch-seq)
  local x
  for x in "${t[@]}"; do
    case $x in
      afetch*) ;;
      *) [ "$afetch_only" = 0 ] || continue ;;
    esac
    case $x in
      curl-*|xargs-curl) [ "$have_curl" = 1 ] || continue ;;
      aiohttp) [ "$have_aio" = 1 ] || continue ;;
      threads) [ "$have_req" = 1 ] || continue ;;
    esac
    out+=("$x")
  done
  # With --baseline, each afetch tool is followed by its twin on the
  # baseline binary.
  if [ -n "$baseline" ]; then
    t=("${out[@]}") out=()
    for x in "${t[@]}"; do
      out+=("$x")
      [[ $x == afetch* ]] && out+=("$x-before")
    done
  fi
  echo "${out[@]}"
}

# ---------------------------------------------------------------- meta
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "smoke=$smoke"
  echo "rounds=$rounds"
  echo "cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
  echo "cores=$(nproc)"
  echo "mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "kernel=$(uname -sr)"
  echo "os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  echo "afetch=$("$AFETCH" -V 2>&1 | head -1)"
  echo "afetch_path=$AFETCH"
  if [ -n "$baseline" ]; then
    echo "baseline=$("$baseline" -V 2>&1 | head -1)"
    echo "baseline_path=$baseline"
  fi
  echo "afetch_only=$afetch_only"
  echo "curl=$(curl --version 2>/dev/null | head -1)"
  echo "nginx=$("$NGINX" -v 2>&1 | head -1)"
  echo "python=$("$PY" --version 2>&1)"
  echo "aiohttp=$("$PY" -c 'import aiohttp; print(aiohttp.__version__)' 2>/dev/null)"
  echo "requests=$("$PY" -c 'import requests; print(requests.__version__)' 2>/dev/null)"
  echo "bs4=$("$PY" -c 'import bs4; print(bs4.__version__)' 2>/dev/null)"
  echo "lxml=$("$PY" -c 'import lxml.etree as e; print(e.__version__)' 2>/dev/null)"
  echo "cc=$(cc --version 2>/dev/null | head -1)"
  echo "nofile_hard=$nofile_hard"
  echo "nginx_workers=${BENCH_NGINX_WORKERS:-1}"
  echo "article_bytes=$article_bytes"
  echo "have_nginx=$have_nginx"
  echo "sizes=N1=$N1 D1=$D1 N3=$N3 N4=$N4 N5=$N5 N5X=$N5X N6=$N6 N7=$N7 D7=$D7 N8H=$N8H N8S=$N8S N9=$N9 C7=$C7"
  echo "workloads=${sel_w[*]}"
} >"$meta"

# ---------------------------------------------------------------- start-up
# What starting each tool costs, over an empty list: a fixed part of every
# figure below (the dynamic linker and library start for the C tools, the
# interpreter and its imports for the Python ones). Median of 5 (1 in smoke).
: >"$in/empty.txt"
startup() { # NAME CMD...: appends NAME=WALL/CPU to the meta file
  local name=$1 k res walls=() cpus=()
  shift
  for ((k = 0; k < (smoke ? 1 : 5); k++)); do
    res=$("$MEASURE" -w "$quiet_wait" -o /dev/null -e /dev/null -- "$@")
    walls+=("$(sed -n 's/.*wall=\([0-9.]*\).*/\1/p' <<<"$res")")
    cpus+=("$(sed -n 's/.* cpu=\([0-9.]*\).*/\1/p' <<<"$res")")
  done
  printf '%s=%s/%s\n' "$name" \
    "$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')" \
    "$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')" \
    >>"$meta"
}
log "bench: start-up costs"
startup startup_afetch "$AFETCH" -q "$in/empty.txt"
if [ -n "$baseline" ]; then startup startup_afetch-before "$baseline" -q "$in/empty.txt"; fi
[ "$have_curl" = 1 ] && startup startup_curl curl --version
[ "$have_aio" = 1 ] && startup startup_aiohttp "$PY" "$here/peers/aio_fetch.py" "$in/empty.txt"
[ "$have_req" = 1 ] && startup startup_threads "$PY" "$here/peers/threads_fetch.py" "$in/empty.txt"

# ---------------------------------------------------------------- rounds
log "bench: $rounds round(s) of ${sel_w[*]}; results in $csv"
for ((r = 1; r <= rounds; r++)); do
  cur_round=$r
  for w in "${sel_w[@]}"; do
    case $w in W5|W6|W8) [ "$have_nginx" = 1 ] || continue ;; esac
    # W8 is a memory test over a million URLs: one round is enough, unless
    # a baseline's figures need a spread over rounds to be read against.
    [ "$w" = W8 ] && [ "$r" -gt 1 ] && [ -z "$baseline" ] && continue
    read -r -a tl <<<"$(tools_for "$w")"
    # Interleave: rotate the order of the tools from round to round.
    k=$(((r - 1) % ${#tl[@]}))
    tl=("${tl[@]:k}" "${tl[@]:0:k}")
    # And every other round, a build and its baseline twin swap places, so
    # that neither always runs first (on a warmer or a cooler machine).
    if [ -n "$baseline" ] && ((r % 2 == 0)); then
      for ((i = 0; i + 1 < ${#tl[@]}; i++)); do
        if [ "${tl[i + 1]}" = "${tl[i]}-before" ]; then
          x=${tl[i]} tl[i]=${tl[i + 1]} tl[i + 1]=$x
          i=$((i + 1))
        fi
      done
    fi
    log "round $r/$rounds $w: ${tl[*]}"
    for t in "${tl[@]}"; do run_tool "$w" "$t"; done
  done
done

t_end=$(date +%s)
echo "duration_s=$((t_end - t_start))" >>"$meta"
ab=()
[ -n "$baseline" ] && ab=(--ab "$(dirname "$md")/BEFORE-AFTER.md")
"$PY" "$here/report.py" report --csv "$csv" --meta "$meta" --commands "$cmds" \
  --md "$md" --png "$png" --gnuplot "$have_gnuplot" "${ab[@]}"
cp "$csv" "$resdir/runs-latest.csv"
log "bench: done in $((t_end - t_start)) s: $md"
