#!/usr/bin/env bash
# The classic demonstration, offline: our bundled server answers 100 pages,
# each after a random 50-500 ms, and afetch fetches them one at a time and
# then all at once (--compare), with the speedup and a waterfall picture.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tests/scripts/deps.sh" build
build=${AF_BUILD:-$root/build}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAFETCH_TESTS=OFF \
  >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

tmp=$(mktemp -d)
"$build/afserve" --quiet >"$tmp/port" &
srv=$!
trap 'kill "$srv" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 500); do [ -s "$tmp/port" ] && break; sleep 0.01; done
port=$(head -1 "$tmp/port")
[ -n "$port" ] || { echo "demo: the server did not start" >&2; exit 1; }

# Random delays, fixed seed so every run shows the same list.
RANDOM=42
for i in $(seq 100); do
  echo "http://127.0.0.1:$port/delay/$((50 + RANDOM % 451))/article-$i"
done >"$tmp/urls.txt"

echo "afetch --compare over 100 pages of 50-500 ms (local server, port $port)"
"$build/afetch" --compare -c 100 --per-host 100 \
  --waterfall "${AF_WATERFALL:-$tmp/waterfall.svg}" "$tmp/urls.txt" | tail -5
echo "(last 5 result lines shown; the waterfall was drawn to ${AF_WATERFALL:-a temporary file})"
