#!/usr/bin/env bash
# --waterfall FILE.svg: the SVG is well-formed, renders, and the picture
# shows what it claims: with --compare the sequential run's bars spread over
# the whole axis while the concurrent run's sit in a narrow band at the left,
# on the same scale. Many URLs are drawn as grouped rows, in a small file.
# A write that fails leaves no file behind and makes the exit status 1.
# Needs xmllint (libxml2-utils), rsvg-convert (librsvg2-bin) and pngtopnm
# (netpbm), as installed by tests/scripts/deps.sh test.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
for t in xmllint rsvg-convert pngtopnm python3; do
  command -v "$t" >/dev/null || fail "$t is not installed (tests/scripts/deps.sh test)"
done
af_start_server
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; af_cleanup' EXIT

# Reads a PPM and checks the bars by colour. Prints a reason and exits 1
# when the picture is wrong.
check_picture() {
  python3 - "$1" <<'EOF'
import sys

data = open(sys.argv[1], "rb").read()
# Binary PPM as pngtopnm writes it: "P6\nW H\n255\n" then RGB triples.
parts = data.split(maxsplit=4)
assert parts[0] == b"P6", "not a binary PPM"
w, h, px = int(parts[1]), int(parts[2]), parts[4]
assert len(px) >= w * h * 3, "short PPM"

COL = {  # the fills in src/cli/waterfall.c
    "wait": (0xD4, 0xD4, 0xD4), "dns": (0x1B, 0x9E, 0x77),
    "connect": (0xE6, 0xAB, 0x02), "tls": (0x75, 0x70, 0xB3),
    "ttfb": (0x4A, 0x90, 0xD9), "download": (0x66, 0xA6, 0x1E),
    "failed": (0xD6, 0x27, 0x28),
}
def fail(msg):
    print(msg)
    sys.exit(1)

present = set()
rows = {}  # y -> (xmin, xmax, count) of time-to-first-byte pixels
red = []
for y in range(h):
    line = px[y * w * 3:(y + 1) * w * 3]
    for name, (r, g, b) in COL.items():
        if bytes((r, g, b)) in line:
            present.add(name)
    blue = bytes(COL["ttfb"])
    xs = [x for x in range(w) if line[3 * x:3 * x + 3] == blue]
    if xs:
        rows[y] = (min(xs), max(xs), len(xs))
    if bytes(COL["failed"]) in line:
        red.append(y)
missing = set(COL) - present
if missing:
    fail("colours missing from the picture: %s" % sorted(missing))

# Rows of bar pixels in groups split by gaps: the legend swatch, then one
# group per run. The two biggest groups are the runs, top to bottom.
ys = sorted(rows)
groups, cur = [], [ys[0]]
for y in ys[1:]:
    if y - cur[-1] > 12:
        groups.append(cur)
        cur = []
    cur.append(y)
groups.append(cur)
if len(groups) < 3:
    fail("expected a legend and two runs, found %d bar groups" % len(groups))
runs = sorted(sorted(groups, key=len)[-2:])
def stats(g):
    lo = min(rows[y][0] for y in g)
    hi = max(rows[y][1] for y in g)
    area = sum(rows[y][2] for y in g)
    # One bar = a band of consecutive pixel rows; its left edge.
    bars, prev = [], None
    for y in g:
        if prev is None or y != prev + 1:
            bars.append(rows[y][0])
        prev = y
    return lo, hi, area, bars
slo, shi, sarea, sbars = stats(runs[0])
clo, chi, carea, cbars = stats(runs[1])
sspan, cspan = shi - slo, chi - clo
print("sequential: span %d px, %d bars; concurrent: span %d px, %d bars; "
      "areas %d/%d" % (sspan, len(sbars), cspan, len(cbars), sarea, carea))
if len(sbars) < 10 or len(cbars) < 10:
    fail("expected 10+ bars per run")
if sspan < 4 * cspan:
    fail("sequential span %d px is not 4x the concurrent %d px" % (sspan, cspan))
# Same durations on the same scale: about the same blue area in both.
if not 0.6 < sarea / carea < 1.6:
    fail("blue areas %d vs %d: not one scale" % (sarea, carea))
# Sequential bars form a staircase; concurrent ones start together.
if any(b < a - 2 for a, b in zip(sbars, sbars[1:])):
    fail("sequential bars do not start one after another: %s" % sbars)
if sbars[-1] - sbars[0] < sspan / 2:
    fail("sequential bars start too close together: %s" % sbars)
if max(cbars) - min(cbars) > sspan / 4:
    fail("concurrent bars do not start together: %s" % cbars)
# The refused URL is outlined in red in both runs.
below = [y for y in red if y > runs[0][0]]
if not any(y < runs[1][0] for y in below) or not any(
        y > runs[1][0] for y in below):
    fail("no red failure mark in each run")
EOF
}

