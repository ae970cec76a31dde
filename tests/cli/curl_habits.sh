#!/usr/bin/env bash
# What a curl or httpx user types works as they expect: URLs as arguments
# (in argument order, with the line numbers of the arguments concatenated),
# -o FILE for the results, --save-dir for bodies, long options that never
# shadow each other, output paths checked before the first request, TLS
# trust from --cacert, --capath, SSL_CERT_FILE, SSL_CERT_DIR and
# CURL_CA_BUNDLE (nginx with a CA made here), and proxies from -x, --noproxy
# and the environment (a second afserve as the proxy: it answers an
# absolute-form request itself and logs the whole target).
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
# A command that fails outside a check still says where.
trap 'fail "line $LINENO: the command exited $?"' ERR
command -v jq >/dev/null || fail "jq is needed"
command -v openssl >/dev/null || fail "openssl is needed"
command -v nginx >/dev/null || fail "nginx is not installed (tests/scripts/deps.sh test)"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")
T=127.0.0.1:$AF_PORT

# afetch without any TLS or proxy variable the caller may have set; a case
# adds its own with env NAME=VALUE before the command.
unset_env=(-u SSL_CERT_FILE -u SSL_CERT_DIR -u CURL_CA_BUNDLE -u http_proxy
  -u HTTP_PROXY -u https_proxy -u HTTPS_PROXY -u all_proxy -u ALL_PROXY
  -u no_proxy -u NO_PROXY)
afe() {
  env "${unset_env[@]}" "$AFETCH" "$@"
}
# Runs afetch with the environment in front (VAR=value ... -- ARGS).
afe_env() {
  local vars=()
  while [[ $1 != -- ]]; do
    vars+=("$1")
    shift
  done
  shift
  env "${unset_env[@]}" "${vars[@]}" "$AFETCH" "$@"
}
# refused TEXT [VAR=value...] -- ARGS: a usage error (exit 2) whose message
# holds TEXT.
refused() {
  local text=$1 rc=0
  shift
  afe_env "$@" >/dev/null 2>"$tmp/e" || rc=$?
  assert_eq "$rc" 2 "$*: exit status"
  grep -qF -- "$text" "$tmp/e" || fail "$*: the message lacks $text: $(cat "$tmp/e")"
}

# ---------------------------------------------------------------------------
# Long options: none is a prefix of another (so no abbreviation, and no
# exact name, can be taken for a different option), and each is in the man
# page and both completions.
mapfile -t longs < <(afe --help | grep -oE -- '--[a-z0-9][a-z0-9.-]*' |
  sort -u)
assert_ge "${#longs[@]}" 30 "long options found in --help"
# --help fits an 80-column terminal.
wide=$(afe --help | awk 'length > 79')
[[ -z $wide ]] || fail "--help lines wider than 79 columns: $wide"
for a in "${longs[@]}"; do
  for b in "${longs[@]}"; do
    [[ $a != "$b" && $b == "$a"* ]] &&
      fail "$a is a prefix of $b: an abbreviation could pick the wrong one"
  done
  man_name=${a//-/\\-}
  grep -qF -- "$man_name" "$AF_SRC/docs/afetch.1" || fail "$a not in docs/afetch.1"
  grep -qE -- "(^|[ '|])$a([ |)=']|$)" "$AF_SRC/completions/afetch.bash" ||
    fail "$a not in completions/afetch.bash"
  grep -qE -- "${a}[]=[}+]" "$AF_SRC/completions/_afetch" ||
    fail "$a not in completions/_afetch"
  grep -qF -- "\`$a" "$AF_SRC/README.md" || fail "$a not in README.md"
done

# --head (curl's name for HEAD) is ambiguous here, and says what it could
# mean; -I is HEAD. --out is --output, the only option it can stand for.
refused "ambiguous; it could be: --header --head-only" -- --head \
  "$AF_BASE/page/h"
assert_eq "$(af_stat requests_total)" 0 "requests after an ambiguous option"
afe -I --json --no-summary "$AF_BASE/bytes/500" >"$tmp/i.json" ||
  fail "-I failed"
assert_eq "$(jq -r .bytes "$tmp/i.json")" 0 "-I: no body"
assert_eq "$(af_log | cut -d' ' -f2)" /bytes/500 "-I: one request"
af_reset

# ---------------------------------------------------------------------------
# URLs as arguments, between files and stdin, in argument order: the line
# numbers are those of "cat" of the arguments (a URL argument is one line).
printf '%s\n' "$AF_BASE/page/f1" "# a comment" "$AF_BASE/page/f2" >"$tmp/f.txt"
echo "$AF_BASE/page/s1" |
  afe --sequential --json --no-summary "$AF_BASE/page/u1" "$tmp/f.txt" \
    "HTTP://$T/page/u2" - >"$tmp/args.json" 2>"$tmp/e" ||
  fail "URL arguments: $(cat "$tmp/e")"
assert_eq "$(jq -r '"\(.line) \(.status) \(.url)"' "$tmp/args.json" |
  tr '\n' ' ')" "1 200 $AF_BASE/page/u1 2 200 $AF_BASE/page/f1 4 200 \
