#!/usr/bin/env python3
"""The script everyone writes first, asyncio flavour: asyncio + aiohttp +
a Semaphore + BeautifulSoup(lxml). One line per URL on stdout, as each
completes: STATUS<TAB>URL<TAB>TITLE<TAB>SNIPPET (ERR<TAB>URL<TAB>error on a
failure); for a non-HTML response the content type stands in for the title.

    aio_fetch.py [-c N] [--per-host M] URLFILE

-c N bounds the transfers in flight (Semaphore) and the connector's pool
(TCPConnector(limit=N, limit_per_host=N)): aiohttp's default connector
silently caps at 100 connections, which would make any -c above 100 a lie.
--per-host M sets limit_per_host to M instead (default: N).
"""
import argparse
import asyncio
import sys

import aiohttp
from bs4 import BeautifulSoup


def extract(body):
    soup = BeautifulSoup(body, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    p = soup.find("p")
    snippet = p.get_text(" ", strip=True)[:160] if p else ""
    return title, snippet


async def fetch(session, sem, url):
    async with sem:
        try:
            async with session.get(url) as resp:
                body = await resp.read()
                status = resp.status
                ctype = resp.headers.get("Content-Type", "")
        except Exception as e:  # one failed URL is one result, not an abort
            return "ERR\t%s\t%s" % (url, e or type(e).__name__)
    if "html" in ctype:
        title, snippet = extract(body)
    else:
        title, snippet = ctype, ""
    return "%d\t%s\t%s\t%s" % (status, url, title, snippet)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", type=int, default=50)
    ap.add_argument("--per-host", type=int, default=0)
    ap.add_argument("file")
    a = ap.parse_args()
    with open(a.file) as f:
        urls = [u.strip() for u in f if u.strip() and not u.startswith("#")]
    sem = asyncio.Semaphore(a.c)
    conn = aiohttp.TCPConnector(limit=a.c, limit_per_host=a.per_host or a.c)
    timeout = aiohttp.ClientTimeout(total=60)
    out = sys.stdout
    failed = 0
    async with aiohttp.ClientSession(connector=conn, timeout=timeout) as session:
        tasks = [asyncio.ensure_future(fetch(session, sem, u)) for u in urls]
        for fut in asyncio.as_completed(tasks):
            line = await fut
            failed += line.startswith("ERR")
            out.write(line + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
