#!/usr/bin/env python
"""What a cold search costs in-process: the benchmark's broad query and a mistyped one, on /search/,
the library and the API, with the page cache and the content cache off (every request does the work).

    DATABASE_URL=postgresql://… .venv/bin/python scripts/bench/search_cost.py [--repeat 20] [--out search-cost.json]

One warm-up request per address, then --repeat requests through Django's test client; prints the
median and the worst time (ms) and the number of queries of each, and the matches of each query.
With --out, also as JSON for report.py (``make bench`` runs it as its ``search`` phase).
"""

import argparse
import json
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from boot import boot
from pages import SEARCH_WORDS

TYPO = "publik procuremnet"
#: Issue 22 point 3: a cold broad search in-process, at the benchmark's volume and at twice it.
TARGET_MS = 40


def addresses() -> list[tuple[str, str]]:
    from portal.models import Country

    country = Country.objects.order_by("code").first()
    broad, typo = urllib.parse.quote(SEARCH_WORDS), urllib.parse.quote(TYPO)
    library = urllib.parse.urlencode({"q": SEARCH_WORDS, "country": country.code, "language": "en"})
    return [
        ("/search/ broad", f"/search/?q={broad}"),
        ("/publications/ broad + facets", f"/publications/?{library}"),
        ("/api/v1/publications/ broad", f"/api/v1/publications/?search={broad}"),
        ("/search/ mistyped", f"/search/?q={typo}"),
        ("/publications/ mistyped", f"/publications/?q={typo}"),
        ("/api/v1/publications/ mistyped", f"/api/v1/publications/?search={typo}"),
    ]


def measure(client, path: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
    return {"median": statistics.median(timings), "max": max(timings), "queries": len(captured)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    boot()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from observatory.models import Publication
    from portal.models import News

    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(ANONYMOUS_PAGE_CACHE=False, CONTENT_CACHE=False, ALLOWED_HOSTS=hosts):
        client = Client()
        publications, news = Publication.objects.published().count(), News.objects.published().count()
        print(f"{publications:,} published publications, {news:,} news")
        print("| search | median ms | max ms | queries |\n| --- | ---: | ---: | ---: |")
        rows = []
        for label, path in addresses():
            row = measure(client, path, args.repeat)
            rows.append({"label": label, "path": path, **row})
            print(f"| {label} | {row['median']:.1f} | {row['max']:.1f} | {row['queries']} |", flush=True)
    if args.out:
        found = {"publications": publications, "news": news, "repeat": args.repeat, "target_ms": TARGET_MS}
        args.out.write_text(json.dumps({**found, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