$AF_BASE/page/f2 5 200 $AF_BASE/page/u2 6 200 $AF_BASE/page/s1 " \
  "URL arguments: line numbers in argument order"
assert_eq "$(af_stat requests_total)" 5 "requests for URL arguments"
assert_eq "$(af_log | cut -d' ' -f2 | tr '\n' ' ')" \
  "/page/u1 /page/f1 /page/f2 /page/u2 /page/s1 " "order the server saw"
# A file whose name looks like a URL is still a file.
mkdir -p "$tmp/cwd/http:"
echo "$AF_BASE/page/from-file" >"$tmp/cwd/http:/x"
(cd "$tmp/cwd" && afe --json --no-summary http://x) >"$tmp/ff.json" ||
  fail "a file named http://x was not read"
assert_eq "$(jq -r .url "$tmp/ff.json")" "$AF_BASE/page/from-file" \
  "an existing file named like a URL is read"
# Anything else that is not a file is still an unreadable input.
refused "cannot read 'ftp://" -- "ftp://$T/x"
# A bare host name is what a curl user types: the error shows the URL form,
# and a missing list file gets no such hint.
refused "(to fetch it as a URL: afetch http://example.invalid/a)" -- \
  example.invalid/a
refused "cannot read 'missing.txt'" -- missing.txt
grep -q "as a URL" "$tmp/e" && fail "URL hint for a list file: $(cat "$tmp/e")"
af_reset

# ---------------------------------------------------------------------------
# -o FILE: results there, nothing on stdout, the summary still on stderr.
afe -o "$tmp/r.jsonl" --json "$AF_BASE/page/o1" "$AF_BASE/page/o2" \
  >"$tmp/stdout" 2>"$tmp/stderr" || fail "-o FILE: $(cat "$tmp/stderr")"
[[ -f $tmp/r.jsonl ]] || fail "-o did not make a file"
assert_eq "$(wc -c <"$tmp/stdout")" 0 "stdout with -o"
assert_eq "$(jq -r .url "$tmp/r.jsonl" | sort | tr '\n' ' ')" \
  "$AF_BASE/page/o1 $AF_BASE/page/o2 " "results in the -o file"
grep -q "2 URLs" "$tmp/stderr" || fail "no summary on stderr: $(cat "$tmp/stderr")"
# --output in full, and abbreviated, make a file (not a directory), text too;
# an existing file is replaced.
echo old >"$tmp/res.txt"
afe --output "$tmp/res.txt" --no-summary "$AF_BASE/page/o3" >"$tmp/stdout"
[[ -f $tmp/res.txt ]] || fail "--output made no file"
assert_eq "$(grep -c "^200 .*/page/o3  Page /page/o3" "$tmp/res.txt")" 1 \
  "the text line in --output FILE"
grep -q old "$tmp/res.txt" && fail "--output FILE was appended to, not replaced"
assert_eq "$(wc -c <"$tmp/stdout")" 0 "stdout with --output"
afe --out "$tmp/res2.txt" --json --no-summary "$AF_BASE/page/o4"
assert_eq "$(jq -r .status "$tmp/res2.txt")" 200 "--out is --output"
# -o - is stdout, as in curl: no file named "-".
(cd "$tmp/cwd" && afe -o - --json --no-summary "$AF_BASE/page/o5") \
  >"$tmp/dash.json"
assert_eq "$(jq -r .status "$tmp/dash.json")" 200 "-o - writes to stdout"
[[ -e $tmp/cwd/- ]] && fail "-o - made a file named -"
# -o naming an input would empty it before it is read.
cp "$tmp/f.txt" "$tmp/in.txt"
refused "is also an input" -- -o "$tmp/in.txt" "$tmp/in.txt"
cmp -s "$tmp/f.txt" "$tmp/in.txt" || fail "the input was emptied by -o"

# --save-dir DIR (abbreviated too) saves the bodies; it is created.
afe --save "$tmp/bodies" --no-summary "$AF_BASE/text" >/dev/null ||
  fail "--save (--save-dir) failed"
assert_eq "$(cat "$tmp/bodies/000001_127.0.0.1_${AF_PORT}_text")" hello \
  "--save-dir saved the body"
af_reset

# ---------------------------------------------------------------------------
# Every output path is checked before the first request: exit 2, a message
# naming the path, and the server saw nothing.
mkdir -p "$tmp/ro"
echo x >"$tmp/plainfile"
bad_paths=(
  "--waterfall /nonexistent/x.svg"
  "--waterfall $tmp/ro"
  "--waterfall $tmp/plainfile/x.svg"
  "-o /nonexistent/r.txt"
  "-o $tmp/ro"
  "--output /proc/no/such/r.txt"
  "--save-dir /proc/no/such/dir"
  "--save-dir $tmp/plainfile"
)
for spec in "${bad_paths[@]}"; do
  read -r opt path <<<"$spec"
  refused "'$path'" -- "$opt" "$path" "$AF_BASE/page/never"
done
# Another bad path leaves the -o file alone: it is emptied only once every
# check passed.
echo keep >"$tmp/keep.txt"
for spec in "--waterfall /nonexistent/x.svg" "--save-dir $tmp/plainfile"; do
  read -r opt path <<<"$spec"
  afe -o "$tmp/keep.txt" "$opt" "$path" "$AF_BASE/page/never" 2>/dev/null &&
    fail "$spec was accepted"
  assert_eq "$(cat "$tmp/keep.txt")" keep "-o file emptied despite $spec"
done
assert_eq "$(af_stat requests_total)" 0 "requests with a bad output path"

# ---------------------------------------------------------------------------
# TLS trust: a CA made here signs nginx's certificate for 127.0.0.1.
ca=$tmp/ca
mkdir -p "$ca/dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=afetch test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$ca/ca.key" -out "$ca/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$ca/srv.key" -out "$ca/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
  >"$ca/ext.cnf"
openssl x509 -req -in "$ca/srv.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" \
  -CAcreateserial -days 1 -extfile "$ca/ext.cnf" -out "$ca/srv.pem" 2>/dev/null
cp "$ca/ca.pem" "$ca/dir/"
openssl rehash "$ca/dir"
links=("$ca"/dir/????????.0)
[[ -L ${links[0]} ]] || fail "openssl rehash made no link"

cat >"$ca/nginx.conf.in" <<EOT
daemon off;
worker_processes 1;
pid $ca/nginx.pid;
error_log $ca/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $ca/body;
  proxy_temp_path $ca/proxy;
  fastcgi_temp_path $ca/fcgi;
  uwsgi_temp_path $ca/uwsgi;
  scgi_temp_path $ca/scgi;
  server {
    listen 127.0.0.1:@PORT@ ssl;
    ssl_certificate $ca/srv.pem;
    ssl_certificate_key $ca/srv.key;
    location / {
      proxy_pass http://127.0.0.1:$AF_PORT;
      proxy_set_header Host tls-ca;
    }
  }
}
EOT
af_start_nginx "$ca"
tls=https://127.0.0.1:$AF_NGX_PORT
tls_requests() {
  af_host_stat requests tls-ca
}

