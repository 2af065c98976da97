#!/usr/bin/env python
"""Drive every public page and API endpoint of a running server with wrk, one after the other.

    .venv/bin/python scripts/bench/pages.py --base http://127.0.0.1:8765 --out var/bench/pages.json \
        --connections 8 16

The addresses are picked from the database the server uses (DATABASE_URL): a recent news
item, the upcoming event with the most registrations, a recent publication, the topic
with the most news… One pass per `--connections` value (each written to
pages-<connections>.json): each endpoint gets a short warm-up, then `--duration` seconds at
that many connections; wrk's Lua script (stats.lua) reports p50/p95/p99 and the non-2xx
answers. /healthz (no template, no database) is the framework's ceiling: each row is also
given as a ratio to it. The rotating rows (many different detail pages) ask each pass for
pages no earlier pass asked for.

wrk corrects its latencies for coordinated omission: a request that stalls for S seconds
also stands for the requests that would have been sent meanwhile at the run's mean rate.
A few long stalls (a page not yet in one worker's cache, other work on the machine) show
in p95/p99 far more than in a plain histogram of the requests sent.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from boot import boot

HERE = Path(__file__).resolve().parent
SEARCH_WORDS = "public procurement"


def pick_endpoints(rotate: int, passes: int = 1) -> list[dict]:
    """[{key, label, path | paths}] in the order of the issue, with addresses from the database.

    A rotating row's ``paths`` hold ``rotate`` different pages for each of ``passes`` passes
    (fewer when the type has not that many), for ``split_paths`` to share out: a later pass on
    the same server starts on pages no earlier pass asked for. Its label has ``{count}``."""
    from django.apps import apps
    from django.db.models import Count, Q
    from django.utils import timezone

    from events.models import Event
    from portal.models import Country, News, Topic

    rows = [{"key": "ceiling", "label": "/healthz (framework ceiling)", "path": "/healthz"}]
    rows.append({"key": "home", "label": "/ (home)", "path": "/"})
    rows.append({"key": "news_list", "label": "/news/", "path": "/news/"})
    topic = Topic.objects.annotate(n=Count("news")).order_by("-n").first()
    country = Country.objects.filter(code="CL").first() or Country.objects.first()
    query = urllib.parse.urlencode({"country": country.code, "topic": topic.slug})
    rows.append({"key": "news_filtered", "label": "/news/ with two filters", "path": f"/news/?{query}"})
    news = (
        News.objects.published()
        .annotate(n_topics=Count("topics"), n_bodies=Count("bodies"))
        .filter(n_topics__gt=0, n_bodies__gt=0)
        .order_by("-published_at")
        .first()
    )
    rows.append({"key": "news_detail", "label": "a news page", "path": news.get_absolute_url()})
    publications_on = apps.is_installed("observatory")
    if publications_on:
        from observatory.models import Publication

        query = urllib.parse.urlencode({"q": SEARCH_WORDS, "country": country.code, "language": "en"})
        rows.append(
            {"key": "publication_search", "label": "/publications/ search + facets", "path": f"/publications/?{query}"}
        )
        publication = (
            Publication.objects.published()
            .annotate(n=Count("collaborators"))
            .filter(n__gt=0)
            .order_by("-publication_date", "-pk")
            .first()
        )
        if publication:
            rows.append(
                {"key": "publication_detail", "label": "a publication page", "path": publication.get_absolute_url()}
            )
    if publications_on:
        rows += data_endpoints()
    if apps.is_installed("procurement"):
        rows += procurement_endpoints()
    rows.append({"key": "event_list", "label": "/events/", "path": "/events/"})
    event = (
        Event.objects.upcoming()
        .annotate(n=Count("registrations", filter=Q(registrations__status__in=("confirmed", "attended"))))
        .order_by("-n")
        .first()
    ) or Event.objects.published().order_by("-start").first()
    rows.append({"key": "event_detail", "label": "an event page", "path": event.get_absolute_url()})
    query = urllib.parse.urlencode({"search": SEARCH_WORDS})
    rows.append(
        {"key": "api_publications", "label": "/api/v1/publications/?search=", "path": f"/api/v1/publications/?{query}"}
    )
    # Beyond the list: the API that exists today, the site search, and many different pages.
    rows.append({"key": "api_news", "label": "/api/v1/news/?search=", "path": f"/api/v1/news/?{query}"})
    query = urllib.parse.urlencode({"q": SEARCH_WORDS})
    rows.append({"key": "site_search", "label": "/search/?q=", "path": f"/search/?{query}"})
    now = timezone.now()
    rows.extend(integrity_endpoints())
    if apps.is_installed("consultations"):
        rows += consultation_endpoints()
    rows.append(
        {
            "key": "news_detail_many",
            "label": "{count} different news pages",
            "paths": [
                f"/news/{slug}/"
                for slug in News.objects.published().order_by("?").values_list("slug", flat=True)[: rotate * passes]
            ],
        }
    )
    if publications_on:
        rows.append(
            {
                "key": "publication_detail_many",
                "label": "{count} different publication pages",
                "paths": [
                    f"/publications/{slug}/"
                    for slug in Publication.objects.published()
                    .order_by("?")
                    .values_list("slug", flat=True)[: rotate * passes]
                ],
            }
        )
    rows.append(
        {
            "key": "event_detail_many",
            "label": "{count} different event pages",
            "paths": [
                f"/events/{slug}/"
                for slug in Event.objects.published()
                .filter(published_at__lte=now)
                .order_by("?")
                .values_list("slug", flat=True)[: rotate // 2 * passes]
            ],
        }
    )
    return rows


def signed_in(user) -> list[str]:
    """wrk's headers for requests signed in as ``user``: the cookie of a session made here (a
    signed-in visitor skips the page cache; the content cache still serves what it keeps)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return [f"Cookie: {settings.SESSION_COOKIE_NAME}={session.session_key}"]


