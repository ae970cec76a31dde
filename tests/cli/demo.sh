#!/usr/bin/env bash
# examples/demo.sh, the README's first command, run as a person would (its
# stdout and stderr in one stream) on this build: it keeps the waterfall in
# ./afetch-demo/ and prints its path, shows the results before the summary,
# runs the very command the README's headline example shows, and stops its
# server.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
cwd=$AF_TMP/cwd
mkdir "$cwd"
(cd "$cwd" && env -u AF_DEMO_DIR -u AF_WATERFALL AF_BUILD="$AF_BUILD" \
  bash "$AF_SRC/examples/demo.sh") >"$AF_TMP/out.txt" 2>&1 ||
  fail "the demo failed: $(cat "$AF_TMP/out.txt")"
out=$AF_TMP/out.txt

# The waterfall stays, as an SVG, and its path is printed.
svg=$cwd/afetch-demo/waterfall.svg
[[ -s $svg ]] || fail "no waterfall left at $svg: $(ls -la "$cwd" "$cwd/afetch-demo" 2>&1)"
xmllint --noout "$svg" 2>"$AF_TMP/xml.err" ||
  fail "the waterfall is not well-formed XML: $(cat "$AF_TMP/xml.err")"
grep -qx "waterfall: $svg (open it in a browser)" "$out" ||
  fail "the waterfall's path is not printed: $(cat "$out")"
for f in urls.txt results.txt summary.txt; do
  [[ -s $cwd/afetch-demo/$f ]] || fail "afetch-demo/$f is missing or empty"
done
assert_eq "$(wc -l <"$cwd/afetch-demo/results.txt")" 200 "result lines kept"

# Results, then the summary: every result line shown comes before the first
# summary line, and the speedup closes the summary.
first_summary=$(grep -n -m1 '^sequential: ' "$out" | cut -d: -f1)
last_result=$(grep -n '^200 ' "$out" | tail -1 | cut -d: -f1)
speedup=$(grep -n -m1 '^speedup: ' "$out" | cut -d: -f1)
[[ -n $first_summary && -n $last_result && -n $speedup ]] ||
  fail "results or summary missing: $(cat "$out")"
assert_eq "$(grep -c '^200 ' "$out")" 6 "result lines shown"
assert_le "$last_result" "$first_summary" "the last result line shown is after the summary"
assert_le "$first_summary" "$speedup" "summary order"
grep -q '^concurrent: 100 URLs, 100 ok' "$out" ||
  fail "the concurrent run did not fetch all 100 pages: $(cat "$out")"

# The command printed is the README's headline command, in full, and the
# README's summary lines have the shape of the ones this run printed (the
# numbers aside).
cmd=$(sed -n 's/^\$ //p' "$out")
headline=$(grep -m1 '^\$ afetch --compare' "$AF_SRC/README.md" | sed 's/^\$ //')
[[ -n $headline ]] || fail "README.md has no '\$ afetch --compare' headline"
assert_eq "$cmd" "$headline" "the demo's command vs the README's headline"
shape() { sed -E 's/[0-9]+(\.[0-9]+)?/N/g'; }
readme_summary=$(sed -n '/^\$ afetch --compare/,/^```/p' "$AF_SRC/README.md" |
  grep -E '^(sequential|concurrent|  latency|speedup)' | shape)
demo_summary=$(shape <"$cwd/afetch-demo/summary.txt")
[[ -n $readme_summary ]] || fail "README.md's headline shows no summary"
while IFS= read -r line; do
  grep -qxF -- "$line" <<<"$demo_summary" ||
    fail "README headline line '$line' is not what the demo prints: $demo_summary"
done <<<"$readme_summary"

# The demo's server is gone: nothing answers on its port any more.
port=$(sed -n 's/.*(127\.0\.0\.1:\([0-9]*\)).*/\1/p' "$out" | head -1)
af__int "$port" "the demo's port"
if af_curl -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then
  fail "the demo's server still answers on port $port"
fi
pass