# Without the CA: a TLS error that says how to fix it; nginx passed nothing on.
rc=0
afe --json --no-summary "$tls/page/t0" >"$tmp/t0.json" || rc=$?
assert_eq "$rc" 1 "exit status without the CA"
assert_eq "$(jq -r .error_kind "$tmp/t0.json")" tls "error kind without the CA"
jq -e '.error | test("--cacert FILE") and test("-k")' "$tmp/t0.json" >/dev/null ||
  fail "the TLS error does not say how to fix it: $(jq -r .error "$tmp/t0.json")"
assert_eq "$(tls_requests)" 0 "requests through an untrusted handshake"

# Each way of naming the CA works; every one is a request nginx passed on.
# trusted WHAT [VAR=value...] -- ARGS: afetch fetches $tls/page/t.
n=0
trusted() {
  local what=$1 rc=0
  shift
  afe_env "$@" --json --no-summary "$tls/page/t" >"$tmp/t.json" \
    2>"$tmp/t.err" || rc=$?
  assert_eq "$rc" 0 "$what: exit status ($(jq -r .error "$tmp/t.json" \
    2>/dev/null) $(cat "$tmp/t.err"))"
  assert_eq "$(jq -r '"\(.status) \(.title)"' "$tmp/t.json")" \
    "200 Page /page/t" "$what: status and title"
  n=$((n + 1))
  assert_eq "$(tls_requests)" "$n" "$what: requests nginx passed on"
}
trusted --cacert -- --cacert "$ca/ca.pem"
trusted --capath -- --capath "$ca/dir"
trusted SSL_CERT_FILE SSL_CERT_FILE="$ca/ca.pem" --
trusted SSL_CERT_DIR SSL_CERT_DIR="$ca/dir" --
trusted CURL_CA_BUNDLE CURL_CA_BUNDLE="$ca/ca.pem" --

