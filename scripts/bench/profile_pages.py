#!/usr/bin/env python
"""Profile the pages in-process against the large dataset: time, SQL and where Python spends it.

    .venv/bin/python scripts/bench/profile_pages.py --pages var/bench/pages-uncached.json --out var/bench/profiles

For each page (the benchmark's addresses, read from a pages*.json of pages.py, or the
slowest --top of them), with the anonymous page cache and the content cache off so that the real work is
measured: one warm-up request, then --repeat requests under pyinstrument and Django's
query capture. Written to --out: <page>.txt (pyinstrument's call tree), <page>.html
(pyinstrument's interactive view), <page>.sql.txt (each query with its time, slowest
first, and EXPLAIN ANALYZE of the slowest), and summary.json.

Then the two flows the other runs time end to end, in the same way: a participant's
confirmation (GET and POST of the confirmation page, as rush.py does), one reminder email
(events.emails.send_reminder) and a batch of them (events.emails.send_reminders), rendered
and handed to the console backend, so without SMTP, on events that rush.py and reminders.py
left in the database; and a check-in at the door (the door page's POST of a scanned pass).
"""

import argparse
import contextlib
import io
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from boot import boot


def explain(sql: str) -> str:
    from django.db import connection

    if not sql.lstrip().upper().startswith("SELECT"):
        return ""
    try:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
    except Exception as error:  # a query that cannot be replayed alone (e.g. parameters): say so
        return f"(EXPLAIN failed: {error})"


