# shellcheck shell=bash disable=SC2120
# Helpers for the integration tests: source "$AF_SRC/tests/cli/lib.sh".
#
# Environment (set by CTest): AFSERVE (test server), AFETCH (afetch),
# AF_SRC (repo root), AF_BUILD (build dir).
#
# Servers
#   af_start_server [ARGS...]   starts "$AFSERVE" --quiet ARGS... in the
#       background and waits (10 s at most) for its port line. The first
#       server sets AF_PORT, AF_BASE (http://127.0.0.1:PORT) and AF_PID; the
#       second AF_PORT2/AF_BASE2/AF_PID2, the third AF_PORT3..., and every call
#       sets AF_LAST_PORT/AF_LAST_BASE/AF_LAST_PID, all exported. Its stderr
#       goes to "$AF_TMP/server.N.log". Fails the test when it does not start.
#   af_stop_server [N]          SIGTERM to server N (default 1), waits 10 s at
#       most, and fails the test unless it exited 0 (a clean shutdown: every
#       handle closed, uv_loop_close() == 0).
#   af_start_nginx DIR          nginx from DIR/nginx.conf.in on a free port
#       (AF_NGX_PORT), stopped on EXIT like the servers.
#   On EXIT every server still running is killed (only the PIDs started
#   here) and AF_TMP is removed. A test that sets its own EXIT trap must call
#   af_cleanup from it.
#
# Observing the server (BASE defaults to $AF_BASE)
#   af_curl ARGS...             curl -sS, no proxy, 30 s cap
#   af_stats [BASE]             the /stats JSON
#   af_stat KEY [BASE]          one value of it: KEY is a jq path with or
#       without the leading dot (requests_total, .hosts["h:1"].requests)
#   af_host_stat FIELD [HOST [BASE]]   a field of hosts[HOST] (HOST defaults
#       to 127.0.0.1:$AF_PORT); 0 when the host has no entry
#   af_reset [BASE]             /stats/reset: counters, log, /flaky table
#   af_log [BASE]               /log: "CONN-ID TARGET" lines, oldest first
#       (/log/times adds the arrival time first: "MS CONN-ID TARGET", ms on
#       the server's monotonic clock)
#   af_wait_stat KEY VALUE [SECONDS [BASE]]  polls until af_stat KEY is
#       VALUE (10 s by default); fails the test otherwise
#
# Assertions (each fails the test with a message; exit status 1)
#   fail MSG                    prints "FAIL name: MSG" on stderr, exits 1
#   assert_eq ACTUAL EXPECTED MSG
#   assert_le A B MSG           integers, A <= B
#   assert_ge A B MSG           integers, A >= B
#   pass [NAME]                 prints "PASS name" (name: the script's)
#
# fail exits the shell it runs in: inside $( ) that is only the subshell, so
# assert on captured values in the main shell.

AF_TEST_NAME=${AF_TEST_NAME:-$(basename "${0%.sh}")}
AF_TMP=$(mktemp -d "${TMPDIR:-/tmp}/aftest.XXXXXX") || exit 1
export AF_TMP
af__pids=()
af__extra=() # other processes to stop on EXIT (nginx); not numbered servers

if [[ -z ${AFSERVE:-} && -n ${AF_BUILD:-} ]]; then
  for af__c in "$AF_BUILD/afserve" "$AF_BUILD/tests/server/afserve"; do
    if [[ -x $af__c ]]; then
      AFSERVE=$af__c
      break
    fi
  done
fi

fail() {
  echo "FAIL $AF_TEST_NAME: $*" >&2
  exit 1
}

pass() {
  echo "PASS ${1:-$AF_TEST_NAME}"
}

assert_eq() {
  [[ "$1" == "$2" ]] || fail "${3:-values differ}: got '$1', expected '$2'"
}

af__int() {
  [[ $1 =~ ^-?[0-9]+$ ]] || fail "${2:-value}: '$1' is not an integer"
}

assert_le() {
  af__int "$1" "${3:-}"
  af__int "$2" "${3:-}"
  (($1 <= $2)) || fail "${3:-assert_le}: $1 > $2"
}

assert_ge() {
  af__int "$1" "${3:-}"
  af__int "$2" "${3:-}"
  (($1 >= $2)) || fail "${3:-assert_ge}: $1 < $2"
}