# Precedence, as curl's tool: an option hides every variable, CURL_CA_BUNDLE
# hides SSL_CERT_FILE, and -k reads none. A missing file is exit 2 naming
# where it came from.
trusted "--cacert over SSL_CERT_FILE" SSL_CERT_FILE=/nonexistent/ca.pem -- \
  --cacert "$ca/ca.pem"
refused "CURL_CA_BUNDLE '/nonexistent/bundle.pem'" \
  CURL_CA_BUNDLE=/nonexistent/bundle.pem SSL_CERT_FILE="$ca/ca.pem" -- \
  "$tls/page/t"
trusted "-k ignores SSL_CERT_FILE" SSL_CERT_FILE=/nonexistent/ca.pem -- -k
for spec in "--cacert /nonexistent/ca.pem" "--capath /nonexistent/dir" \
  "--cacert $ca/dir" "--capath $ca/ca.pem"; do
  read -r opt path <<<"$spec"
  refused "$opt '$path'" -- "$opt" "$path" "$tls/page/t"
done
assert_eq "$(tls_requests)" "$n" "requests after bad trust options"
# A certificate for another name is not fixed by a CA: the hint says -k only.
afe --json --no-summary --cacert "$ca/ca.pem" \
  "https://localhost:$AF_NGX_PORT/page/t" >"$tmp/name.json" && fail "wrong name accepted"
jq -e '.error_kind == "tls" and (.error | test("--cacert") | not) and
  (.error | test("-k skips"))' "$tmp/name.json" >/dev/null ||
  fail "host name mismatch text: $(jq -r .error "$tmp/name.json")"

# ---------------------------------------------------------------------------
# Proxies. The proxy is a second afserve: an absolute-form target is
# answered by it and logged whole, so its /log proves the request went
# through it, and the first server's counters that it did not go direct.
af_start_server
PX=$AF_BASE2
af_reset
px_log() {
  af_log "$PX" | cut -d' ' -f2- | tr '\n' ' '
}
afe -x "$PX" --json --no-summary "$AF_BASE/page/p1" >"$tmp/p.json" ||
  fail "-x: $(jq -r .error "$tmp/p.json")"
