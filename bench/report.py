#!/usr/bin/env python3
"""Turns bench/run.sh's raw runs into docs/BENCHMARKS.md and the plot.

    report.py p99 FILE.jsonl
        p99 of time_ms.total (nearest rank) over afetch --json output, in ms
    report.py report --csv RUNS.csv --meta META.txt --commands CMDS.tsv
                     --md OUT.md --png OUT.png [--gnuplot 0|1] [--ab AB.md]
        (--ab: the "Before and after" section, when the runs have a
        baseline, also written alone to AB.md)

Standard library only. Medians are over rounds; a ratio is taken within a
round (the peer's figure divided by afetch's in the same round) and then
the median of those is shown, so a slow round does not favour anybody.
"""
import csv
import json
import math
import os
import shutil
import statistics
import subprocess
import sys

TOOLS = ["afetch", "afetch-before", "afetch-compare", "afetch-compare-before",
         "afetch-seq", "afetch-seq-before", "curl-parallel", "curl-seq",
         "xargs-curl", "aiohttp", "threads"]
# The afetch runs that bench/run.sh --baseline pairs with a run of the
# baseline binary ("TOOL-before", the same arguments).
AB_TOOLS = ["afetch", "afetch-seq", "afetch-compare"]
LABEL = {
    "afetch": "**afetch**",
    "afetch-before": "afetch, baseline (--baseline)",
    "afetch-compare": "afetch --compare",
    "afetch-compare-before": "afetch --compare, baseline",
    "afetch-seq": "afetch --sequential",
    "afetch-seq-before": "afetch --sequential, baseline",
    "curl-parallel": "curl --parallel",
    "curl-seq": "curl, sequential (-K)",
    "xargs-curl": "xargs -P curl",
    "aiohttp": "asyncio + aiohttp + bs4",
    "threads": "threads + requests + bs4",
}
PLOT_LABEL = {
    "afetch": "afetch", "afetch-compare": "afetch --compare",
    "afetch-seq": "afetch --sequential", "curl-parallel": "curl --parallel",
    "afetch-before": "afetch (baseline)",
    "afetch-compare-before": "afetch --compare (baseline)",
    "afetch-seq-before": "afetch --sequential (baseline)",
    "curl-seq": "curl sequential", "xargs-curl": "xargs -P curl",
    "aiohttp": "aiohttp+bs4", "threads": "threads+requests+bs4",
}
WTITLE = {
    "W1": "1000 URLs answered after 200 ms, -c 100 --per-host 100",
    "W2": "the same 1000 URLs, -c 1000 --per-host 1000",
    "W3": "50 of them one at a time (--sequential)",
    "W4": "1000 small pages, no delay, -c 100 --per-host 100",
    "W5": "20 000 x 100 KB non-HTML from nginx, -c 50 --per-host 50",
    "W6": "2000 x 100 KB HTML from nginx, title + snippet, -c 50 --per-host 50",
    "W7": "5000 URLs answered after 2 s, -c 5000 --per-host 5000",
    "W8": "20 000 HTML pages, then 1 000 000 small URLs streamed on stdin",
    "W9": "100 pages of 50-500 ms, --compare (the classic demonstration)",
}


def p99_cmd(path):
    vals = []
    with open(path, "rb") as f:
        for line in f:
            try:
                o = json.loads(line)
            except ValueError:
                continue
            t = (o.get("time_ms") or {}).get("total")
            if isinstance(t, (int, float)):
                vals.append(float(t))
    if not vals:
        return 1
    vals.sort()
    k = max(0, math.ceil(0.99 * len(vals)) - 1)
    print("%.1f" % vals[k])
    return 0


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(v, spec="%.3f", none="–"):
    return none if v is None else spec % v


def mib(kb):
    return None if kb is None else kb / 1024.0


def verdict(value, bound, kind, unit="", spec="%.3g"):
    """MET, or MISSED by how much (absolute and relative)."""
    if kind is None:
        return "info"
    if value is None:
        return "no data"
    if kind == "eq":
        if value == bound:
            return "MET"
        return "MISSED (%s instead of %s)" % (spec % value, spec % bound)
    if kind == "le":
        if value <= bound:
            return "MET"
        by = value - bound
    else:  # "ge", "gt"
        met = value >= bound if kind == "ge" else value > bound
        if met:
            return "MET"
        by = bound - value
    rel = " (%.0f %%)" % (by / abs(bound) * 100) if bound else ""
    return "MISSED by %s%s%s" % (spec % by, unit, rel)


def startup(meta, tool):
    """(wall, cpu) of starting tool over an empty list, or None."""
    v = meta.get("startup_" + tool, "")
    try:
        w, c = v.split("/")
        return float(w), float(c)
    except ValueError:
        return None


def fmt_ratio(v):
    if v is None:
        return "–"
    return "%.2fx" % v if v < 10 else "%.1fx" % v