# af_start_nginx DIR: nginx with DIR/nginx.conf.in (its listen port written
# @PORT@, its pid and logs under DIR) on a free port below the kernel's
# ephemeral range (a port in that range can be some connection's local end
# at the moment nginx binds it), up to five ports tried; ready when it
# accepts a connection (500 x 10 ms at most per port). Sets AF_NGX_PORT;
# the process is stopped on EXIT with the servers.
af_start_nginx() {
  local dir=$1 low p i pid
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [[ $low -gt 11000 ]] 2>/dev/null || low=32768
  mkdir -p "$dir/logs"
  for p in $(shuf -i 10000-$((low - 1)) -n 5); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    sed "s/@PORT@/$p/" "$dir/nginx.conf.in" >"$dir/nginx.conf"
    nginx -p "$dir" -c "$dir/nginx.conf" &
    pid=$!
    for ((i = 0; i < 500; i++)); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        af__extra+=("$pid")
        AF_NGX_PORT=$p
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.01
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  fail "nginx did not start: $(tail -3 "$dir/logs/error.log" 2>/dev/null)"
}

af_cleanup() {
  local pid n
  for pid in "${af__pids[@]}" "${af__extra[@]}"; do
    [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${af__pids[@]}" "${af__extra[@]}"; do
    [[ -n $pid ]] || continue
    for ((n = 0; n < 250; n++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.02
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  af__pids=()
  [[ -n ${AF_TMP:-} && -d $AF_TMP ]] && rm -rf "$AF_TMP"
  return 0
}
trap af_cleanup EXIT

af_start_server() {
  [[ -n ${AFSERVE:-} && -x $AFSERVE ]] || fail "AFSERVE is not set to the afserve binary"
  local n=$((${#af__pids[@]} + 1))
  local out="$AF_TMP/server.$n.port" log="$AF_TMP/server.$n.log"
  : >"$out"
  "$AFSERVE" --quiet "$@" >"$out" 2>"$log" &
  local pid=$! port="" line i
  af__pids+=("$pid")
  # The port line is the readiness signal; 500 x 20 ms = 10 s at most. read
  # succeeds only on a line with its newline, so a half-written one waits.
  for ((i = 0; i < 500; i++)); do
    if IFS= read -r line <"$out" && [[ $line =~ ^[0-9]+$ ]]; then
      port=$line
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  [[ -n $port ]] || fail "afserve did not start: $(cat "$log")"
  local sfx=""
  if ((n > 1)); then
    sfx=$n
  fi
  printf -v "AF_PORT$sfx" '%s' "$port"
  printf -v "AF_BASE$sfx" '%s' "http://127.0.0.1:$port"
  printf -v "AF_PID$sfx" '%s' "$pid"
  export "AF_PORT$sfx" "AF_BASE$sfx" "AF_PID$sfx"
  export AF_LAST_PORT=$port AF_LAST_BASE="http://127.0.0.1:$port"
  export AF_LAST_PID=$pid
}

af_stop_server() {
  local n=${1:-1}
  local pid=${af__pids[$((n - 1))]:-}
  [[ -n $pid ]] || fail "af_stop_server: no server $n"
  kill -TERM "$pid" 2>/dev/null || fail "server $n is not running"
  local i
  for ((i = 0; i < 500; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  kill -0 "$pid" 2>/dev/null && fail "server $n ignored SIGTERM for 10 s"
  local rc=0
  wait "$pid" || rc=$?
  af__pids[n - 1]=""
  [[ $rc == 0 ]] || fail "server $n exited $rc: $(cat "$AF_TMP/server.$n.log")"
}

af_curl() {
  curl -sS --noproxy '*' --max-time 30 "$@"
}

af_stats() {
  af_curl "${1:-$AF_BASE}/stats"
}

af_stat() {
  local key=$1
  [[ $key == .* ]] || key=".$key"
  af_stats "${2:-}" | jq -r "$key"
}

af_host_stat() {
  local host=${2:-127.0.0.1:$AF_PORT}
  af_stats "${3:-}" | jq -r --arg h "$host" --arg f "$1" \
    '.hosts[$h][$f] // 0'
}

af_reset() {
  af_curl -o /dev/null "${1:-$AF_BASE}/stats/reset"
}

af_log() {
  af_curl "${1:-$AF_BASE}/log"
}

af_wait_stat() {
  local key=$1 want=$2 secs=${3:-10} base=${4:-}
  local i got="" tries=$((secs * 50))
  for ((i = 0; i < tries; i++)); do
    got=$(af_stat "$key" "$base")
    [[ $got == "$want" ]] && return 0
    sleep 0.02
  done
  fail "$key stayed '$got', expected '$want' within ${secs}s"
}

# Run directly (CTest globs tests/cli/*.sh), this file only checks that it
# loads.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  pass lib
fi
