#!/usr/bin/env python3
"""The script everyone writes first, threads flavour: a ThreadPoolExecutor,
one requests.Session per worker thread (so connections are reused), and
BeautifulSoup(lxml). One line per URL on stdout, as each completes:
STATUS<TAB>URL<TAB>TITLE<TAB>SNIPPET (ERR<TAB>URL<TAB>error on a failure);
for a non-HTML response the content type stands in for the title.

    threads_fetch.py [-w N] URLFILE
"""
import argparse
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed

import requests
from bs4 import BeautifulSoup

local = threading.local()


def session():
    s = getattr(local, "s", None)
    if s is None:
        s = local.s = requests.Session()
        s.trust_env = False  # no proxy from the environment: loopback only
    return s


def fetch(url):
    try:
        r = session().get(url, timeout=60)
        body = r.content
    except Exception as e:
        return "ERR\t%s\t%s" % (url, e or type(e).__name__)
    ctype = r.headers.get("Content-Type", "")
    if "html" in ctype:
        soup = BeautifulSoup(body, "lxml")
        title = soup.title.get_text(" ", strip=True) if soup.title else ""
        p = soup.find("p")
        snippet = p.get_text(" ", strip=True)[:160] if p else ""
    else:
        title, snippet = ctype, ""
    return "%d\t%s\t%s\t%s" % (r.status_code, url, title, snippet)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-w", type=int, default=50)
    ap.add_argument("file")
    a = ap.parse_args()
    with open(a.file) as f:
        urls = [u.strip() for u in f if u.strip() and not u.startswith("#")]
    failed = 0
    with ThreadPoolExecutor(max_workers=a.w) as ex:
        futs = [ex.submit(fetch, u) for u in urls]
        for fut in as_completed(futs):
            line = fut.result()
            failed += line.startswith("ERR")
            sys.stdout.write(line + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
