#!/usr/bin/env bash
# Runs a command in the local internet (docs/TESTING.md, tests/cli/lib_net.sh):
# a private network namespace with only loopback, our resolver and CA,
# afdns on 127.0.0.1:53, and optionally nginx and afserve.
# Usage: netns.sh [--dns "AFDNS ARGS"] [--nginx N] [--afserve] [--]
#                 COMMAND [ARG...]
#   --dns ARGS   extra afdns arguments, one word list ("--delay 50 --ttl 5")
#   --nginx N    nginx on the addresses of h1..hN (0: every address), :443
#                and :80; with --afserve, unknown paths go to afserve
#   --afserve    start afserve (AF_BASE, AF_PORT are exported)
# The command sees NET_DNS_BASE (afdns's /stats), NET_CA, NET_DIR and, with
# --afserve, AF_BASE. Exits with the command's status; 77 when namespaces
# are not available (not root, no unshare). Binaries: AF_BUILD (default
# ./build), or AFDNS, AFSERVE, AFETCH.
set -euo pipefail
AF_SRC=${AF_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
AF_BUILD=${AF_BUILD:-$PWD/build}
AFSERVE=${AFSERVE:-$AF_BUILD/afserve}
AFETCH=${AFETCH:-$AF_BUILD/afetch}
export AF_SRC AF_BUILD AFSERVE AFETCH
export NET_SKIP_STATUS=77
dns_args="" nginx="" afserve=0
while [ $# -gt 0 ]; do
  case $1 in
  --dns) dns_args=$2; shift 2 ;;
  --nginx) nginx=$2; shift 2 ;;
  --afserve) afserve=1; shift ;;
  --) shift; break ;;
  -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
  *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "netns.sh: no command (--help)" >&2; exit 2; }
# Keep the parsed options for the run inside the namespace.
opts=(--dns "$dns_args")
[ -n "$nginx" ] && opts+=(--nginx "$nginx")
[ "$afserve" = 1 ] && opts+=(--afserve)
set -- "${opts[@]}" -- "$@"
# shellcheck source=tests/cli/lib_net.sh
source "$AF_SRC/tests/cli/lib_net.sh"
shift 2 # --dns ARGS
[ "${1:-}" = --nginx ] && shift 2
[ "${1:-}" = --afserve ] && shift
[ "${1:-}" = -- ] && shift
# shellcheck disable=SC2086 # a word list on purpose
net_start_dns $dns_args
if [ "$afserve" = 1 ]; then
  af_start_server
fi
if [ -n "$nginx" ]; then
  net_start_nginx "$nginx" "${AF_PORT:-}"
fi
rc=0
"$@" || rc=$?
exit "$rc"