assert_eq "$(jq -r .title "$tmp/p.json")" "Page /page/p1" "through -x"
assert_eq "$(px_log)" "http://$T/page/p1 " "the proxy's log"
assert_eq "$(af_stat requests_total)" 0 "direct requests with -x"
# --proxy in full, without a scheme (http, as curl), and --noproxy.
afe --proxy "127.0.0.1:$AF_PORT2" --noproxy example.com --json --no-summary \
  "$AF_BASE/page/p2" >/dev/null
afe -x "$PX" --noproxy 127.0.0.1 --json --no-summary "$AF_BASE/page/d1" \
  >"$tmp/d.json"
assert_eq "$(jq -r .status "$tmp/d.json")" 200 "--noproxy status"
assert_eq "$(px_log)" "http://$T/page/p1 http://$T/page/p2 " \
  "the proxy's log after --noproxy"
assert_eq "$(af_log | cut -d' ' -f2)" /page/d1 "--noproxy went direct"

# The environment, set for afetch alone: http_proxy and ALL_PROXY are used,
# NO_PROXY and -x "" bypass them.
afe_env http_proxy="$PX" -- --json --no-summary "$AF_BASE/page/e1" >/dev/null
afe_env ALL_PROXY="$PX" -- --json --no-summary "$AF_BASE/page/e2" >/dev/null
afe_env http_proxy="$PX" NO_PROXY=127.0.0.1 -- --json --no-summary \
  "$AF_BASE/page/d2" >/dev/null
afe_env http_proxy="$PX" -- -x "" --json --no-summary "$AF_BASE/page/d3" \
  >/dev/null
assert_eq "$(px_log)" \
  "http://$T/page/p1 http://$T/page/p2 http://$T/page/e1 http://$T/page/e2 " \
  "the proxy's log after the environment cases"
assert_eq "$(af_log | cut -d' ' -f2 | tr '\n' ' ')" "/page/d1 /page/d2 /page/d3 " \
  "direct requests: --noproxy, NO_PROXY, -x \"\""

# A dead proxy: the error says it is the proxy's, for -x (http and socks)
# and for the environment; the server was never reached.
af_reset
for how in "-x http://127.0.0.1:1" "-x socks5h://127.0.0.1:1" "env"; do
  rc=0
  if [[ $how == env ]]; then
    afe_env http_proxy=http://127.0.0.1:1 -- --json --no-summary \
      "$AF_BASE/page/x" >"$tmp/dead.json" || rc=$?
  else
    read -r opt val <<<"$how"
    afe "$opt" "$val" --json --no-summary "$AF_BASE/page/x" \
      >"$tmp/dead.json" || rc=$?
  fi
  assert_eq "$rc" 1 "dead proxy ($how): exit status"
  jq -e '.error_kind == "connect" and (.error | test("^proxy: .*refused"))' \
    "$tmp/dead.json" >/dev/null ||
    fail "dead proxy ($how): $(jq -c '[.error_kind, .error]' "$tmp/dead.json")"
done
# A refused server is not called a proxy's fault: without a proxy, or with
# one that --noproxy or NO_PROXY bypasses for it.
afe --json --no-summary "http://127.0.0.1:1/" >"$tmp/r1.json" || true
afe -x "$PX" --noproxy 127.0.0.1 --json --no-summary "http://127.0.0.1:1/" \
  >"$tmp/r2.json" || true
afe_env http_proxy="$PX" NO_PROXY=127.0.0.1 -- --json --no-summary \
  "http://127.0.0.1:1/" >"$tmp/r3.json" || true
for f in "$tmp"/r[123].json; do
  jq -e '.error_kind == "connect" and (.error | test("proxy") | not)' "$f" \
    >/dev/null || fail "a direct refusal blamed on a proxy: $(jq -r .error "$f")"
done
assert_eq "$(af_stat requests_total)" 0 "requests behind a dead proxy"
refused "--proxy 'ftp://" -- -x "ftp://127.0.0.1:$AF_PORT2" "$AF_BASE/page/x"
pass
