# shellcheck shell=bash disable=SC2120
# The local internet for integration tests (docs/TESTING.md): source it as
# the FIRST thing a test does, before tests/cli/lib.sh (it sources lib.sh):
#   source "$AF_SRC/tests/cli/lib_net.sh"
#
# Outside a namespace it checks for root and unshare (else prints "SKIP:
# needs root and unshare" and exits 0), notes the checksums of the
# machine's resolver and trust files, runs the same script again inside
# `unshare --mount --net --pid --fork --mount-proc`, then fails if any of
# those files changed, and exits with the inner run's status. Inside, only
# `lo` exists (up; all of 127.0.0.0/8 is local), and these are bind-mounted
# for this namespace only:
#   /etc/resolv.conf     nameserver 127.0.0.1, options $NET_RESOLV_OPTIONS
#                        (default "timeout:2 attempts:1")
#   /etc/hosts           localhost only
#   /etc/nsswitch.conf   the machine's, with "hosts: files dns"
#   /etc/ssl/certs       our CA alone, as ca-certificates.crt and hashed
# The CA and a leaf (tests/scripts/mkca.sh) are in $NET_CA: ca.pem,
# cert.pem (chain), key.pem. The leaf names ZONE, *.ZONE, hK.ZONE for K up
# to $NET_CERT_HOSTS (100) and each name in $NET_CERT_NAMES (OpenSSL takes
# no *.test wildcard: with a one-label zone, a name is covered only when
# listed; NET_ZONE=web.test makes *.web.test cover every name). The proxy
# and CA environment variables are unset, so programs see the system store
# and no proxy.
#
# Environment (set before sourcing): AFDNS (the afdns binary; else
# $AF_BUILD/afdns), NET_ZONE (test), NET_RESOLV_OPTIONS, NET_CERT_HOSTS,
# NET_CERT_NAMES, NET_SKIP_STATUS (the exit status of a skip, 0).
#
# Functions (inside):
#   net_addr N               127.0.0.0 + N, the address of hN.ZONE
#   net_start_dns [ARGS...]  afdns on 127.0.0.1:53 with ARGS (--delay,
#       --ttl); sets NET_DNS_PID and NET_DNS_BASE (its /stats listener)
#   net_stop_dns             SIGTERM; fails the test unless it exits 0
#   net_dns_stats / net_dns_stat KEY / net_dns_reset   its /stats JSON, one
#       jq path of it (queries, .names["h1.test"].a), /stats/reset
#   net_name_queries NAME    A + AAAA + other queries seen for NAME (0: none)
#   net_start_nginx N [UPSTREAM_PORT]  nginx on the addresses of h1..hN
#       (N = 0: every address), :443 (TLS, HTTP/2 and 1.1) and :80. Pages:
#       /          text/html, <title>HOST</title> (HOST: the Host header)
#       /small     text/plain "ok"
#       anything else: proxied to 127.0.0.1:UPSTREAM_PORT (afserve) with the
#       Host header kept, or 404 without an upstream.
#   net_stop_nginx
# Every process started here is stopped at exit (and the PID namespace
# ends whatever is left when the test's shell exits).

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  echo "PASS lib_net" # run directly (CTest globs tests/cli/*.sh): it loads
  exit 0
fi

NET_ZONE=${NET_ZONE:-test}
net__files=(/etc/resolv.conf /etc/hosts /etc/nsswitch.conf
  /etc/ssl/certs/ca-certificates.crt)

net__sums() {
  local f
  for f in "${net__files[@]}"; do
    if [[ -e $f ]]; then
      sha256sum "$f"
    else
      echo "missing $f"
    fi
  done
}

