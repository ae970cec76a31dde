#!/usr/bin/env bash
# Makes a local CA and one leaf certificate for the local internet of the
# tests (docs/TESTING.md), with EC P-256 keys (fast to make and to use).
# Usage: mkca.sh DIR [ZONE [NAME...]]
#   DIR   made if missing; gets ca.pem, ca.key, cert.pem (the leaf, then the
#         CA: a full chain for nginx), leaf.pem, key.pem
#   ZONE  the DNS zone (test): the leaf is valid for ZONE and *.ZONE
#   NAME  more subjectAltNames, as openssl writes them (DNS:x, IP:127.0.0.1)
# The leaf always covers IP:127.0.0.1 and DNS:localhost too. Both expire in
# 2 days: they only live as long as a test run. OpenSSL matches a wildcard
# only with two labels after it: *.web.test covers h1.web.test, but *.test
# covers nothing, so names directly under a one-label zone are listed as
# NAMEs (tests/cli/lib_net.sh lists h1..h100).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: mkca.sh DIR [ZONE [NAME...]]" >&2; exit 2; }
dir=$1
zone=${2:-test}
shift $(($# >= 2 ? 2 : 1))
mkdir -p "$dir"
san="DNS:$zone,DNS:*.$zone,DNS:localhost,IP:127.0.0.1"
for n in "$@"; do san="$san,$n"; done

ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -days 2 -subj "/CN=afetch test CA ($zone)" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
openssl req "${ec[@]}" -subj "/CN=*.$zone" -keyout "$dir/key.pem" \
  -out "$dir/leaf.csr" 2>/dev/null
openssl x509 -req -in "$dir/leaf.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
  -CAcreateserial -days 2 -out "$dir/leaf.pem" -extfile <(printf '%s\n' \
  "basicConstraints=critical,CA:FALSE" \
  "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth" \
  "subjectAltName=$san") 2>/dev/null
cat "$dir/leaf.pem" "$dir/ca.pem" >"$dir/cert.pem"
rm -f "$dir/leaf.csr" "$dir/ca.srl"
openssl verify -CAfile "$dir/ca.pem" "$dir/leaf.pem" >/dev/null