# 12 pages of 100-320 ms and one refused connection, both ways.
for i in $(seq 12); do echo "$AF_BASE/delay/$((80 + i * 20))/page$i"; done \
  >"$tmp/u.txt"
cp "$tmp/u.txt" "$tmp/ok.txt"
echo "http://127.0.0.1:1/refused" >>"$tmp/u.txt"
echo stale >"$tmp/w.svg" # replaced whole, not appended to
set +e
"$AFETCH" --compare -c 20 --per-host 20 -q --waterfall "$tmp/w.svg" \
  "$tmp/u.txt" >/dev/null 2>"$tmp/err"
rc=$?
set -e
assert_eq "$rc" 1 "exit status with a refused URL"
[[ -s $tmp/w.svg ]] || fail "no SVG written: $(cat "$tmp/err")"
xmllint --noout "$tmp/w.svg" 2>"$tmp/xml.err" ||
  fail "not well-formed XML: $(head -3 "$tmp/xml.err")"
grep -q 'afetch waterfall: 13 transfers, sequential [0-9.]* s / concurrent' \
  "$tmp/w.svg" || fail "no title line"
grep -q '>sequential: ' "$tmp/w.svg" || fail "no sequential heading"
grep -q '>concurrent: ' "$tmp/w.svg" || fail "no concurrent heading"
assert_eq "$(grep -c "delay/[0-9]*/page" "$tmp/w.svg")" 24 \
  "a URL label per transfer and run"
[[ -z $(find "$tmp" -name '*.tmp') ]] || fail "temporary file left behind"
rsvg-convert -o "$tmp/w.png" "$tmp/w.svg" || fail "rsvg-convert failed"
pngtopnm "$tmp/w.png" >"$tmp/w.ppm" 2>/dev/null || fail "pngtopnm failed"
out=$(check_picture "$tmp/w.ppm") || fail "picture: $out"
echo "$out"

# 2000 URLs in one run: grouped rows, a small file that still renders.
for i in $(seq 2000); do echo "$AF_BASE/delay/$((i % 5))/many$i"; done \
  >"$tmp/many.txt"
"$AFETCH" -c 50 --per-host 50 -q --waterfall "$tmp/many.svg" \
  "$tmp/many.txt" >/dev/null 2>"$tmp/err" ||
  fail "2000 URLs: $(cat "$tmp/err")"
size=$(stat -c %s "$tmp/many.svg")
assert_le "$size" 2000000 "SVG of 2000 URLs in bytes"
xmllint --noout "$tmp/many.svg" || fail "2000 URLs: not well-formed XML"
grep -q 'afetch waterfall: 2000 transfers, concurrent' "$tmp/many.svg" ||
  fail "2000 URLs: no title"
grep -q '>lines 1-[0-9]*<' "$tmp/many.svg" || fail "2000 URLs: no grouped rows"
rows=$(grep -c '<g><title>' "$tmp/many.svg")
assert_ge "$rows" 100 "rows for 2000 URLs"
assert_le "$rows" 400 "rows for 2000 URLs"
grep -q 'many1<' "$tmp/many.svg" && fail "2000 URLs: URL labels drawn"
rsvg-convert -o "$tmp/many.png" "$tmp/many.svg" ||
  fail "2000 URLs: rsvg-convert failed"

# A write that fails: exit status 1 (every URL was fine), a message, and no
# file.
"$AFETCH" -q "$tmp/ok.txt" >/dev/null 2>&1 || fail "ok.txt alone fails"
set +e
"$AFETCH" -q --waterfall "$tmp/no/such/dir/w.svg" "$tmp/ok.txt" \
  >/dev/null 2>"$tmp/err"
rc=$?
set -e
assert_eq "$rc" 1 "exit status when the SVG cannot be written"
grep -q "cannot write" "$tmp/err" || fail "no message: $(cat "$tmp/err")"
[[ -e $tmp/no ]] && fail "a failed write left something behind"
if [[ -w /dev/full ]]; then
  set +e
  "$AFETCH" -q --waterfall /dev/full "$tmp/ok.txt" >/dev/null 2>"$tmp/err"
  rc=$?
  set -e
  assert_eq "$rc" 1 "exit status when the disk is full"
  grep -q "No space left" "$tmp/err" || fail "ENOSPC: $(cat "$tmp/err")"
fi
pass waterfall