if [[ -z ${AF_NETNS:-} ]]; then
  net__name=$(basename "${0%.sh}")
  if [[ $(id -u) -ne 0 ]] || ! command -v unshare >/dev/null ||
    ! command -v ip >/dev/null ||
    ! unshare --mount --net --pid --fork --mount-proc true 2>/dev/null; then
    echo "SKIP: needs root and unshare (network namespaces): $net__name"
    exit "${NET_SKIP_STATUS:-0}"
  fi
  [[ -d /etc/ssl/certs ]] ||
    { echo "FAIL $net__name: no /etc/ssl/certs (ca-certificates)" >&2; exit 1; }
  net__before=$(net__sums)
  net__rc=0
  AF_NETNS=1 unshare --mount --net --pid --fork --mount-proc -- \
    bash "$0" "$@" || net__rc=$?
  net__after=$(net__sums)
  if [[ $net__before != "$net__after" ]]; then
    echo "FAIL $net__name: the machine's resolver or trust files changed:" >&2
    diff <(echo "$net__before") <(echo "$net__after") >&2 || true
    exit 1
  fi
  exit "$net__rc"
fi

# ---- inside the namespace ----------------------------------------------
# shellcheck source=tests/cli/lib.sh
source "$AF_SRC/tests/cli/lib.sh"
unset http_proxy https_proxy HTTPS_PROXY ALL_PROXY all_proxy NO_PROXY \
  no_proxy SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE

if [[ -z ${AFDNS:-} && -n ${AF_BUILD:-} ]]; then
  AFDNS=$AF_BUILD/afdns
fi
net__dns_pid=
net__ngx_pid=

net_cleanup() {
  local pid
  for pid in "$net__ngx_pid" "$net__dns_pid"; do
    [[ -n $pid ]] || continue
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  net__ngx_pid="" net__dns_pid=""
  af_cleanup
}
trap net_cleanup EXIT

ip link set lo up || fail "ip link set lo up"
NET_DIR=$AF_TMP/net
NET_CA=$NET_DIR/ca
mkdir -p "$NET_DIR/certs" "$NET_DIR/nginx/logs"
net__sans=()
for ((net__k = 1; net__k <= ${NET_CERT_HOSTS:-100}; net__k++)); do
  net__sans+=("DNS:h$net__k.$NET_ZONE")
done
for net__f in ${NET_CERT_NAMES:-}; do
  net__sans+=("DNS:$net__f")
done
bash "$AF_SRC/tests/scripts/mkca.sh" "$NET_CA" "$NET_ZONE" "${net__sans[@]}" ||
  fail "mkca.sh failed"
printf 'nameserver 127.0.0.1\noptions %s\n' \
  "${NET_RESOLV_OPTIONS:-timeout:2 attempts:1}" >"$NET_DIR/resolv.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n' \
  >"$NET_DIR/hosts"
{
  grep -v '^hosts:' /etc/nsswitch.conf 2>/dev/null || true
  echo 'hosts: files dns'
} >"$NET_DIR/nsswitch.conf"
cp "$NET_CA/ca.pem" "$NET_DIR/certs/ca-certificates.crt"
cp "$NET_CA/ca.pem" "$NET_DIR/certs/afetch-test-ca.pem"
openssl rehash "$NET_DIR/certs" 2>/dev/null ||
  ln -s afetch-test-ca.pem \
    "$NET_DIR/certs/$(openssl x509 -hash -noout -in "$NET_CA/ca.pem").0"
for net__f in resolv.conf hosts nsswitch.conf; do
  # A symlinked /etc/resolv.conf is followed: the mount covers its target,
  # still in this namespace only.
  mount --bind "$NET_DIR/$net__f" "/etc/$net__f" ||
    fail "cannot bind-mount /etc/$net__f"
done
mount --bind "$NET_DIR/certs" /etc/ssl/certs ||
  fail "cannot bind-mount /etc/ssl/certs"
export NET_DIR NET_CA NET_ZONE

net_addr() {
  local n=$1
  printf '127.%d.%d.%d' $(((n >> 16) & 255)) $(((n >> 8) & 255)) \
    $((n & 255))
}