def consultation_endpoints() -> list[dict]:
    """The consultations list and the published consultation with the most comments."""
    from django.db.models import Count

    from consultations.models import Consultation

    consultation = (
        Consultation.objects.published().annotate(n=Count("comments")).order_by("-n", "-published_at").first()
    )
    rows = [{"key": "consultation_list", "label": "/consultations/", "path": "/consultations/"}]
    if consultation is not None:
        rows.append(
            {"key": "consultation_detail", "label": "a consultation page", "path": consultation.get_absolute_url()}
        )
    return rows


def integrity_endpoints() -> list[dict]:
    """The self-assessment's public dashboard (whole cycle and a filtered group), the benchmarks API,
    and one organisation's results page and the dashboard, read by its representative (signed in)."""
    from integrity.models import Assessment, BenchmarkStat
    from organisations.models import Membership

    stat = (
        BenchmarkStat.objects.shown().filter(metric="overall").exclude(country="").order_by("-cycle", "-count").first()
    )
    if stat is None:
        return []
    rows = [
        {"key": "integrity_dashboard", "label": "/integrity/dashboard/", "path": "/integrity/dashboard/"},
        {
            "key": "integrity_dashboard_filtered",
            "label": "/integrity/dashboard/ for one group",
            "path": f"/integrity/dashboard/?year={stat.cycle}&country={stat.country}&size_class={stat.size_class}",
        },
        {
            "key": "api_integrity_benchmarks",
            "label": "/api/v1/integrity/benchmarks/",
            "path": f"/api/v1/integrity/benchmarks/?country={stat.country}",
        },
    ]
    # One of the group shown above; else (the demo data: its organisations are elsewhere) the newest with members.
    with_members = Assessment.objects.submitted().exclude(organisation__memberships=None)
    assessment = (
        with_members.filter(cycle=stat.cycle, country=stat.country).order_by("pk").first()
        or with_members.order_by("-cycle", "-pk").first()
    )
    membership = (
        Membership.objects.active().filter(organisation_id=assessment.organisation_id).select_related("person").first()
        if assessment
        else None
    )
    if membership is not None:
        headers = signed_in(membership.person)
        rows += [
            {
                "key": "integrity_results",
                "label": "a self-assessment's results (signed in)",
                "path": f"/integrity/assessments/{assessment.pk}/results/",
                "headers": headers,
                "user": membership.person.pk,  # for profile_pages.py, which signs in as the same person
            },
            {
                "key": "integrity_dashboard_signed_in",
                "label": "/integrity/dashboard/ (signed in)",
                "path": "/integrity/dashboard/",
                "headers": headers,
                "user": membership.person.pk,
            },
        ]
    return rows


def procurement_endpoints() -> list[dict]:
    """A member's procurement page and the data page, on generate.py's 200,000 processes."""
    from observatory.models import Dataset
    from procurement.imports import DATASET_KEY

    dataset = Dataset.objects.current().filter(key=DATASET_KEY).select_related("observatory").first()
    if dataset is None:
        return []
    base = f"/observatories/{dataset.observatory.slug}/procurement/"
    return [
        {"key": "procurement_country", "label": "a member's procurement page", "path": f"{base}pe/"},
        {"key": "procurement_about", "label": "the procurement data page", "path": base},
    ]