def load(args):
    runs = []
    with open(args["csv"]) as f:
        for r in csv.DictReader(f):
            runs.append(r)
    meta = {}
    with open(args["meta"]) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    sizes = {}
    for kv in meta.get("sizes", "").split():
        k, v = kv.split("=")
        sizes[k] = int(v)
    cmds = {}
    if os.path.exists(args["commands"]):
        with open(args["commands"]) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t", 2)
                if len(parts) == 3:
                    cmds.setdefault(parts[0], []).append((parts[1], parts[2]))
    return runs, meta, sizes, cmds


class Cell:
    """The runs of one tool in one workload, and their medians."""

    def __init__(self, rows):
        self.rows = rows
        self.by_round = {r["round"]: r for r in rows}

    def med(self, key):
        return med([num(r[key]) for r in self.rows])

    def min(self, key):
        xs = [num(r[key]) for r in self.rows if num(r[key]) is not None]
        return min(xs) if xs else None

    def max(self, key):
        xs = [num(r[key]) for r in self.rows if num(r[key]) is not None]
        return max(xs) if xs else None

    @property
    def n(self):
        return int(self.rows[0]["n"])


def ratio(peer, base, key, per_request=False):
    """Median over rounds of peer[key] / base[key] within each round."""
    out = []
    for rnd, pr in peer.by_round.items():
        br = base.by_round.get(rnd)
        if not br:
            continue
        a, b = num(pr[key]), num(br[key])
        if a is None or b is None or b <= 0:
            continue
        if per_request:
            a, b = a / int(pr["n"]), b / int(br["n"])
        out.append(a / b)
    return med(out)


def spread(c, key):
    """(median, min, max) of one figure over the rounds of a cell."""
    return c.med(key), c.min(key), c.max(key)


def ab_reading(a, b, rounds):
    """Whether after's runs a = (med, lo, hi) differ from before's b beyond
    the noise: only when every round of one is above every round of the
    other (with 3 rounds each, 1 chance in 20 by luck either way)."""
    if a[0] is None or b[0] is None or not b[0]:
        return "no data", None
    rel = (a[0] / b[0] - 1) * 100
    if rounds < 2:
        return "%+.1f %% (one round: no noise figure)" % rel, rel
    if a[1] > b[2]:
        return "**higher by %+.1f %%**, beyond noise" % rel, rel
    if a[2] < b[1]:
        return "lower by %+.1f %%, beyond noise" % rel, rel
    return "within noise (%+.1f %%)" % rel, rel


def before_after(cells, order, meta):
    """The "Before and after" section: each afetch run beside the same run
    of the baseline binary, or nothing when there is no baseline."""
    pairs = [(w, t) for w in order for t in AB_TOOLS
             if t in cells.get(w, {}) and t + "-before" in cells.get(w, {})]
    if not pairs:
        return []
    L = ["## Before and after", ""]
    L.append("afetch (`%s`, %s) beside the baseline given with `--baseline` "
             "(`%s`, %s): the same arguments on the same inputs, interleaved "
             "round by round (the two swap places every other round), %s "
             "round(s). Each cell is the median over rounds and, in brackets, "
             "the lowest and highest round; *after / before* is the ratio of "
             "the medians and, in brackets, the range of the per-round "
             "ratios; *noise* is half the wider of the two min..max spreads, "
             "relative to the baseline's median. A difference counts as "
             "beyond noise only when every round of one build is above every "
             "round of the other. Every round counts here, disturbed or not "
             "(⚠: at least one was), so that the two builds stay paired "
             "round by round."
             % (meta.get("afetch_path", "?"), meta.get("afetch", "?"),
                meta.get("baseline_path", "?"), meta.get("baseline", "?"),
                meta.get("rounds", "?")))
    L.append("")
    L.append("| workload | run | figure | after | before | after / before "
             "| noise | reading |")
    L.append("| --- | --- | --- | ---: | ---: | ---: | ---: | --- |")
    worse = []
    for w, t in pairs:
        ca, cb = cells[w][t], cells[w][t + "-before"]
        name = "afetch" if t == "afetch" else PLOT_LABEL[t]
        if w == "W3" and t == "afetch":
            name = "afetch --sequential"
        for key, fig, scale, spec in [("wall", "wall s", 1.0, "%.3f"),
                                      ("cpu", "CPU s", 1.0, "%.3f"),
                                      ("maxrss_kb", "peak RSS MiB",
                                       1 / 1024.0, "%.1f")]:
            a = tuple(None if v is None else v * scale for v in spread(ca, key))
            b = tuple(None if v is None else v * scale for v in spread(cb, key))
            rr = []
            for rnd, ra in ca.by_round.items():
                rb = cb.by_round.get(rnd)
                x, y = num(ra[key]), num(rb[key]) if rb else None
                if x is not None and y:
                    rr.append(x / y)
            text, rel = ab_reading(a, b, min(len(ca.rows), len(cb.rows)))
            noise = None
            if a[0] is not None and b[0] and len(rr) > 1:
                noise = max(a[2] - a[1], b[2] - b[1]) / 2 / b[0] * 100

            def cell(v):
                if v[0] is None:
                    return "–"
                if len(rr) < 2:
                    return spec % v[0]
                return "%s (%s..%s)" % (spec % v[0], spec % v[1], spec % v[2])
            ratio_s = "–"
            if a[0] is not None and b[0]:
                ratio_s = "%.3f" % (a[0] / b[0])
                if len(rr) > 1:
                    ratio_s += " (%.3f..%.3f)" % (min(rr), max(rr))
            warn = " ⚠" if any(r["busy"] == "1" for r in ca.rows + cb.rows) \
                else ""
            L.append("| %s | %s%s | %s | %s | %s | %s | %s | %s |" % (
                w, name, warn, fig, cell(a), cell(b), ratio_s,
                "–" if noise is None else "±%.1f %%" % noise, text))
            if text.startswith("**higher"):
                worse.append("%s %s %s %+.1f %%" % (w, name, fig, rel))
    L.append("")
    L.append("Higher after than before, beyond noise: %s."
             % ("; ".join(worse) if worse else "none"))
    L.append("")
    return L


