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

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$tmp/key.pem" \
  -out "$tmp/cert.pem" 2>/dev/null
cat >"$tmp/nginx.conf.in" <<EOT
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
    listen 127.0.0.1:@PORT@ ssl http2;
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
af_start_nginx "$tmp"
port=$AF_NGX_PORT
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
