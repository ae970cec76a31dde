#!/usr/bin/env bash
# --waterfall FILE.svg: the SVG is well-formed, renders, and the picture
# shows what it claims.
# - Up to 200 transfers in all: the row view. With --compare the sequential
#   run's bars spread over the whole axis while the concurrent run's sit in a
#   narrow band at the left, on the same scale. Labels leave out the prefix
#   every URL shares and keep the part that tells rows apart.
# - Past that: one screen with transfers in flight over time (never above
#   the limit, reaching it when the server saw it reached) and a histogram
#   of time_ms.total whose counts add up to the results.
# An SVG path that cannot be created is refused before any request; a
# write that fails after the run leaves no file behind and makes the exit
# status 1.
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
assert_eq "$(grep -c '<text class="l[^"]*"[^>]*>[^<]*delay/[0-9]*/page' \
  "$tmp/w.svg")" 24 "a URL label per transfer and run"
grep -q '<g id="rows">' "$tmp/w.svg" || fail "13 URLs: not the row view"
grep -q 'id="inflight"' "$tmp/w.svg" && fail "13 URLs: the big view"
[[ -z $(find "$tmp" -name '*.tmp') ]] || fail "temporary file left behind"
rsvg-convert -o "$tmp/w.png" "$tmp/w.svg" || fail "rsvg-convert failed"
pngtopnm "$tmp/w.png" >"$tmp/w.ppm" 2>/dev/null || fail "pngtopnm failed"
out=$(check_picture "$tmp/w.ppm") || fail "picture: $out"
echo "$out"

# Labels: URLs that differ only in the middle of their last path segment,
# with a long common directory before it and long common text on both sides
# of the number, get distinct labels that leave out the directories, keep
# the number and keep the end.
long=a-long-directory-name-shared-by-all/and-another-one-below-it
for i in $(seq 12); do
  echo "$AF_BASE/delay/1/$long/quarterly-report-$i-of-the-final-version-for-all.html"
done >"$tmp/lab.txt"
"$AFETCH" -q -c 20 --per-host 20 --waterfall "$tmp/lab.svg" "$tmp/lab.txt" \
  >/dev/null 2>"$tmp/err" || fail "labels: $(cat "$tmp/err")"
xmllint --noout "$tmp/lab.svg" || fail "labels: not well-formed XML"
out=$(python3 - "$tmp/lab.svg" "$AF_BASE/delay/1/$long/" <<'PY'
import re, sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
svg = ET.parse(sys.argv[1]).getroot()
labels = ["".join(t.itertext()) for t in svg.iter(NS + "text")
          if t.get("class", "").split()[:1] == ["l"]]
def fail(m):
    print(m)
    sys.exit(1)
if len(labels) != 12:
    fail("%d labels, expected 12: %s" % (len(labels), labels))
if len(set(labels)) != 12:
    fail("labels are not distinct: %s" % labels)
seen = set()
for l in labels:
    m = re.match(r"quarterly-report-([0-9]+)(?![0-9])", l)
    if not m:
        fail("label does not start where the URLs differ: %r" % l)
    seen.add(int(m.group(1)))
    if not l.endswith("for-all.html"):
        fail("label lost the end of its URL: %r" % l)
    if len(l) > 60:
        fail("label of %d characters: %r" % (len(l), l))
if seen != set(range(1, 13)):
    fail("labels name items %s" % sorted(seen))
note = "".join("".join(t.itertext()) for t in svg.iter(NS + "text")
               if "starts with" in "".join(t.itertext()))
if sys.argv[2] not in note:
    fail("the shared prefix is not said once: %r" % note)
print("labels: %s ... %s" % (labels[0], labels[-1]))
PY
) || fail "labels: $out"
echo "$out"

# The row view up to 200 transfers, the big view from 201.
for n in 200 201; do
  for i in $(seq $n); do echo "$AF_BASE/delay/0/edge$i"; done >"$tmp/e$n.txt"
  "$AFETCH" -q -c 50 --per-host 50 --waterfall "$tmp/e$n.svg" \
    "$tmp/e$n.txt" >/dev/null 2>"$tmp/err" || fail "$n URLs: $(cat "$tmp/err")"
  xmllint --noout "$tmp/e$n.svg" || fail "$n URLs: not well-formed XML"
done
grep -q '<g id="rows">' "$tmp/e200.svg" || fail "200 URLs: not the row view"
grep -q 'id="inflight"' "$tmp/e200.svg" && fail "200 URLs: the big view"
grep -q 'id="inflight"' "$tmp/e201.svg" || fail "201 URLs: not the big view"
grep -q '<g id="rows">' "$tmp/e201.svg" && fail "201 URLs: the row view"

# Checks a big-view SVG: one screen; an in-flight group whose band for each
# run tops out at its data-peak, never above the limit line of LIMIT, which
# is drawn; a histogram whose bars count N results (F failed) per run, each
# bar as tall as its count on one scale. Prints "peakR P xmaxR X" per run.
# Usage: check_big SVG LIMIT LIMIT_RUN N0[,N1] F0[,F1]
check_big() {
  python3 - "$@" <<'PY'
import re, sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
svg = ET.parse(sys.argv[1]).getroot()
limit, lrun = int(sys.argv[2]), int(sys.argv[3])
ns = [int(x) for x in sys.argv[4].split(",")]
fs = [int(x) for x in sys.argv[5].split(",")]
def fail(m):
    print(m)
    sys.exit(1)
w, h = float(svg.get("width")), float(svg.get("height"))
if w > 1280 or h > 800:
    fail("%gx%g is more than one screen" % (w, h))
g = {e.get("id"): e for e in svg.iter(NS + "g") if e.get("id")}
for k in ("inflight", "histogram"):
    if k not in g:
        fail("no %s group" % k)
fl = g["inflight"]
ymax, y0, y1 = (float(fl.get(k)) for k in ("data-ymax", "data-y0", "data-y1"))
def xy(d):
    v = [float(x) for x in re.findall(r"-?[0-9]+(?:\.[0-9]+)?", d)]
    return v[0::2], v[1::2]
lines = [e for e in fl.iter(NS + "path")
         if e.get("class") in ("lim", "limh") and e.get("data-limit") == str(limit)]
if not lines:
    fail("no limit line at %d" % limit)
ylim = xy(lines[0].get("d"))[1][0]
for run in range(len(ns)):
    band = [e for e in fl.iter(NS + "path") if e.get("data-run") == str(run)
            and e.get("class", "").startswith("bd")]
    mean = [e for e in fl.iter(NS + "path") if e.get("data-run") == str(run)
            and e.get("class", "").startswith("ln")]
    if len(band) != 1 or len(mean) != 1:
        fail("run %d: %d bands, %d lines" % (run, len(band), len(mean)))
    bx, by = xy(band[0].get("d"))
    peak = int(fl.get("data-peak%d" % run))
    drawn = (y1 - min(by)) / (y1 - y0) * ymax
    if abs(drawn - peak) > 0.05:
        fail("run %d: the band tops out at %.2f, data-peak is %d" % (run, drawn, peak))
    if max(xy(mean[0].get("d"))[1]) > y1 + 0.01:
        fail("run %d: the line goes below 0" % run)
    if run == lrun and (peak > limit or min(by) < ylim - 0.05):
        fail("run %d: in flight %d, above the limit %d" % (run, peak, limit))
    print("peak%d %d xmax%d %.1f" % (run, peak, run, max(bx)))
hist = g["histogram"]
for run in range(len(ns)):
    bars = [e for e in hist.iter(NS + "g") if e.get("class") == "hb"
            and e.get("data-run") == str(run)]
    n = sum(int(b.get("data-n")) for b in bars)
    f = sum(int(b.get("data-failed")) for b in bars)
    if n != ns[run] or f != fs[run]:
        fail("run %d: histogram counts %d (%d failed), expected %d (%d)"
             % (run, n, f, ns[run], fs[run]))
    red = sum(1 for b in bars for r in b.iter(NS + "rect") if r.get("class") == "fl")
    if red != sum(1 for b in bars if int(b.get("data-failed"))):
        fail("run %d: failed counts without a red bar" % run)
    k = [sum(float(r.get("height")) for r in b.iter(NS + "rect")) / int(b.get("data-n"))
         for b in bars]
    if max(k) - min(k) > 0.02:
        fail("run %d: bar heights not proportional to counts: %.3f..%.3f px each"
             % (run, min(k), max(k)))
PY
}

# The drawn peak DRAWN against the server's SERVER: neither above LIMIT;
# the server saw LIMIT reached (unless under valgrind, where the client may
# not keep every slot busy), and so does the picture. The picture's
# intervals hold the server's, so it sees at least what the server saw,
# give or take the instant under valgrind.
# Usage: check_peak WHAT LIMIT DRAWN SERVER
check_peak() {
  echo "$1: in flight at most: drawn $3, at the server $4"
  assert_le "$3" "$2" "$1: drawn in flight"
  assert_le "$4" "$2" "$1: in flight at the server"
  if [[ -z ${AF_SANITIZED:-} ]]; then
    assert_eq "$4" "$2" "$1: in flight at the server"
    assert_eq "$3" "$4" "$1: drawn peak against the server's"
  else
    assert_ge "$3" $(($4 - 2)) "$1: drawn peak against the server's"
  fi
}

# 2000 URLs in one run, -c 50: 20-40 ms pages, so 50 are in
# flight at the server for most of the run; 6 refused, and 4 slow ones
# that land in the histogram's overflow bar.
{
  for i in $(seq 4); do echo "$AF_BASE/delay/1500/slow$i"; done
  for i in $(seq 6); do echo "http://127.0.0.1:1/refused$i"; done
  for i in $(seq 1990); do echo "$AF_BASE/delay/$((20 + i % 21))/many$i"; done
} >"$tmp/many.txt"
af_reset
set +e
"$AFETCH" -c 50 --per-host 50 -q --waterfall "$tmp/many.svg" \
  "$tmp/many.txt" >/dev/null 2>"$tmp/err"
rc=$?
set -e
assert_eq "$rc" 1 "2000 URLs with refused ones: exit status ($(cat "$tmp/err"))"
xmllint --noout "$tmp/many.svg" || fail "2000 URLs: not well-formed XML"
grep -q 'afetch waterfall: 2000 transfers, concurrent' "$tmp/many.svg" ||
  fail "2000 URLs: no title"
grep -q 'many1<' "$tmp/many.svg" && fail "2000 URLs: URL labels drawn"
assert_le "$(stat -c %s "$tmp/many.svg")" 300000 "SVG of 2000 URLs in bytes"
out=$(check_big "$tmp/many.svg" 50 0 2000 6) || fail "2000 URLs: $out"
echo "$out"
check_peak "2000 URLs" 50 "$(awk '{print $2}' <<<"$out")" \
  "$(af_stat inflight_max)"
grep -q 'right: 4 that took' "$tmp/many.svg" || fail "2000 URLs: no overflow note"
rsvg-convert -o "$tmp/many.png" "$tmp/many.svg" ||
  fail "2000 URLs: rsvg-convert failed"
pngtopnm "$tmp/many.png" >"$tmp/many.ppm" 2>/dev/null || fail "pngtopnm failed"
# Binary PPM: "P6\nW H\n255\n" then the pixels.
read -r pw ph < <(sed -n 2p "$tmp/many.ppm")
assert_le "$ph" 800 "rendered height of the big view"
assert_le "$pw" 1280 "rendered width of the big view"

# One host and the default --per-host 6 under -c 50: the per-host limit is
# the binding one, drawn, and reached as the server saw.
for i in $(seq 300); do echo "$AF_BASE/delay/10/host$i"; done >"$tmp/host.txt"
af_reset
"$AFETCH" -q --waterfall "$tmp/host.svg" "$tmp/host.txt" >/dev/null \
  2>"$tmp/err" || fail "per-host: $(cat "$tmp/err")"
xmllint --noout "$tmp/host.svg" || fail "per-host: not well-formed XML"
grep -q 'class="limh" data-limit="6"' "$tmp/host.svg" ||
  fail "per-host: no --per-host 6 line"
out=$(check_big "$tmp/host.svg" 6 0 300 0) || fail "per-host: $out"
echo "$out"
check_peak "per-host" 6 "$(awk '{print $2}' <<<"$out")" \
  "$(af_host_stat inflight_max)"

# --compare past 200 transfers: both runs on one time axis, where the
# concurrent run's line ends at under a quarter of the sequential one's.
# Pages of 10-20 ms, so all 50 of the first batch reach the server before
# the first is answered.
for i in $(seq 150); do echo "$AF_BASE/delay/$((10 + i % 11))/cmp$i"; done \
  >"$tmp/cmp.txt"
af_reset
"$AFETCH" -q --compare -c 50 --per-host 50 --waterfall "$tmp/cmp.svg" \
  "$tmp/cmp.txt" >/dev/null 2>"$tmp/err" || fail "compare: $(cat "$tmp/err")"
xmllint --noout "$tmp/cmp.svg" || fail "compare: not well-formed XML"
grep -q 'afetch waterfall: 150 transfers, sequential [0-9.]* m\?s / concurrent [0-9.]* m\?s ([0-9.]*x)' \
  "$tmp/cmp.svg" || fail "compare: no title with the speedup"
grep -q '<g id="zoom">' "$tmp/cmp.svg" || fail "compare: no closer look"
out=$(check_big "$tmp/cmp.svg" 50 1 150,150 0,0) || fail "compare: $out"
echo "$out"
read -r _ speak _ sx _ cpeak _ cx <<<"$(tr '\n' ' ' <<<"$out")"
assert_eq "$speak" 1 "sequential in flight"
check_peak "compare" 50 "$cpeak" "$(af_stat inflight_max)"
python3 -c "import sys; sys.exit(not ($cx - 62) * 4 < ($sx - 62))" ||
  fail "compare: concurrent line ends at x=$cx, sequential at x=$sx"
rsvg-convert -o "$tmp/cmp.png" "$tmp/cmp.svg" || fail "compare: rsvg failed"

# A path that cannot be created is refused before the first request: exit
# status 2, a message, nothing created, nothing fetched. A write that fails
# after the run (a full disk): exit status 1 (every URL was fine) and a
# message.
"$AFETCH" -q "$tmp/ok.txt" >/dev/null 2>&1 || fail "ok.txt alone fails"
af_reset
set +e
"$AFETCH" -q --waterfall "$tmp/no/such/dir/w.svg" "$tmp/ok.txt" \
  >/dev/null 2>"$tmp/err"
rc=$?
set -e
assert_eq "$rc" 2 "exit status when the SVG cannot be created"
grep -q "no/such/dir/w.svg" "$tmp/err" || fail "no message: $(cat "$tmp/err")"
[[ -e $tmp/no ]] && fail "a failed write left something behind"
assert_eq "$(af_stat requests_total)" 0 "requests made before the path check"
if [[ -w /dev/full ]]; then
  set +e
  "$AFETCH" -q --waterfall /dev/full "$tmp/ok.txt" >/dev/null 2>"$tmp/err"
  rc=$?
  set -e
  assert_eq "$rc" 1 "exit status when the disk is full"
  grep -q "No space left" "$tmp/err" || fail "ENOSPC: $(cat "$tmp/err")"
fi
pass waterfall
