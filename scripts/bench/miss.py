#!/usr/bin/env python
"""What a cache miss costs in-process: each page with the anonymous page cache and the content
cache off, Django's test client, the median of --repeat requests after two warm-ups.

    PORTAL_ENV=development DATABASE_URL=sqlite:///var/miss.sqlite3 .venv/bin/python scripts/bench/miss.py

On any database the settings point at (the demo's: ``manage.py seed_demo``; or the benchmark's).
The quick check of a change to rendering or to the queries of the common pages (issue 22, "a
cheaper miss"); profile_pages.py gives the call trees and the SQL. --json writes the figures.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from boot import boot


def pages() -> list[tuple[str, str]]:
    from django.db.models import Count

    from portal.models import News, Topic

    news = (
        News.objects.published()
        .filter(topics__isnull=False, bodies__isnull=False)
        .order_by("-published_at", "-pk")
        .first()
    )
    topic = Topic.objects.annotate(total=Count("news")).order_by("-total", "pk").first()
    found = [
        ("/ (home)", "/"),
        ("/news/", "/news/"),
        ("/news/ with two filters", f"/news/?country=CL&topic={topic.slug}" if topic else "/news/?country=CL"),
        ("/publications/ (the library)", "/publications/"),
        ("/events/", "/events/"),
    ]
    if news is not None:
        found.append(("a news page", news.get_absolute_url()))
    return found


def measure(client, path: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        client.get(path)
    timings, queries = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        queries.append(len(captured.captured_queries))
    return {
        "path": path,
        "median_ms": round(statistics.median(timings), 1),
        "min_ms": round(min(timings), 1),
        "queries": statistics.median(queries),
        "bytes": len(response.content),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    boot()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    results = []
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(ANONYMOUS_PAGE_CACHE=False, CONTENT_CACHE=False, ALLOWED_HOSTS=hosts):
        client = Client()
        print(f"{'page':<32} {'median ms':>10} {'min ms':>8} {'queries':>8} {'KB':>6}")
        for label, path in pages():
            result = {"label": label, **measure(client, path, args.repeat)}
            results.append(result)
            print(
                f"{label:<32} {result['median_ms']:>10.1f} {result['min_ms']:>8.1f} "
                f"{result['queries']:>8.0f} {result['bytes'] / 1024:>6.1f}",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
