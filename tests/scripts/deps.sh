#!/usr/bin/env bash
# Installs what afetch needs to build, test and benchmark on Debian 12, if
# it is missing. Usage: deps.sh [build|test|bench]  (each includes the ones
# before it). Safe to run again: it asks apt only for what is not there.
set -euo pipefail
level=${1:-build}
pkgs=(build-essential cmake pkg-config libcurl4-openssl-dev libuv1-dev
      libgumbo-dev zlib1g-dev libidn2-dev libuchardet-dev libc-ares-dev)
# The CA certificates https needs: libcurl4 only recommends them, and apt
# runs here without recommends, so a minimal Debian has none.
pkgs+=(ca-certificates)
if [ "$level" = test ] || [ "$level" = bench ]; then
  pkgs+=(libcmocka-dev clang clang-format libclang-rt-14-dev valgrind jq curl
         librsvg2-bin libxml2-utils netpbm nginx-light openssl
         python3 python3-yaml parallel tmux file dpkg-dev time groff man-db)
  # The local internet of tests/cli/lib_net.sh: `ip` sets lo up in the
  # test's network namespace (a minimal Debian has no iproute2).
  pkgs+=(iproute2)
  # tests/cli/realweb.sh counts how often the CA bundle is opened.
  pkgs+=(strace)
  # tests/cli/proxies.sh: a real HTTP proxy (CONNECT too) and a SOCKS5 one.
  pkgs+=(tinyproxy-bin microsocks)
  # tests/cli/install.sh links a program statically with `pkg-config
  # --static --libs afetch`, which names every library in the Libs.private
  # of libcurl.pc and libidn2.pc (libunistring); the -dev packages do not
  # depend on one another's, so a fresh machine lacks the link-time files.
  pkgs+=(libnghttp2-dev librtmp-dev libssh2-1-dev libpsl-dev libssl-dev
         libkrb5-dev libldap-dev libzstd-dev libbrotli-dev libunistring-dev)
fi
if [ "$level" = bench ]; then
  pkgs+=(python3-aiohttp python3-bs4 python3-lxml python3-requests
         gnuplot-nox hyperfine)
  # bench/net.sh: the fourth peer of the local-internet workloads.
  pkgs+=(wget2)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