def report(args):
    runs, meta, sz, cmds = load(args)
    smoke = meta.get("smoke") == "1"
    cells = {}
    for r in runs:
        cells.setdefault(r["workload"], {}).setdefault(r["tool"], []).append(r)
    # A run during which the machine stayed busy is left out of the medians
    # when the same tool has an undisturbed run in another round.
    def clean(rs):
        ok = [r for r in rs if r["busy"] != "1"]
        return ok or rs
    # The before/after pairs keep every round: leaving out a disturbed run
    # of one build but not the other's in the same round would unpair them.
    raw = {w: {t: Cell(rs) for t, rs in d.items()} for w, d in cells.items()}
    cells = {w: {t: Cell(clean(rs)) for t, rs in d.items()}
             for w, d in cells.items()}
    order = ["W%d" % i for i in range(1, 10)]
    L = []
    L.append("# afetch benchmarks")
    L.append("")
    L.append("Generated by `bench/run.sh` on %s%s: every tool over the same "
             "inputs, interleaved round by round (the order of the tools "
             "rotates from round to round), %s round(s), medians. All traffic "
             "is on loopback (127.0.0.1) to our own servers. Figures marked "
             "*× afetch* are the peer's figure divided by afetch's in the "
             "same round (median over rounds): above 1.00x afetch is faster "
             "or lighter." % (meta.get("date", "?"),
                              " (**smoke run: tiny lists, the targets are not "
                              "meaningful**)" if smoke else "",
                              meta.get("rounds", "?")))
    L.append("")
    L.append("Re-run it with `bench/run.sh` (all nine workloads, ~%d min "
             "here) or `bench/run.sh --only W1,W6 --rounds 5`; raw runs go "
             "to `bench/results/` (not committed)."
             % max(1, round(int(meta.get("duration_s", "60")) / 60)))
    L.append("")
    L.append("![wall time per tool per workload](bench-wall.png)")
    L.append("")
    L.append("The plot shows the runs over each workload's whole list (so not "
             "`xargs -P curl` in W5, which runs over the first %d URLs only)."
             % sz.get("N5X", 1000))
    L.append("")
    # ------------------------------------------------------------ machine
    L.append("## Machine")
    L.append("")
    L.append("| | |")
    L.append("| --- | --- |")
    for k, name in [("cpu", "CPU"), ("cores", "cores"), ("mem", "memory"),
                    ("kernel", "kernel"), ("os", "system"),
                    ("afetch", "afetch"), ("cc", "compiler"),
                    ("curl", "curl"), ("nginx", "nginx"),
                    ("python", "Python"), ("aiohttp", "aiohttp"),
                    ("requests", "requests"), ("bs4", "BeautifulSoup"),
                    ("lxml", "lxml"), ("nofile_hard", "RLIMIT_NOFILE hard"),
                    ("nginx_workers", "nginx worker processes"),
                    ("article_bytes", "article page bytes"),
                    ("duration_s", "this run took (s)")]:
        L.append("| %s | %s |" % (name, meta.get(k, "") or "–"))
    L.append("")
    rows = []
    for t, name in [("afetch", "afetch -q (empty list)"),
                    ("curl", "curl --version"),
                    ("aiohttp", "python3 bench/peers/aio_fetch.py (empty list)"),
                    ("threads",
                     "python3 bench/peers/threads_fetch.py (empty list)")]:
        st = startup(meta, t)
        if st:
            rows.append("| %s | %.1f | %.1f |" % (name, st[0] * 1000,
                                                 st[1] * 1000))
    if rows:
        L.append("Start-up cost, a fixed part of every figure below (median "
                 "of %s):" % ("1 run" if smoke else "5 runs"))
        L.append("")
        L.append("| command | wall ms | CPU ms |")
        L.append("| --- | ---: | ---: |")
        L.extend(rows)
        L.append("")
    busy = [r for r in runs if r["busy"] == "1"]
    redos = sum(int(r["redos"] or 0) for r in runs)
    L.append("Busy machine: %d run(s) were redone because other processes "
             "used more than 10 %% of one core meanwhile; %d run(s) stayed "
             "disturbed (after up to two redos, or once the time budget for "
             "redos was spent). Those are left out of the medians when the "
             "same tool has an undisturbed round; a figure marked ⚠ below "
             "comes from disturbed runs only."
             % (redos, len(busy)))
    L.append("")

    # ------------------------------------------------------------ targets
    targets = []  # (W, target text, measured text, verdict)

    def tgt(w, text, measured, value, bound, kind, unit="", spec="%.3g"):
        """kind: "le" (value <= bound), "ge" (value >= bound), "eq", or
        None for a figure shown for information."""
        targets.append((w, text, measured,
                        verdict(value, bound, kind, unit, spec)))

    def A(w):
        return cells.get(w, {}).get("afetch")

    def own_wall(w, a, extra=None):
        """An information row: the wall time afetch's summary printed,
        which leaves out process start-up and exit."""
        afw = a.med("af_wall")
        if afw:
            tgt(w, "(information) wall by afetch's own summary, without "
                "process start-up and exit",
                "%.3f s%s" % (afw, "; " + extra(afw) if extra else ""),
                None, None, None)

    def P(w, t):
        return cells.get(w, {}).get(t)

    D1 = sz.get("D1", 200) / 1000.0
    if A("W1"):
        a = A("W1")
        ideal = math.ceil(a.n / 100) * D1
        wall = a.med("wall")
        eff = ideal / wall if wall else None
        tgt("W1", "efficiency >= 0.97 (ideal %.1f s / wall)" % ideal,
            "%s (wall %s s)" % (fmt(eff), fmt(wall)), eff, 0.97, "ge",
            spec="%.3f")
        own_wall("W1", a, lambda w: "efficiency %.3f" % (ideal / w))
        cpu = a.med("cpu")
        tgt("W1", "client CPU <= 0.15 s", "%s s" % fmt(cpu), cpu, 0.15, "le",
            " s", "%.3f")
        for t in ("curl-parallel", "aiohttp"):
            if P("W1", t):
                rr = ratio(P("W1", t), a, "wall")
                tgt("W1", "ahead of %s (its wall / afetch's > 1)" % PLOT_LABEL[t],
                    fmt(rr, "%.3fx"), rr, 1.0, "gt", "x", "%.3f")
    if A("W2"):
        a = A("W2")
        im = a.min("inflight_max")
        tgt("W2", "all %d in flight at once (server counter)" % a.n,
            "%s at most (lowest over rounds)" % fmt(im, "%.0f"), im, a.n, "eq",
            spec="%.0f")
        wall = a.med("wall")
        tgt("W2", "wall <= 0.40 s", "%s s" % fmt(wall), wall, 0.40, "le", " s",
            "%.3f")
        own_wall("W2", a)
        if P("W2", "aiohttp"):
            rr = ratio(P("W2", "aiohttp"), a, "wall")
            tgt("W2", ">= 1.8x faster than aiohttp (connector limit matched)",
                fmt_ratio(rr), rr, 1.8, "ge", "x", "%.2f")
        if P("W2", "curl-parallel"):
            cim = P("W2", "curl-parallel").max("inflight_max")
            tgt("W2", "(about curl) curl --parallel holds 300 at most",
                "curl held %s in flight at most" % fmt(cim, "%.0f"), cim, None,
                None)
    if A("W3"):
        a = A("W3")
        wall = a.med("wall")
        ov = (wall - a.n * D1) / a.n * 1000 if wall else None
        tgt("W3", "<= 3 ms overhead per URL over the %d ms" % (D1 * 1000),
            "%s ms per URL (wall %s s)" % (fmt(ov, "%.2f"), fmt(wall)), ov, 3.0,
            "le", " ms", "%.2f")
        ct = a.max("conns_total")
        tgt("W3", "one reused connection",
            "%s connection(s) (most over rounds)" % fmt(ct, "%.0f"), ct, 1,
            "eq", spec="%.0f")
    if A("W4"):
        a = A("W4")
        wall = a.med("wall")
        rps = a.n / wall if wall else None
        tgt("W4", ">= 20 000 requests/s (process start to exit)",
            "%s req/s (wall %s s)" % (fmt(rps, "%.0f"), fmt(wall)), rps, 20000,
            "ge", " req/s", "%.0f")
        afw = a.med("af_wall")
        tgt("W4", "(information) requests/s by afetch's own summary, which "
            "leaves out process start and exit",
            "%s req/s (%s s)" % (fmt(a.n / afw if afw else None, "%.0f"),
                                 fmt(afw)), None, None, None)
        cpu = a.med("cpu")
        us = cpu / a.n * 1e6 if cpu is not None else None
        tgt("W4", "<= 60 µs client CPU per request", "%s µs" % fmt(us, "%.0f"),
            us, 60, "le", " µs", "%.0f")
        st = startup(meta, "afetch")
        if st and cpu is not None:
            tgt("W4", "(information) CPU per request net of afetch's start-up "
                "(%.1f ms CPU over an empty list)" % (st[1] * 1000),
                "%.0f µs" % ((cpu - st[1]) / a.n * 1e6), None, None, None)
    if A("W5") and P("W5", "curl-parallel"):
        a, c = A("W5"), P("W5", "curl-parallel")
        rc = ratio(a, c, "cpu", per_request=True)
        rw = ratio(a, c, "wall")
        tgt("W5", "client CPU per request <= 0.85x curl --parallel's",
            fmt_ratio(rc), rc, 0.85, "le", "x", "%.2f")
        tgt("W5", "wall <= 0.85x curl --parallel's", fmt_ratio(rw), rw, 0.85,
            "le", "x", "%.2f")
    if A("W6"):
        a = A("W6")
        wall = a.med("wall")
        pps = a.n / wall if wall else None
        tgt("W6", ">= 450 pages/s",
            "%s pages/s (wall %s s)" % (fmt(pps, "%.0f"), fmt(wall)), pps, 450,
            "ge", " pages/s", "%.0f")
        cpu = a.med("cpu")
        cores = cpu / wall if cpu is not None and wall else None
        tgt("W6", "using both cores (client CPU / wall > 1.0)",
            "%s cores" % fmt(cores, "%.2f"), cores, 1.0, "gt", " cores",
            "%.2f")
        if P("W6", "aiohttp"):
            rr = ratio(P("W6", "aiohttp"), a, "wall")
            tgt("W6", ">= 4.5x faster than aiohttp + bs4(lxml)", fmt_ratio(rr),
                rr, 4.5, "ge", "x", "%.2f")
        p99 = a.med("p99_ms")
        tgt("W6", "time_ms.total p99 <= 50 ms", "%s ms" % fmt(p99, "%.1f"), p99,
            50, "le", " ms", "%.1f")
        rss = mib(a.max("maxrss_kb"))
        tgt("W6", "peak RSS <= 48 MiB", "%s MiB" % fmt(rss, "%.1f"), rss, 48,
            "le", " MiB", "%.1f")
    if A("W7"):
        a = A("W7")
        wall = a.med("wall")
        tgt("W7", "wall <= 3.2 s (ideal %.1f s)" % (sz.get("D7", 2000) / 1000),
            "%s s" % fmt(wall), wall, 3.2, "le", " s", "%.3f")
        own_wall("W7", a)
        rss = mib(a.max("maxrss_kb"))
        tgt("W7", "peak RSS <= 128 MiB", "%s MiB" % fmt(rss, "%.1f"), rss, 128,
            "le", " MiB", "%.1f")
        im = a.min("inflight_max")
        tgt("W7", "started with soft RLIMIT_NOFILE 1024, raises it itself: "
            "all %d in flight" % a.n,
            "%s in flight at most; %s answered 200"
            % (fmt(im, "%.0f"), fmt(a.min("ok"), "%.0f")),
            min(im or 0, a.min("ok") or 0), a.n, "eq", spec="%.0f")
    if A("W8"):
        a = A("W8")
        rss = mib(a.max("maxrss_kb"))
        w6 = " (W6: %.1f MiB)" % mib(A("W6").max("maxrss_kb")) if A("W6") else ""
        tgt("W8", "peak RSS within W6's bound (48 MiB) over %d URLs" % a.n,
            "%s MiB%s" % (fmt(rss, "%.1f"), w6), rss, 48, "le", " MiB", "%.1f")
        h1, h2 = mib(a.max("rss_half1_kb")), mib(a.max("rss_half2_kb"))
        growth = h2 - h1 if h1 is not None and h2 is not None else None
        tgt("W8", "RSS flat: second half's peak <= first half's + 2 MiB",
            "%s MiB, then %s MiB" % (fmt(h1, "%.1f"), fmt(h2, "%.1f")),
            growth, 2.0, "le", " MiB", "%.1f")
        okn = a.min("ok")
        tgt("W8", "every URL answered", "%s of %d" % (fmt(okn, "%.0f"), a.n),
            okn, a.n, "eq", spec="%.0f")
    if A("W9"):
        a = A("W9")
        cmpc = P("W9", "afetch-compare")
        slow = 0.5
        wall = a.med("wall")
        tgt("W9", "concurrent wall within 5 %% of the slowest page (%.0f ms)"
            % (slow * 1000),
            "%s s (%s %%)" % (fmt(wall), fmt((wall / slow - 1) * 100
                                             if wall else None, "%+.1f")),
            wall, slow * 1.05, "le", " s", "%.3f")
        own_wall("W9", a, lambda w: "%+.1f %%" % ((w / slow - 1) * 100))
        if cmpc:
            seq, conc = cmpc.med("seq_s"), cmpc.med("conc_s")
            sp, cwall = cmpc.med("speedup"), cmpc.med("wall")
            if seq and conc and sp:
                real = seq / conc
                tgt("W9", "printed speedup matches the wall times (within 2 %)",
                    "printed %.1fx; printed walls %.3f s / %.3f s = %.2fx"
                    % (sp, seq, conc, real),
                    abs(sp / real - 1) * 100, 2.0, "le", " %", "%.1f")
                tgt("W9", "printed walls add up to the process's wall "
                    "(within 2 %)",
                    "%.3f s + %.3f s = %.3f s; process %s s"
                    % (seq, conc, seq + conc, fmt(cwall)),
                    abs((seq + conc) / cwall - 1) * 100 if cwall else None,
                    2.0, "le", " %", "%.1f")
    # every run answered everything
    bad = [(r["workload"], r["tool"], r["round"], r["ok"], r["n"]) for r in runs
           if r["ok"] != r["n"]]

    L.append("## Targets")
    L.append("")
    L.append("Targets from issue 5 (2 cores, loopback). Medians over "
             "rounds unless said otherwise; MISSED says by how much. "
             "What the profiles show is in the way of the missed ones: "
             "[PERFORMANCE.md](PERFORMANCE.md).")
    L.append("")
    L.append("| workload | target | afetch measured | verdict |")
    L.append("| --- | --- | --- | --- |")
    for w, text, m, ok in targets:
        L.append("| %s | %s | %s | %s |" % (w, text, m, ok))
    L.append("")
    if bad:
        L.append("Runs where not every URL was answered 200: " + "; ".join(
            "%s %s round %s: %s of %s" % b for b in bad) + ".")
        L.append("")
    ab = before_after(raw, order, meta)
    L.extend(ab)
    if args.get("ab"):
        with open(args["ab"], "w") as f:
            f.write("\n".join(ab))

    # ------------------------------------------------------------ tables
    L.append("## Results per workload")
    L.append("")
    L.append("Columns: wall time from start to exit; client CPU = user + sys "
             "of the tool and every process it waited for (wait4); peak RSS "
             "= ru_maxrss, the largest single process (for `xargs -P curl` "
             "that is one curl, not the sum of the N running at once); "
             "server columns from afserve's `/stats` (connections opened, "
             "most open at once, most requests in flight, requests) or "
             "nginx's `stub_status` (connections and requests only). OK = "
             "URLs answered 200 (lowest over rounds).")
    L.append("")
    for w in order:
        if w not in cells:
            continue
        d = cells[w]
        base = d.get("afetch")
        L.append("### %s: %s" % (w, WTITLE[w]))
        L.append("")
        for tw, text, m, v in targets:
            if tw == w:
                L.append("- target: %s; measured: %s; **%s**" % (text, m, v))
        if any(tw == w for tw, _, _, _ in targets):
            L.append("")
        L.append("| tool | URLs | wall s | × afetch | CPU s | × afetch "
                 "| CPU/URL µs | peak RSS MiB | OK | conns | max conns "
                 "| max in flight | requests |")
        L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
                 "| ---: | ---: | ---: | ---: | ---: |")
        for t in TOOLS:
            c = d.get(t)
            if not c:
                continue
            wall, cpu = c.med("wall"), c.med("cpu")
            same_n = base is not None and c.n == base.n
            if base is not None and t != "afetch":
                rw = ratio(c, base, "wall", per_request=not same_n)
                rc = ratio(c, base, "cpu", per_request=not same_n)
                rws, rcs = fmt_ratio(rw), fmt_ratio(rc)
                if not same_n:
                    rws += " (per URL)"
                    rcs += " (per URL)"
            else:
                rws = rcs = "1.00x" if t == "afetch" else "–"
            warn = " ⚠" if any(r["busy"] == "1" for r in c.rows) else ""
            label = LABEL[t]
            if w == "W3" and t == "afetch":
                label = "**afetch --sequential**"
            if w == "W3" and t == "threads":
                label = "requests + bs4, 1 thread"
            L.append("| %s%s | %d | %s | %s | %s | %s | %s | %s | %s | %s "
                     "| %s | %s | %s |" % (
                         label, warn, c.n, fmt(wall), rws, fmt(cpu), rcs,
                         fmt(cpu / c.n * 1e6 if cpu is not None else None, "%.0f"),
                         fmt(c.max("maxrss_kb") / 1024, "%.1f"),
                         fmt(c.min("ok"), "%.0f"),
                         fmt(c.med("conns_total"), "%.0f"),
                         fmt(c.med("conns_max"), "%.0f"),
                         fmt(c.med("inflight_max"), "%.0f"),
                         fmt(c.med("requests"), "%.0f")))
        extra = []
        if base is not None and base.med("p99_ms") is not None:
            extra.append("afetch's time_ms.total p99: %.1f ms" % base.med("p99_ms"))
        if w == "W9" and d.get("afetch-compare"):
            cc = d["afetch-compare"]
            extra.append("afetch --compare printed: sequential %s s, concurrent "
                         "%s s, speedup %sx" % (fmt(cc.med("seq_s")),
                                                fmt(cc.med("conc_s")),
                                                fmt(cc.med("speedup"), "%.1f")))
        if w == "W5" and d.get("xargs-curl") and base and d["xargs-curl"].n != base.n:
            extra.append("xargs -P curl runs over the first %d URLs only (one "
                         "curl process per URL costs ~30 ms of CPU here); its "
                         "ratios are per URL" % d["xargs-curl"].n)
        if w == "W6" and d.get("curl-parallel"):
            extra.append("curl --parallel only fetches (no title or snippet): "
                         "a floor for the network part, not a peer")
        if w == "W7":
            extra.append("afetch starts with a soft RLIMIT_NOFILE of 1024 "
                         "(`ulimit -Sn 1024`) and must raise it itself; the "
                         "peers get the hard limit (%s) from the script, as a "
                         "user would have to give it to them"
                         % meta.get("nofile_hard", "?"))
            extra.append("xargs -P curl is left out: 5000 curl processes at "
                         "once")
        if w == "W8":
            extra.append("afetch only, one round: the peers read their whole "
                         "list before starting (curl parses every -K entry "
                         "first; the Python scripts build a list), which is "
                         "not the point here; `cat list | afetch -`, stdout "
                         "to /dev/null")
        if w == "W2" and d.get("curl-parallel"):
            extra.append("curl caps --parallel-max at 300")
        if extra:
            L.append("")
        for e in extra:
            L.append("- " + e)
        L.append("")

    # ------------------------------------------------------------ commands
    L.append("## Exact commands")
    L.append("")
    L.append("Every command runs under `bench/measure` (fork, exec, wait4), "
             "stdout to a file, `$AFSERVE_URL` being afserve "
             "(`afserve --port 0 --quiet`) and `$NGINX_URL` nginx "
             "(`nginx -p $TMP -c $TMP/nginx.conf -g 'daemon off;'`, "
             "`worker_processes %s`, `access_log off`, `keepalive_requests "
             "100000`, sendfile; `article.html` and `article.bin` are the "
             "same %s bytes from `bench/gen_article.py`, served as text/html "
             "and application/octet-stream). `wN.txt` is the list of URLs "
             "and `wN.curl` the same list as a curl config "
             "(`url = \"...\"` + `output = \"/dev/null\"` per URL)."
             % (meta.get("nginx_workers", "1"), meta.get("article_bytes", "?")))
    L.append("")
    for w in order:
        if w not in cmds:
            continue
        L.append("%s:" % w)
        L.append("")
        L.append("```sh")
        for t, c in cmds[w]:
            L.append(c)
        L.append("```")
        L.append("")

    L.append("## Method")
    L.append("")
    L.append("- `bench/measure.c` forks and execs the command, waits with "
             "`wait4()` and reports wall time (CLOCK_MONOTONIC), user + sys "
             "CPU of the process and of every descendant it waited for, and "
             "`ru_maxrss`. It reads `/proc/stat` before and after: CPU used "
             "by others = machine busy time (user + nice + system) − the "
             "tool's CPU − the servers' CPU (from `/proc/PID/stat`). A run "
             "where others used more than 10 %% of one core (40 ms at "
             "least, /proc/stat counts in ticks) is redone, twice at most, "
             "within a budget of time for the whole suite; before each run "
             "it waits (%s s at most) for a quiet 200 ms window. The smoke "
             "run neither waits nor redoes." % ("15" if not smoke else "0"))
    L.append("- Before each run afserve's counters are reset (`/stats/reset`); "
             "nginx's `stub_status` counters are read before and after.")
    L.append("- The Python peers are `bench/peers/aio_fetch.py` (asyncio, "
             "`aiohttp.TCPConnector(limit=N, limit_per_host=N)` — the default "
             "connector silently caps at 100 — and an `asyncio.Semaphore(N)`, "
             "BeautifulSoup with lxml, title + first paragraph) and "
             "`bench/peers/threads_fetch.py` (`ThreadPoolExecutor(N)`, one "
             "`requests.Session` per thread, the same extraction). Both read "
             "the whole list first and print one line per URL as it "
             "completes; their CPU includes the interpreter's start.")
    L.append("- The peers come from Debian 12 packages (curl, nginx-light, "
             "python3-aiohttp, python3-bs4, python3-lxml, python3-requests), "
             "installed by the script when missing.")
    L.append("")
    # bench/net.sh's section (between its markers) stays when W1-W9 are
    # re-run alone.
    keep = ""
    if os.path.exists(args["md"]):
        with open(args["md"]) as f:
            prev = f.read()
        b, e = "<!-- bench/net.sh: begin -->", "<!-- bench/net.sh: end -->"
        if b in prev and e in prev:
            keep = "\n\n" + prev[prev.index(b):prev.index(e) + len(e)] + "\n"
    with open(args["md"], "w") as f:
        f.write("\n".join(L) + keep)

    # ------------------------------------------------------------ plot
    if args.get("gnuplot") == "1" and shutil.which("gnuplot"):
        plot(cells, order, args["png"], sz)
    return 0