def data_endpoints() -> list[dict]:
    """The indicator pages on the largest indicator with published data (indicators.py's million)."""
    from observatory.models import Dataset, IndicatorSummary

    summary = (
        IndicatorSummary.objects.filter(dataset__in=Dataset.objects.current())
        .select_related("indicator__observatory")
        .order_by("-observation_count")
        .first()
    )
    if summary is None:
        return []
    indicator = summary.indicator
    page = indicator.get_absolute_url()
    breakdown = {name: codes[-1] for name, codes in summary.breakdowns.items() if len(codes) > 1}
    chosen = urllib.parse.urlencode(
        {"country": ["CL", "PE"], "from": summary.last_period.year - 10, **breakdown}, doseq=True
    )
    api = urllib.parse.urlencode({"indicator": indicator.code, "country": "CL,PE", "period_from": "2020"})
    count = f"{summary.dataset.observation_count:,}"
    return [
        {"key": "data_landing", "label": "an observatory's data page", "path": f"{page.rsplit('/', 2)[0]}/"},
        {"key": "indicator_page", "label": f"an indicator page ({count} obs.)", "path": page},
        {"key": "indicator_chosen", "label": "an indicator page, 2 countries", "path": f"{page}?{chosen}"},
        {"key": "indicator_csv", "label": "an indicator's CSV download", "path": f"{page}download.csv?{chosen}"},
        {"key": "api_observations", "label": "/api/v1/observations/ filtered", "path": f"/api/v1/observations/?{api}"},
    ]


def probe(base: str, path: str, headers: list[str] | None = None) -> dict:
    """One GET: its status, size and X-Cache header, before the load."""
    extra = dict(header.split(": ", 1) for header in headers or [])
    request = urllib.request.Request(base + path, headers={"User-Agent": "portal-bench", **extra})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
            return {"status": response.status, "bytes": len(body), "x_cache": response.headers.get("X-Cache", "")}
    except urllib.error.HTTPError as error:
        return {"status": error.code, "bytes": 0, "x_cache": ""}
    except (urllib.error.URLError, TimeoutError) as error:
        return {"status": 0, "bytes": 0, "x_cache": "", "error": str(error)}


def run_wrk(
    url: str, *, seconds: int, connections: int, threads: int, paths_file: str = "", headers: list[str] | None = None
) -> dict:
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(HERE / "stats.lua"), "-H", "User-Agent: portal-bench",
        *[part for header in headers or [] for part in ("-H", header)], url,
    ]  # fmt: skip
    env = {**os.environ, "BENCH_PATHS": paths_file, "BENCH_WRK_THREADS": str(threads)}
    completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=seconds + 60)
    match = re.search(r"^BENCH_JSON (.*)$", completed.stdout, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk gave no result for {url}: {completed.stdout}\n{completed.stderr}")
    data = json.loads(match.group(1))
    seconds_run = data["duration_us"] / 1e6
    socket_errors = sum(data["socket_errors"].values())
    if not data["requests"]:
        # Nothing answered before the run ended: every open connection counts as an error.
        socket_errors = max(socket_errors, connections)
    return {
        "requests": data["requests"],
        "rps": round(data["requests"] / seconds_run, 1) if seconds_run else 0.0,
        "p50_ms": data["latency_us"]["p50"] / 1000,
        "p95_ms": data["latency_us"]["p95"] / 1000,
        "p99_ms": data["latency_us"]["p99"] / 1000,
        "max_ms": data["latency_us"]["max"] / 1000,
        "non2xx": data["non2xx"],
        "socket_errors": socket_errors,
        "errors": data["non2xx"] + socket_errors,
        "kb_per_response": round(data["bytes"] / max(data["requests"], 1) / 1024, 1),
        "note": "" if data["requests"] else f"no response within the {seconds} s run",
    }


def split_paths(paths: list[str], *, passes: int, index: int) -> list[str]:
    """Pass ``index``'s share of a rotating row's ``paths`` (of ``passes``): no page in two passes."""
    return paths[index::passes]


def out_path(out: Path, connections: int) -> Path:
    """Where a pass at ``connections`` is written: ``pages.json`` → ``pages-8.json``."""
    return out.with_name(f"{out.stem}-{connections}{out.suffix}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument(
        "--out", type=Path, required=True, help="e.g. var/bench/pages.json: each pass writes pages-<connections>.json"
    )
    parser.add_argument("--label", default="as deployed")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--connections", type=int, nargs="+", default=[8, 16], help="one pass per number of connections, in order"
    )
    parser.add_argument(
        "--warmup-connections",
        type=int,
        default=0,
        help="connections of the warm-up (default: --connections); more than the server's threads, so that "
        "every worker process has the page in its own cache before the measured run",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--rotate", type=int, default=3000, help="how many different detail pages to rotate through, per pass"
    )
    parser.add_argument("--only", default="", help="comma-separated endpoint keys (default: all)")
    args = parser.parse_args()
    boot()
    passes = len(args.connections)
    endpoints = pick_endpoints(args.rotate, passes)
    if args.only:
        wanted = set(args.only.split(",")) | {"ceiling"}
        endpoints = [row for row in endpoints if row["key"] in wanted]
    # The ceiling is measured first and again last; ratios are taken to the better of the two
    # (the first run after the server starts can be low while its processes settle).
    endpoints = [*endpoints, {"key": "ceiling_end", "label": "/healthz again (end of the pass)", "path": "/healthz"}]
    for index, connections in enumerate(args.connections):
        results = run_pass(args, endpoints, connections=connections, passes=passes, index=index)
        out = out_path(args.out, connections)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "label": args.label,
                    "connections": connections,
                    "wrk_threads": args.threads,
                    "duration_s": args.duration,
                    "warmup_s": args.warmup,
                    "results": results,
                },
                indent=2,
            )
            + "\n"
        )


