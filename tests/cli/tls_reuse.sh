#!/usr/bin/env bash
# A thousand URLs on one https host cost a handful of handshakes, in the
# local internet (tests/cli/lib_net.sh), counted by nginx itself: its
# access log names each request's connection and whether that connection's
# TLS session was resumed.
#  - over HTTP/2, 1000 URLs ride at most 2 connections;
#  - over HTTP/1.1, at most --per-host connections (x2 for a race);
#  - when the server closes connections (keepalive_requests 10), the new
#    ones resume the TLS session instead of a full handshake.
set -euo pipefail
source "$AF_SRC/tests/cli/lib_net.sh"
tmp=$NET_DIR/reuse
mkdir -p "$tmp/logs"

# shellcheck disable=SC2119 # no afdns arguments here
net_start_dns
# Our own nginx: lib_net.sh's keeps no access log.
cat >"$tmp/nginx.conf" <<EOT
daemon off;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log warn;
events { worker_connections 4096; }
http {
  log_format conn '\$server_port \$connection \$ssl_session_reused \$server_protocol';
  access_log $tmp/logs/access.log conn;
  client_body_temp_path $tmp/body;
  proxy_temp_path $tmp/proxy;
  fastcgi_temp_path $tmp/fcgi;
  uwsgi_temp_path $tmp/uwsgi;
  scgi_temp_path $tmp/scgi;
  ssl_certificate $NET_CA/cert.pem;
  ssl_certificate_key $NET_CA/key.pem;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache shared:tls:1m;
  default_type text/plain;
  server {
    listen $(net_addr 1):443 ssl http2;
    keepalive_requests 100000;
    location / { return 200 "ok\n"; }
  }
  server {
    listen $(net_addr 2):443 ssl;
    keepalive_requests 10;
    location / { return 200 "ok\n"; }
  }
}
EOT
nginx -p "$tmp" -c "$tmp/nginx.conf" &
ngx=$!
trap 'kill "$ngx" 2>/dev/null || true; wait "$ngx" 2>/dev/null || true; af_cleanup' EXIT
for ((i = 0; i < 500; i++)); do
  (exec 3<>"/dev/tcp/$(net_addr 2)/443") 2>/dev/null && break
  kill -0 "$ngx" 2>/dev/null || fail "nginx did not start: $(cat "$tmp/logs/error.log")"
  sleep 0.01
done
((i < 500)) || fail "nginx did not listen"

# conns [r]: distinct connections in the access log (those resumed: "r").
conns() {
  awk -v want="${1:-}" 'want == "" || $3 == want { print $2 }' \
    "$tmp/logs/access.log" | sort -u | wc -l
}
requests() { wc -l <"$tmp/logs/access.log"; }

for i in $(seq 1000); do echo "https://h1.test/p$i"; done >"$tmp/one.txt"
: >"$tmp/logs/access.log"
"$AFETCH" -c 50 --per-host 6 -q --no-summary "$tmp/one.txt" ||
  fail "HTTP/2 run failed"
assert_eq "$(requests)" 1000 "HTTP/2: requests nginx served"
assert_eq "$(awk '$4 != "HTTP/2.0"' "$tmp/logs/access.log" | wc -l)" 0 \
  "every request over HTTP/2"
assert_le "$(conns)" 2 "HTTP/2: connections for 1000 URLs on one host"

: >"$tmp/logs/access.log"
"$AFETCH" --http1.1 -c 50 --per-host 6 -q --no-summary "$tmp/one.txt" ||
  fail "HTTP/1.1 run failed"
assert_eq "$(requests)" 1000 "HTTP/1.1: requests nginx served"
assert_le "$(conns)" 12 "HTTP/1.1: connections for 1000 URLs at --per-host 6"

# The second server closes each connection after 10 requests: 200 URLs
# need at least 20 connections. One at a time (--per-host 1), each new
# connection starts after the last one got its session ticket, so every
# one but the first resumes. With 6 at a time, the connections opened
# before any ticket arrived cannot, and how many those are depends on the
# machine's load: at least a quarter of the others must still resume.
sed 's/h1\.test/h2.test/; 200q' "$tmp/one.txt" >"$tmp/closing.txt"
: >"$tmp/logs/access.log"
"$AFETCH" -c 50 --per-host 1 -q --no-summary "$tmp/closing.txt" ||
  fail "keepalive_requests 10 run failed"
assert_eq "$(requests)" 200 "closing server: requests"
all=$(conns) resumed=$(conns r)
assert_ge "$all" 20 "closing server: connections (10 requests each)"
assert_ge "$resumed" $((all - 1)) \
  "closing server, one at a time: connections that resumed (of $all)"
: >"$tmp/logs/access.log"
"$AFETCH" -c 50 --per-host 6 -q --no-summary "$tmp/closing.txt" ||
  fail "keepalive_requests 10 run failed, --per-host 6"
all=$(conns) resumed=$(conns r)
assert_ge "$resumed" $(((all - 6) / 4)) \
  "closing server, 6 at a time: connections that resumed (of $all)"
pass
