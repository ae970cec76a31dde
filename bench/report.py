#!/usr/bin/env python3
"""Turns bench/run.sh's raw runs into docs/BENCHMARKS.md and the plot.

    report.py p99 FILE.jsonl
        p99 of time_ms.total (nearest rank) over afetch --json output, in ms
    report.py report --csv RUNS.csv --meta META.txt --commands CMDS.tsv
                     --md OUT.md --png OUT.png [--gnuplot 0|1]

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

TOOLS = ["afetch", "afetch-compare", "afetch-seq", "curl-parallel",
         "curl-seq", "xargs-curl", "aiohttp", "threads"]
LABEL = {
    "afetch": "**afetch**",
    "afetch-compare": "afetch --compare",
    "afetch-seq": "afetch --sequential",
    "curl-parallel": "curl --parallel",
    "curl-seq": "curl, sequential (-K)",
    "xargs-curl": "xargs -P curl",
    "aiohttp": "asyncio + aiohttp + bs4",
    "threads": "threads + requests + bs4",
}
PLOT_LABEL = {
    "afetch": "afetch", "afetch-compare": "afetch --compare",
    "afetch-seq": "afetch --sequential", "curl-parallel": "curl --parallel",
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


def report(args):
    runs, meta, sz, cmds = load(args)
    smoke = meta.get("smoke") == "1"
    cells = {}
    for r in runs:
        cells.setdefault(r["workload"], {}).setdefault(r["tool"], []).append(r)
    cells = {w: {t: Cell(rs) for t, rs in d.items()} for w, d in cells.items()}
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
    busy = [r for r in runs if r["busy"] == "1"]
    redos = sum(int(r["redos"] or 0) for r in runs)
    L.append("Busy machine: %d run(s) were redone because other processes "
             "used more than 10 %% of one core meanwhile; %d run(s) stayed "
             "disturbed after two redos and are kept, marked ⚠ below."
             % (redos, len(busy)))
    L.append("")

    # ------------------------------------------------------------ targets
    targets = []  # (W, text, measured, met)

    def tgt(w, text, measured, ok):
        targets.append((w, text, measured,
                        "–" if ok is None else ("✅ met" if ok else "❌ missed")))

    def A(w):
        return cells.get(w, {}).get("afetch")

    def P(w, t):
        return cells.get(w, {}).get(t)

    D1 = sz.get("D1", 200) / 1000.0
    if A("W1"):
        a = A("W1")
        ideal = math.ceil(a.n / 100) * D1
        wall = a.med("wall")
        eff = ideal / wall if wall else None
        tgt("W1", "efficiency >= 0.97 (ideal %.1f s)" % ideal,
            "%.3f (wall %.3f s)" % (eff, wall), eff >= 0.97)
        cpu = a.med("cpu")
        tgt("W1", "client CPU <= 0.15 s", "%.3f s" % cpu, cpu <= 0.15)
        for t in ("curl-parallel", "aiohttp"):
            if P("W1", t):
                rr = ratio(P("W1", t), a, "wall")
                tgt("W1", "ahead of %s (wall)" % PLOT_LABEL[t],
                    "%s is %s afetch's wall" % (PLOT_LABEL[t], fmt_ratio(rr)),
                    rr is not None and rr > 1.0)
    if A("W2"):
        a = A("W2")
        im = a.med("inflight_max")
        tgt("W2", "all %d in flight at once (server counter)" % a.n,
            "%s in flight at most" % fmt(im, "%.0f"), im == a.n)
        wall = a.med("wall")
        tgt("W2", "wall <= 0.40 s", "%.3f s" % wall, wall <= 0.40)
        if P("W2", "aiohttp"):
            rr = ratio(P("W2", "aiohttp"), a, "wall")
            tgt("W2", ">= 1.8x faster than aiohttp (connector limit matched)",
                "%s" % fmt_ratio(rr), rr is not None and rr >= 1.8)
        if P("W2", "curl-parallel"):
            cim = P("W2", "curl-parallel").max("inflight_max")
            tgt("W2", "curl --parallel cannot hold more than 300",
                "curl held %s at most" % fmt(cim, "%.0f"), None)
    if A("W3"):
        a = A("W3")
        wall = a.med("wall")
        ov = (wall - a.n * D1) / a.n * 1000
        tgt("W3", "<= 3 ms overhead per URL over the %d ms" % (D1 * 1000),
            "%.2f ms per URL (wall %.3f s)" % (ov, wall), ov <= 3.0)
        ct = a.max("conns_total")
        tgt("W3", "one reused connection", "%s connection(s)" % fmt(ct, "%.0f"),
            ct == 1)
    if A("W4"):
        a = A("W4")
        wall = a.med("wall")
        rps = a.n / wall
        tgt("W4", ">= 20 000 requests/s (process start to exit)",
            "%.0f req/s (wall %.3f s)" % (rps, wall), rps >= 20000)
        us = a.med("cpu") / a.n * 1e6
        tgt("W4", "<= 60 µs client CPU per request", "%.0f µs" % us, us <= 60)
    if A("W5") and P("W5", "curl-parallel"):
        a, c = A("W5"), P("W5", "curl-parallel")
        rc = ratio(a, c, "cpu", per_request=True)
        rw = ratio(a, c, "wall")
        tgt("W5", "client CPU per request <= 0.85x curl --parallel's",
            "%s" % fmt_ratio(rc), rc is not None and rc <= 0.85)
        tgt("W5", "wall <= 0.85x curl --parallel's", "%s" % fmt_ratio(rw),
            rw is not None and rw <= 0.85)
    if A("W6"):
        a = A("W6")
        wall = a.med("wall")
        pps = a.n / wall
        tgt("W6", ">= 450 pages/s", "%.0f pages/s (wall %.3f s)" % (pps, wall),
            pps >= 450)
        cores = a.med("cpu") / wall
        tgt("W6", "using both cores (client CPU / wall > 1.0)",
            "%.2f cores" % cores, cores > 1.0)
        if P("W6", "aiohttp"):
            rr = ratio(P("W6", "aiohttp"), a, "wall")
            tgt("W6", ">= 4.5x aiohttp + bs4(lxml)", fmt_ratio(rr),
                rr is not None and rr >= 4.5)
        p99 = a.med("p99_ms")
        tgt("W6", "time_ms.total p99 <= 50 ms", "%s ms" % fmt(p99, "%.1f"),
            p99 is not None and p99 <= 50)
        rss = a.max("maxrss_kb") / 1024
        tgt("W6", "peak RSS <= 48 MiB", "%.1f MiB" % rss, rss <= 48)
    if A("W7"):
        a = A("W7")
        wall = a.med("wall")
        tgt("W7", "wall <= 3.2 s (ideal %.1f s)" % (sz.get("D7", 2000) / 1000),
            "%.3f s" % wall, wall <= 3.2)
        rss = a.max("maxrss_kb") / 1024
        tgt("W7", "peak RSS <= 128 MiB", "%.1f MiB" % rss, rss <= 128)
        per = a.max("maxrss_kb") / a.n
        tgt("W7", "<= 24 KiB per connection (peak RSS / URLs)",
            "%.1f KiB" % per, per <= 24)
        im = a.med("inflight_max")
        tgt("W7", "raises RLIMIT_NOFILE by itself (started with soft limit "
            "1024): all %d in flight" % a.n,
            "%s in flight at most; %s answered"
            % (fmt(im, "%.0f"), fmt(a.min("ok"), "%.0f")),
            im == a.n and a.min("ok") == a.n)
    if A("W8"):
        a = A("W8")
        rss = a.max("maxrss_kb") / 1024
        bound = 48.0
        tgt("W8", "peak RSS flat: within W6's bound (48 MiB) over %d URLs"
            % a.n, "%.1f MiB%s" % (rss, "" if not A("W6") else
                                   " (W6: %.1f MiB)" % (A("W6").max("maxrss_kb") / 1024)),
            rss <= bound)
        okn = a.min("ok")
        tgt("W8", "every URL answered", "%s of %d" % (fmt(okn, "%.0f"), a.n),
            okn == a.n)
    if A("W9"):
        a = A("W9")
        cmpc = P("W9", "afetch-compare")
        slow = 0.5
        wall = a.med("wall")
        tgt("W9", "concurrent wall within 5 % of the slowest page (500 ms)",
            "%.3f s (%+.1f %%)" % (wall, (wall / slow - 1) * 100),
            wall <= slow * 1.05)
        if cmpc:
            seq, conc, sp = cmpc.med("seq_s"), cmpc.med("conc_s"), cmpc.med("speedup")
            if seq and conc and sp:
                real = seq / conc
                tgt("W9", "printed speedup matches the wall times",
                    "printed %.1fx, %.3f s / %.3f s = %.2fx; concurrent run "
                    "%.3f s" % (sp, seq, conc, real, conc),
                    abs(sp - real) <= max(0.02 * real, 0.051))
    # every run answered everything
    bad = [(r["workload"], r["tool"], r["round"], r["ok"], r["n"]) for r in runs
           if r["ok"] != r["n"]]

    L.append("## Targets")
    L.append("")
    L.append("| | target | measured (afetch, median) | |")
    L.append("| --- | --- | --- | --- |")
    for w, text, m, ok in targets:
        L.append("| %s | %s | %s | %s |" % (w, text, m, ok))
    L.append("")
    if bad:
        L.append("Runs where not every URL was answered 200: " + "; ".join(
            "%s %s round %s: %s of %s" % b for b in bad) + ".")
        L.append("")

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
        for e in extra:
            L.append("")
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
             "where others used more than 10 % of one core (40 ms at "
             "least, /proc/stat counts in ticks) is redone, twice at most; "
             "before each run it waits (%s s at most) for a quiet 200 ms "
             "window." % ("15" if not smoke else "1"))
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
    with open(args["md"], "w") as f:
        f.write("\n".join(L))

    # ------------------------------------------------------------ plot
    if args.get("gnuplot") == "1" and shutil.which("gnuplot"):
        plot(cells, order, args["png"])
    return 0


def plot(cells, order, png):
    tools = [t for t in TOOLS if any(t in cells.get(w, {}) for w in order)]
    ws = [w for w in order if w in cells]
    dat = png + ".dat"
    with open(dat, "w") as f:
        f.write("W " + " ".join('"%s"' % PLOT_LABEL[t] for t in tools) + "\n")
        for w in ws:
            row = [w]
            for t in tools:
                c = cells[w].get(t)
                v = c.med("wall") if c else None
                row.append("-" if v is None else "%.4f" % v)
            f.write(" ".join(row) + "\n")
    colors = {"afetch": "#d62728", "afetch-compare": "#ff9896",
              "afetch-seq": "#f4a582", "curl-parallel": "#1f77b4",
              "curl-seq": "#9ecae1", "xargs-curl": "#17becf",
              "aiohttp": "#2ca02c", "threads": "#9467bd"}
    terms = subprocess.run(["gnuplot", "-e", "set terminal"],
                           capture_output=True, text=True)
    cairo = "pngcairo" in terms.stdout + terms.stderr
    gp = [
        "set terminal pngcairo size 1200,560 font 'sans,10'" if cairo
        else "set terminal png size 1200,560",
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
        "set key outside right top vertical",
        "set yrange [0.01:*]",
    ]
    plots = []
    for i, t in enumerate(tools):
        plots.append("'%s' using %d:xtic(1) title columnheader(%d) lc rgb '%s'"
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
