#!/usr/bin/env bash
# The classic demonstration, offline: our bundled server answers 100 pages,
# each after a random 50-500 ms, and afetch fetches them one at a time and
# then all at once (--compare), with the speedup and a waterfall picture.
#
# The list, the results, the summary and the waterfall are kept in
# ./afetch-demo/ (AF_DEMO_DIR), the waterfall at AF_WATERFALL if that is
# set. AF_BUILD: a tree where afetch and afserve are already built (no
# packages installed, nothing built); otherwise the build dependencies are
# installed if missing and both are built in ./build of the checkout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -n ${AF_BUILD:-} ]]; then
  build=$AF_BUILD
  for b in afetch afserve; do
    [[ -x $build/$b ]] || { echo "demo: no $b in AF_BUILD=$build" >&2; exit 1; }
  done
else
  build=$root/build
  bash "$root/tests/scripts/deps.sh" build
  echo "building afetch in $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j"$(nproc)" --target afetch afserve >/dev/null
fi

dir=${AF_DEMO_DIR:-afetch-demo}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
waterfall=${AF_WATERFALL:-$dir/waterfall.svg}
[[ $waterfall == /* ]] || waterfall=$PWD/$waterfall

portfile=$(mktemp)
"$build/afserve" --quiet >"$portfile" &
srv=$!
trap 'kill "$srv" 2>/dev/null; rm -f "$portfile"' EXIT
for _ in $(seq 500); do [[ -s $portfile ]] && break; sleep 0.01; done
port=$(head -1 "$portfile")
[[ -n $port ]] || { echo "demo: the server did not start" >&2; exit 1; }

# Random delays, fixed seed so every run shows the same list.
n=100
RANDOM=42
for i in $(seq $n); do
  echo "http://127.0.0.1:$port/delay/$((50 + RANDOM % 451))/article-$i"
done >"$dir/urls.txt"

# The command as a person would type it in $dir; it runs from there, with
# this build's afetch first on PATH, so what is printed is what runs. One
# host serves all 100 pages, so -c and --per-host let them all run at once.
wf=$waterfall
[[ $wf == "$dir"/* ]] && wf=${wf#"$dir"/}
cmd=(afetch --compare -c $n --per-host $n --waterfall "$wf" urls.txt)
echo "afetch demo: $n pages of 50-500 ms from the bundled test server" \
  "(127.0.0.1:$port), first one at a time, then all at once; about 30 s"
echo "in $dir:"
echo "\$ ${cmd[*]}"
rc=0
(cd "$dir" && PATH=$build:$PATH "${cmd[@]}" >results.txt 2>summary.txt) || rc=$?

# Results (stdout) first, then the summary (stderr), as a person reads a
# run: each part was kept in its own file, so neither overtakes the other.
lines=$(wc -l <"$dir/results.txt")
echo
echo "sequential run, first 3 results (input order):"
head -3 "$dir/results.txt"
echo "concurrent run, first 3 results (completion order: the fastest first):"
sed -n "$((n + 1)),$((n + 3))p" "$dir/results.txt"
echo "(all $lines result lines: $dir/results.txt)"
echo
cat "$dir/summary.txt"
echo
if [[ -s $waterfall ]]; then
  echo "waterfall: $waterfall (open it in a browser)"
else
  echo "demo: no waterfall was drawn at $waterfall" >&2
  [[ $rc -ne 0 ]] || rc=1
fi
exit "$rc"