def profile_page(client, key: str, path: str, repeat: int, out: Path) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    client.get(path)  # warm-up: templates, translations, connections
    # Timed and counted without the profiler (it slows Python down), one capture per request:
    # Django empties the query log when a request starts.
    timings, queries = [], []
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        queries += captured.captured_queries
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(repeat):
        client.get(path)
    profiler.stop()
    per_request = len(queries) / repeat
    sql_ms = sum(float(q["time"]) for q in queries) * 1000 / repeat
    slowest = sorted(queries, key=lambda q: float(q["time"]), reverse=True)
    name = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
    (out / f"{name}.txt").write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    (out / f"{name}.html").write_text(profiler.output_html())
    lines = [f"{path}\n{per_request:.0f} queries per request, {sql_ms:.1f} ms of SQL per request\n"]
    for query in slowest[: min(15, len(slowest))]:
        lines.append(f"-- {float(query['time']) * 1000:.1f} ms\n{query['sql']}\n")
    top_sql = slowest[0]["sql"] if slowest else ""
    if top_sql:
        lines.append("-- EXPLAIN ANALYZE of the slowest:\n" + explain(top_sql))
    (out / f"{name}.sql.txt").write_text("\n".join(lines) + "\n")
    timings.sort()
    return {
        "key": key,
        "path": path,
        "status": response.status_code,
        "median_ms": round(timings[len(timings) // 2], 1),
        "max_ms": round(timings[-1], 1),
        "queries": round(per_request, 1),
        "sql_ms": round(sql_ms, 1),
        "python_ms": round(timings[len(timings) // 2] - sql_ms, 1),
        "slowest_query_ms": round(float(slowest[0]["time"]) * 1000, 1) if slowest else 0.0,
        "slowest_query": (top_sql[:300] + "…") if len(top_sql) > 300 else top_sql,
        "profile": f"{name}.txt",
    }


def profile_flow(key: str, label: str, steps, out: Path) -> dict:
    """Time and count the queries of ``steps`` (callables, one per repetition), then profile them."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    half = len(steps) // 2
    timings, queries = [], 0
    for step in steps[:half]:
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            step()
            timings.append((time.perf_counter() - started) * 1000)
        queries += len(captured.captured_queries)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for step in steps[half:]:
        step()
    profiler.stop()
    (out / f"{key}.txt").write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    (out / f"{key}.html").write_text(profiler.output_html())
    timings.sort()
    return {
        "key": key,
        "label": label,
        "path": "",
        "median_ms": round(timings[len(timings) // 2], 1),
        "max_ms": round(timings[-1], 1),
        "queries": round(queries / max(half, 1), 1),
        "sql_ms": 0.0,
        "python_ms": 0.0,
        "slowest_query_ms": 0.0,
        "slowest_query": "",
        "profile": f"{key}.txt",
    }


def flows(client, out: Path, count: int = 20) -> list[dict]:
    """A confirmation (GET + POST) and a reminder email, each ``count`` times."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from events import emails, links
    from events.models import Event, Registration, ReminderSent

    results = []
    rush = Event.objects.filter(slug__startswith="bench-rush-").order_by("-pk").first()
    if rush is not None:
        taken = Registration.objects.filter(event=rush).values("participant")
        people = (
            get_user_model()
            .objects.filter(is_staff=False, profile__isnull=False)
            .exclude(pk__in=taken)
            .values_list("pk", flat=True)[:count]
        )
        now = timezone.now()
        registrations = Registration.objects.bulk_create(
            [Registration(event=rush, participant_id=pk, created_at=now, status_changed_at=now) for pk in people]
        )
        links = [
            f"/events/{rush.slug}/confirm/{links.make_token(registration, links.CONFIRM)}/"
            for registration in registrations
        ]

        def confirm(link):
            return lambda: (client.get(link), client.post(link))

        results.append(profile_flow("confirm", "a confirmation (GET + POST)", [confirm(link) for link in links], out))
    event = Event.objects.filter(slug__startswith="bench-reminders-").order_by("-pk").first()
    if event is not None:
        batch = 50
        ids = list(Registration.objects.filter(event=event).values_list("pk", flat=True)[: count + 4 * batch])
        ReminderSent.objects.filter(registration_id__in=ids).delete()
        with contextlib.redirect_stdout(io.StringIO()):  # the console email backend writes there
            # A participant confirmed after the reminder time gets one on its own...
            steps = [(lambda pk=pk: emails.send_reminder(pk)) for pk in ids[:count]]
            results.append(profile_flow("reminder", "a reminder email on its own (no SMTP)", steps, out))
            # ...everyone else's go in batches (events.tasks.send_reminder_batch).
            rest = ids[count:]
            steps = [(lambda part=rest[i : i + batch]: emails.send_reminders(part)) for i in range(0, len(rest), batch)]
            results.append(profile_flow("reminder-batch", f"a batch of {batch} reminder emails (no SMTP)", steps, out))
    results.extend(profile_door(client, count, out))
    return results


def profile_door(client, count: int, out: Path) -> list[dict]:
    """A check-in at the door (issue 19: within 200 ms on the server): the door page's POST with a
    scanned pass, as door.js sends it, by an editor, for confirmed participants of an in-person or
    hybrid event of the dataset. The check-ins are undone afterwards (the dataset stays as it was)."""
    from django.contrib.auth import get_user_model

    from events import links
    from events.models import Event, Registration
    from portal.roles import EDITORS

    editor = get_user_model().objects.filter(groups__name=EDITORS, is_active=True).first()
    event = (
        Event.objects.filter(format__in=("in_person", "hybrid"), state="scheduled", registrations__status="confirmed")
        .order_by("-pk")
        .first()
    )
    if editor is None or event is None:
        return []
    registrations = list(Registration.objects.filter(event=event, status="confirmed").order_by("pk")[:count])
    client.force_login(editor)
    path = f"/events/{event.slug}/door/"
    client.get(path)

    def scan(registration):
        return lambda: client.post(path, {"token": links.make_door_token(registration)}, HTTP_ACCEPT="application/json")

    try:
        return [profile_flow("door-check-in", "a check-in at the door (POST of a scanned pass)",
                             [scan(registration) for registration in registrations], out)]  # fmt: skip
    finally:
        for registration in registrations:  # as they were
            Registration.objects.filter(pk=registration.pk).update(
                status="confirmed", attended_at=None, attendance="",
                status_changed_at=registration.status_changed_at, status_notified_at=registration.status_notified_at,
            )  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, help="a JSON file written by pages.py (without it: only the flows)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=0, help="only the N slowest pages (by p95); 0 = all")
    args = parser.parse_args()
    boot()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings

    measured = json.loads(args.pages.read_text())["results"] if args.pages else []
    ceilings = {"ceiling", "ceiling_end"}
    pages = [
        row
        for row in measured
        if row["key"] not in ceilings and not row.get("skipped") and "…" not in row.get("path", "")
    ]
    if args.top:
        pages = sorted(pages, key=lambda row: row.get("p95_ms", 0), reverse=True)[: args.top]
    args.out.mkdir(parents=True, exist_ok=True)
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    summary = []
    print(f"\nProfiles ({args.repeat} requests each, page and content cache off) → {args.out}/")
    print(f"{'page':<40} {'median ms':>10} {'queries':>8} {'SQL ms':>8} {'slowest query ms':>17}")
    with override_settings(ANONYMOUS_PAGE_CACHE=False, CONTENT_CACHE=False, ALLOWED_HOSTS=hosts):
        client = Client()
        for row in pages:
            if row.get("signed_in") and not row.get("user"):
                print(f"{row['label']:<40} skipped: pages.py did not record who it signed in as", flush=True)
                continue
            if row.get("user"):  # measured signed in (pages.py's session cookie): profiled as the same person
                client.force_login(get_user_model().objects.get(pk=row["user"]))
            result = profile_page(client, row["key"], row["path"], args.repeat, args.out)
            client.logout()
            result["label"] = row["label"]
            summary.append(result)
            print(
                f"{row['label']:<40} {result['median_ms']:>10.1f} {result['queries']:>8.0f} "
                f"{result['sql_ms']:>8.1f} {result['slowest_query_ms']:>17.1f}",
                flush=True,
            )
        for result in flows(client, args.out):
            summary.append(result)
            print(f"{result['label']:<40} {result['median_ms']:>10.1f} {result['queries']:>8.0f}", flush=True)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