net_start_dns() {
  [[ -n ${AFDNS:-} && -x $AFDNS ]] || fail "AFDNS is not set to afdns"
  local out=$NET_DIR/dns.ports line="" i
  : >"$out"
  "$AFDNS" --quiet --host 127.0.0.1 --port 53 --zone "$NET_ZONE" "$@" \
    >"$out" 2>"$NET_DIR/dns.log" &
  net__dns_pid=$!
  # The ports line is the readiness signal: 10 s at most.
  for ((i = 0; i < 500; i++)); do
    if IFS= read -r line <"$out" && [[ $line =~ ^53\ ([0-9]+)$ ]]; then
      NET_DNS_BASE=http://127.0.0.1:${BASH_REMATCH[1]}
      NET_DNS_PID=$net__dns_pid
      export NET_DNS_BASE NET_DNS_PID
      return 0
    fi
    kill -0 "$net__dns_pid" 2>/dev/null || break
    sleep 0.02
  done
  fail "afdns did not start: $(cat "$NET_DIR/dns.log")"
}

net_stop_dns() {
  [[ -n $net__dns_pid ]] || fail "net_stop_dns: afdns is not running"
  kill -TERM "$net__dns_pid" || fail "afdns is gone"
  local rc=0
  wait "$net__dns_pid" || rc=$?
  net__dns_pid=
  [[ $rc == 0 ]] || fail "afdns exited $rc: $(cat "$NET_DIR/dns.log")"
}

net_dns_stats() {
  af_curl "$NET_DNS_BASE/stats"
}

net_dns_stat() {
  local key=$1
  [[ $key == .* ]] || key=".$key"
  net_dns_stats | jq -r "$key"
}

net_dns_reset() {
  af_curl -o /dev/null "$NET_DNS_BASE/stats/reset"
}

net_name_queries() {
  net_dns_stats | jq -r --arg n "$1" '.names[$n].total // 0'
}

net_start_nginx() {
  command -v nginx >/dev/null ||
    fail "nginx is not installed (tests/scripts/deps.sh test)"
  local n=$1 up=${2:-} d=$NET_DIR/nginx listen="" k a i
  if ((n == 0)); then
    listen="    listen 443 ssl http2;"$'\n'"    listen 80;"
  else
    for ((k = 1; k <= n; k++)); do
      a=$(net_addr "$k")
      listen+="    listen $a:443 ssl http2;"$'\n'"    listen $a:80;"$'\n'
    done
  fi
  local rest="      return 404;"
  if [[ -n $up ]]; then
    rest="      proxy_pass http://127.0.0.1:$up;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_set_header Host \$host;"
  fi
  cat >"$d/nginx.conf" <<EOT
daemon off;
worker_processes 1;
worker_rlimit_nofile 65536;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  ssl_certificate $NET_CA/cert.pem;
  ssl_certificate_key $NET_CA/key.pem;
  ssl_protocols TLSv1.2 TLSv1.3;
  http2_max_concurrent_streams 128;
  keepalive_requests 100000;
  default_type text/html;
  server {
$listen
    location = / {
      return 200 "<!doctype html><title>\$host</title><p>nginx, \$server_protocol\n";
    }
    location = /small {
      default_type text/plain;
      return 200 "ok\n";
    }
    location / {
$rest
    }
  }
}
EOT
  nginx -p "$d" -c "$d/nginx.conf" &
  net__ngx_pid=$!
  # Listening on the last address (nginx binds them all before it serves
  # any), or gone: 10 s at most.
  a=$(net_addr $((n == 0 ? 1 : n)))
  for ((i = 0; i < 500; i++)); do
    (exec 3<>"/dev/tcp/$a/443") 2>/dev/null && return 0
    kill -0 "$net__ngx_pid" 2>/dev/null || break
    sleep 0.02
  done
  fail "nginx did not start: $(tail -3 "$d/logs/error.log" 2>/dev/null)"
}

net_stop_nginx() {
  [[ -n $net__ngx_pid ]] || return 0
  kill -TERM "$net__ngx_pid" 2>/dev/null || true
  wait "$net__ngx_pid" 2>/dev/null || true
  net__ngx_pid=
}