def run_pass(args, endpoints: list[dict], *, connections: int, passes: int, index: int) -> list[dict]:
    """Every endpoint at ``connections`` connections, one after the other: the rows of one pass."""
    results = []
    ceiling = None
    print(f"\n{args.label}: {connections} connections, {args.duration}s per endpoint (+{args.warmup}s warm-up)")
    print(f"{'endpoint':<40} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'ceiling':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for row in endpoints:
            paths = split_paths(row["paths"], passes=passes, index=index) if row.get("paths") else None
            row = {**row, "label": row["label"].format(count=f"{len(paths):,}")} if paths else row
            first_path = paths[0] if paths else row["path"]
            paths_file = ""
            warmup_file = ""
            if paths:
                # The warm-up visits a tenth of the pages kept apart, so that the measured run
                # starts on pages nobody has asked for yet (the long tail's misses).
                apart = max(1, len(paths) // 10)
                paths, warmup_paths = paths[:-apart], paths[-apart:]
                paths_file = os.path.join(tmp, f"{row['key']}.txt")
                Path(paths_file).write_text("\n".join(paths) + "\n")
                warmup_file = os.path.join(tmp, f"{row['key']}-warmup.txt")
                Path(warmup_file).write_text("\n".join(warmup_paths) + "\n")
            headers = row.get("headers")
            check = probe(args.base, first_path, headers)
            # The machine may be shared: the 1-minute load average says how busy it was already.
            entry = {**row, "probe": check, "load_before": round(os.getloadavg()[0], 2)}
            entry["signed_in"] = bool(headers)
            entry.pop("headers", None)  # a session cookie: not for the report
            entry.pop("paths", None)
            if paths:
                entry["path"] = f"{first_path} … ({len(paths):,} paths)"
            if check["status"] == 404 and row["key"].startswith("api_"):
                entry["skipped"] = "not available (404: the endpoint does not exist yet)"
                print(f"{row['label']:<40} {'not available (404)':>50}")
                results.append(entry)
                continue
            notes = [f"probe answered {check['status']}"] if check["status"] != 200 else []
            url = args.base + first_path
            if args.warmup:
                run_wrk(
                    url,
                    seconds=args.warmup,
                    connections=max(args.warmup_connections, connections),
                    threads=args.threads,
                    paths_file=warmup_file or paths_file,
                    headers=headers,
                )
            measured = run_wrk(
                url,
                seconds=args.duration,
                connections=connections,
                threads=args.threads,
                paths_file=paths_file,
                headers=headers,
            )
            notes += [measured.pop("note")] if measured["note"] else []
            entry.update(measured, note="; ".join(notes))
            entry["x_cache_after"] = probe(args.base, first_path, headers).get("x_cache", "")
            if row["key"] == "ceiling":
                ceiling = measured["rps"]
            entry["ratio_to_ceiling"] = round(measured["rps"] / ceiling, 3) if ceiling else None
            results.append(entry)
            ratio = f"{entry['ratio_to_ceiling']:.0%}" if entry["ratio_to_ceiling"] is not None else "-"
            print(
                f"{row['label']:<40} {measured['rps']:>8.1f} {measured['p50_ms']:>8.1f} {measured['p95_ms']:>8.1f} "
                f"{measured['p99_ms']:>8.1f} {measured['errors']:>7} {ratio:>8}",
                flush=True,
            )
    ceilings = [entry["rps"] for entry in results if entry["key"] in {"ceiling", "ceiling_end"} and "rps" in entry]
    if ceilings:
        ceiling = max(ceilings)
        for entry in results:
            if "rps" in entry:
                entry["ratio_to_ceiling"] = round(entry["rps"] / ceiling, 3)
        print(f"Ratios to the better ceiling of the pass: {ceiling:.0f} requests/s (measured {ceilings}).")
    return results


if __name__ == "__main__":
    main()
