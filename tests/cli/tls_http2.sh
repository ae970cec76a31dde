#!/usr/bin/env bash
# TLS and HTTP/2 against a real server (nginx): certificates verified unless
# -k, HTTP/2 negotiated by ALPN, --http1.1 honoured, and --per-host counted
# in transfers over one multiplexed connection (nginx proxies to our test
# server, whose counters see every stream as a request in flight).
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
command -v nginx >/dev/null || fail "nginx is not installed (tests/scripts/deps.sh test)"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")
ngx_pid=
cleanup() {
  if [ -n "$ngx_pid" ]; then
    kill "$ngx_pid" 2>/dev/null || true
    wait "$ngx_pid" 2>/dev/null || true
  fi
  af_cleanup
}
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$tmp/key.pem" \
  -out "$tmp/cert.pem" 2>/dev/null
# A free port for nginx, below the kernel's ephemeral range: a port in that
# range can be the local end of some other test's connection at the moment
# nginx binds it (bind fails although nothing listens there). nginx is
# started on up to five ports in turn (bounded).
low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
[ "$low" -gt 11000 ] 2>/dev/null || low=32768
mkdir -p "$tmp/logs"
port=
for p in $(shuf -i 10000-$((low - 1)) -n 5); do
  (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
  port=$p
cat >"$tmp/nginx.conf" <<EOT
daemon off;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/body;
  proxy_temp_path $tmp/proxy;
  fastcgi_temp_path $tmp/fcgi;
  uwsgi_temp_path $tmp/uwsgi;
  scgi_temp_path $tmp/scgi;
  server {
    listen 127.0.0.1:$port ssl http2;
    ssl_certificate $tmp/cert.pem;
    ssl_certificate_key $tmp/key.pem;
    http2_max_concurrent_streams 128;
    location / {
      proxy_pass http://127.0.0.1:$AF_PORT;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host tls-upstream;
    }
  }
}
EOT
  nginx -p "$tmp" -c "$tmp/nginx.conf" &
  ngx_pid=$!
  # Up, or gone (its port was taken after all): 500 tries at most.
  up=0
  for _ in $(seq 500); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      up=1
      break
    fi
    kill -0 "$ngx_pid" 2>/dev/null || break
    sleep 0.01
  done
  [ "$up" = 1 ] && break
  kill "$ngx_pid" 2>/dev/null || true
  wait "$ngx_pid" 2>/dev/null || true
  ngx_pid="" port=""
done
[ -n "$port" ] ||
  fail "nginx did not start: $(tail -3 "$tmp/logs/error.log" 2>/dev/null)"
base="https://127.0.0.1:$port"

# Self-signed: refused without -k, with a TLS error.
echo "$base/page/x" | "$AFETCH" --json --no-summary >"$tmp/v.json" &&
  fail "a self-signed certificate was accepted"
assert_eq "$(jq -r .error_kind "$tmp/v.json")" tls "verification error"

# -k: HTTP/2 by ALPN, TLS time measured.
echo "$base/page/x" | "$AFETCH" -k --json --no-summary >"$tmp/k.json"
assert_eq "$(jq -r .status "$tmp/k.json")" 200 "status over TLS"
assert_eq "$(jq -r .http_version "$tmp/k.json")" 2 "HTTP/2 negotiated"
assert_eq "$(jq -r .title "$tmp/k.json")" "Page /page/x" "title over h2"
jq -e '.time_ms.tls > 0' "$tmp/k.json" >/dev/null || fail "TLS time is 0"
echo "$base/page/x" | "$AFETCH" -k --http1.1 --json --no-summary \
  >"$tmp/h1.json"
assert_eq "$(jq -r .http_version "$tmp/h1.json")" 1.1 "--http1.1"

# --per-host 5 over HTTP/2: at most 5 streams in flight, on one connection.
af_reset
for i in $(seq 40); do echo "$base/delay/100/h2-$i"; done >"$tmp/u.txt"
"$AFETCH" -k -c 50 --per-host 5 --json --no-summary "$tmp/u.txt" \
  >"$tmp/u.json"
assert_eq "$(jq -s '[.[] | select(.status == 200 and .http_version == "2")]
  | length' "$tmp/u.json")" 40 "all 40 over HTTP/2"
assert_eq "$(af_stat '.hosts["tls-upstream"].inflight_max')" 5 \
  "--per-host counts streams, not connections"
assert_le "$(jq -s '[.[] | select(.reused | not)] | length' "$tmp/u.json")" \
  2 "multiplexed over (nearly) one connection"
pass tls_http2