def short_label(w, sz):
    """The x axis label of a workload: what it is, in two short lines
    (gnuplot turns the \\n into a line break)."""
    def n(k, d):
        v = sz.get(k, d)
        if v >= 1000000 and v % 1000000 == 0:
            return "%dM" % (v // 1000000)
        return "%dk" % (v // 1000) if v >= 1000 and v % 1000 == 0 else str(v)

    d1, d7 = sz.get("D1", 200), sz.get("D7", 2000)
    return {
        "W1": "%s x %d ms\\n-c 100" % (n("N1", 1000), d1),
        "W2": "%s x %d ms\\n-c 1000" % (n("N1", 1000), d1),
        "W3": "%s x %d ms\\nsequential" % (n("N3", 50), d1),
        "W4": "%s small\\npages" % n("N4", 1000),
        "W5": "%s x 100 KB\\nnon-HTML" % n("N5", 20000),
        "W6": "%s x 100 KB\\nHTML" % n("N6", 2000),
        "W7": "%s x %g s\\n-c %s" % (n("N7", 5000), d7 / 1000.0, n("C7", 5000)),
        "W8": "%s HTML\\n+ %s stdin" % (n("N8H", 20000), n("N8S", 1000000)),
        "W9": "%s x 50-500 ms\\n--compare" % n("N9", 100),
    }[w]


def plot(cells, order, png, sz):
    tools = [t for t in TOOLS if any(t in cells.get(w, {}) for w in order)]
    ws = [w for w in order if w in cells]
    dat = png + ".dat"
    with open(dat, "w") as f:
        f.write("W " + " ".join('"%s"' % PLOT_LABEL[t] for t in tools) + "\n")
        for w in ws:
            row = [w]
            base = cells[w].get("afetch")
            for t in tools:
                c = cells[w].get(t)
                # A run over another list (xargs in W5) is not comparable.
                if c and base and c.n != base.n:
                    c = None
                v = c.med("wall") if c else None
                row.append("-" if v is None else "%.4f" % v)
            f.write(" ".join(row) + "\n")
    colors = {"afetch": "#d62728", "afetch-compare": "#ff9896",
              "afetch-seq": "#f4a582", "curl-parallel": "#1f77b4",
              "afetch-before": "#7f7f7f", "afetch-compare-before": "#c7c7c7",
              "afetch-seq-before": "#a5a5a5",
              "curl-seq": "#9ecae1", "xargs-curl": "#17becf",
              "aiohttp": "#2ca02c", "threads": "#9467bd"}
    terms = subprocess.run(["gnuplot", "-e", "set terminal"],
                           capture_output=True, text=True)
    cairo = "pngcairo" in terms.stdout + terms.stderr
    gp = [
        "set terminal pngcairo size 1400,640 font 'sans,10'" if cairo
        else "set terminal png size 1400,640",
        "set output '%s'" % png,
        "set title 'afetch benchmarks: wall time per tool per workload "
        "(median, log scale, lower is better)'",
        "set datafile missing '-'",
        "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.9 border -1",
        "set boxwidth 0.9",
        "set logscale y",
        "set ylabel 'wall time (s)'",
        "set grid ytics",
        "set key outside top center horizontal maxrows 2",
        "set yrange [0.01:*]",
        "set bmargin 4",
        "set xtics (%s)" % ", ".join(
            "\"%s\\n%s\" %d" % (w, short_label(w, sz), i)
            for i, w in enumerate(ws)),
    ]
    plots = []
    for i, t in enumerate(tools):
        plots.append("'%s' using %d title columnheader(%d) lc rgb '%s'"
                     % (dat, i + 2, i + 2, colors.get(t, "#777777")))
    gp.append("plot " + ", ".join(plots))
    script = png + ".gp"
    with open(script, "w") as f:
        f.write("\n".join(gp) + "\n")
    r = subprocess.run(["gnuplot", script], capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write("report: gnuplot failed: %s\n" % r.stderr)
    for p in (dat, script):
        try:
            os.unlink(p)
        except OSError:
            pass


def main(argv):
    if len(argv) >= 2 and argv[0] == "p99":
        return p99_cmd(argv[1])
    if argv and argv[0] == "report":
        args = {}
        it = iter(argv[1:])
        for a in it:
            if a.startswith("--"):
                args[a[2:]] = next(it)
        for k in ("csv", "meta", "commands", "md", "png"):
            if k not in args:
                sys.exit("report: --%s is needed" % k)
        return report(args)
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
