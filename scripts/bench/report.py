#!/usr/bin/env python
"""Put a benchmark run's results together: var/bench/results.md, results.json, and the tables on stdout.

    .venv/bin/python scripts/bench/report.py --dir var/bench [--meta key=value …]

Reads what the other scripts wrote in --dir (dataset.json, pages-<connections>.json and
pages-uncached-<connections>.json, one per pass of pages.py, or an older run's pages.json and
pages-uncached.json; rush.json, reminders.json, digests.json, import.json, invalidation.json,
profiles/summary.json, search-cost.json) and checks each figure against the issue's targets: p95 under 100 ms for
every page and API endpoint (150 ms for searches), the long tail of detail pages under 50 ms at
16 connections or more, cacheable pages at 50% or more of the framework's ceiling, the rush
exact with no error, 100 reminder emails a second or more, 200 digests a second or more, 95% of
other detail pages still cached after one publish. With passes at several numbers of
connections, a table puts each endpoint's figures side by side.
"""

import argparse
import json
import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

SEARCHES = {"publication_search", "api_publications", "api_news", "site_search"}
P95_TARGET_MS = 100
SEARCH_P95_TARGET_MS = 150
#: Issue 22, point 6: the long tail of detail pages (the rotating rows) at 16 connections.
LONG_TAIL_P95_TARGET_MS = 50
LONG_TAIL_CONNECTIONS = 16
CACHED_SHARE_TARGET = 0.5
REMINDERS_TARGET = 100
DIGESTS_TARGET = 200
#: Issue 22 point 5: reminders and digests alike.
EMAILS_TARGET = 500


def email_cpu_line(run: dict, noun: str) -> str:
    """Who spent the CPU of an email run (scripts/bench/cpu.py), and issue 22's 500/s."""
    parts = [
        f"{label} {run[key]} ms"
        for label, key in (
            ("the workers", "workers_cpu_ms_per_email"),
            ("the SMTP sink", "sink_cpu_ms_per_email"),
            ("PostgreSQL", "database_cpu_ms_per_email"),
        )
        if key in run
    ]
    spent = f"CPU per {noun}: {', '.join(parts)}. " if parts else ""
    met = "✓" if run["emails_per_s"] >= EMAILS_TARGET else "✗"
    return (
        f"{spent}Issue 22's ≥ {EMAILS_TARGET}/s: {met} (load average after the run: "
        f"{run.get('load_average_after', '?')})."
    )


def load(path: Path):
    return json.loads(path.read_text()) if path.is_file() else None


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    system = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                system = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    import django

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "system": system,
        "python": platform.python_version(),
        "django": django.get_version(),
    }


def target_for(key: str, connections: int = 8) -> int:
    if key.endswith("_many") and connections >= LONG_TAIL_CONNECTIONS:
        return LONG_TAIL_P95_TARGET_MS
    return SEARCH_P95_TARGET_MS if key in SEARCHES else P95_TARGET_MS


PASS_FILE = re.compile(r"^pages(?P<uncached>-uncached)?(?:-(?P<connections>\d+))?\.json$")


def pass_files(names) -> list[tuple[str, bool, int | None]]:
    """Of file ``names``, the page passes: (name, caches on, connections), caches on first, each
    by number of connections. A run's ``pages-<n>.json`` files; an older run's ``pages.json``
    (connections read from inside it) only when there are none."""
    found = []
    for name in names:
        match = PASS_FILE.match(name)
        if match:
            connections = int(match["connections"]) if match["connections"] else None
            found.append((name, not match["uncached"], connections))
    if any(connections is not None for _name, _cached, connections in found):
        found = [entry for entry in found if entry[2] is not None]
    return sorted(found, key=lambda entry: (not entry[1], entry[2] or 0))


def side_by_side(passes: list[dict]) -> tuple[list[int], list[dict]]:
    """The connections of ``passes`` (page_rows of one kind of pass, each with its
    ``connections``) and, per endpoint in the order of the first pass, its figures at each."""
    counts = [entry["connections"] for entry in passes]
    table: dict[str, dict] = {}
    for entry in passes:
        for row in entry["rows"]:
            if row.get("skipped") or row["key"] == "ceiling_end":
                continue
            line = table.setdefault(row["key"], {"label": row["label"], "at": {}})
            line["at"][entry["connections"]] = {
                key: row[key] for key in ("rps", "p95_ms", "p99_ms", "errors", "verdict")
            }
    return counts, list(table.values())


def markdown_side_by_side(title: str, counts: list[int], lines: list[dict]) -> list[str]:
    head = " | ".join(f"req/s at {n} | p95 ms at {n}" for n in counts)
    md = [f"### {title}", "", f"| Endpoint | {head} | verdict |", "| --- |" + " ---: | ---: |" * len(counts) + " --- |"]
    for line in lines:
        cells = []
        for n in counts:
            at = line["at"].get(n)
            cells += [f"{at['rps']:,.0f}", f"{at['p95_ms']:.1f}"] if at else ["—", "—"]
        verdict = "; ".join(f"{n}: {line['at'][n]['verdict']}" for n in counts if n in line["at"])
        md.append(f"| {line['label']} | {' | '.join(cells)} | {verdict} |")
    return [*md, ""]


def page_rows(pass_data: dict, *, check_cache_share: bool) -> list[dict]:
    rows = []
    for result in pass_data["results"]:
        row = {"key": result["key"], "label": result["label"], "path": result["path"]}
        if result.get("skipped"):
            row["skipped"] = result["skipped"]
            rows.append(row)
            continue
        target = target_for(result["key"], pass_data.get("connections") or 8)
        cache = result.get("x_cache_after") or "-"
        verdicts = []
        if result["key"] not in {"ceiling", "ceiling_end"}:
            met = result["requests"] and result["p95_ms"] < target
            verdicts.append("p95 ✓" if met else f"p95 ✗ (>{target} ms)")
            if check_cache_share and cache == "hit":
                share = result["ratio_to_ceiling"] or 0
                verdicts.append("share ✓" if share >= CACHED_SHARE_TARGET else "share ✗ (<50%)")
        if result["errors"]:
            verdicts.append("errors ✗")
        row.update(
            {
                key: result[key]
                for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "errors", "ratio_to_ceiling", "requests")
            }
        )
        row["load_before"] = result.get("load_before")
        if result.get("note"):
            verdicts.append(result["note"])
        row.update(cache=cache, target_ms=target, verdict=", ".join(verdicts) or "-")
        rows.append(row)
    return rows


def markdown_pages(title: str, pass_data: dict, rows: list[dict]) -> list[str]:
    lines = [
        f"### {title}",
        "",
        f"{pass_data['connections']} connections, {pass_data['wrk_threads']} wrk threads, {pass_data['duration_s']} s "
        f"per endpoint after a {pass_data['warmup_s']} s warm-up.",
        "",
        "| Endpoint | req/s | p50 ms | p95 ms | p99 ms | errors | × ceiling | cache | target | load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |",
    ]
    for row in rows:
        if row.get("skipped"):
            lines.append(f"| {row['label']} | — | — | — | — | — | — | — | {row['skipped']} | |")
            continue
        ratio = f"{row['ratio_to_ceiling']:.0%}" if row["ratio_to_ceiling"] is not None else "-"
        lines.append(
            f"| {row['label']} | {row['rps']:,.0f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['p99_ms']:.1f} | "
            f"{row['errors']} | {ratio} | {row['cache']} | {row['verdict']} | {row['load_before']} |"
        )
    lines.append("")
    lines.append("Paths: " + "; ".join(f"{row['label']}: `{row['path']}`" for row in rows if not row.get("skipped")))
    lines.append("")
    return lines


def text_pages(title: str, rows: list[dict]) -> list[str]:
    header = f"{'endpoint':<40} {'req/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'err':>5} {'×ceil':>6} {'cache':>5}"
    lines = [title, header + "  target"]
    for row in rows:
        if row.get("skipped"):
            lines.append(f"{row['label']:<40} {row['skipped']}")
            continue
        ratio = f"{row['ratio_to_ceiling']:.0%}" if row["ratio_to_ceiling"] is not None else "-"
        lines.append(
            f"{row['label']:<40} {row['rps']:>8.1f} {row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f} {row['p99_ms']:>7.1f} "
            f"{row['errors']:>5} {ratio:>6} {row['cache']:>5}  {row['verdict']}"
        )
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--meta", nargs="*", default=[])
    args = parser.parse_args()
    meta = dict(item.split("=", 1) for item in args.meta if "=" in item)
    folder = args.dir
    dataset = load(folder / "dataset.json")
    passes = [
        (cached, load(folder / name))
        for name, cached, _connections in pass_files(path.name for path in folder.glob("pages*.json"))
    ]
    rush = load(folder / "rush.json")
    rush_quotas = load(folder / "rush-quotas.json")
    reminders = load(folder / "reminders.json")
    digests = load(folder / "digests.json")
    profiles = load(folder / "profiles" / "summary.json")
    indicator_import = load(folder / "import.json")
    ocds_import = load(folder / "ocds-import.json")
    invalidation = load(folder / "invalidation.json")
    search_cost = load(folder / "search-cost.json")

    results = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), "run": meta}
    md = [
        "# Benchmark results",
        "",
        f"Run {results['when']} on {results['machine']['cpu']}, {results['machine']['cores']} cores, "
        f"{results['machine']['memory']}, {results['machine']['system']}; Python {results['machine']['python']}, "
        f"Django {results['machine']['django']}, PostgreSQL {meta.get('postgresql', '?')}; "
        f"gunicorn {meta.get('gunicorn', '?')}; cache: {meta.get('cache', '?')}; wrk {meta.get('wrk', '?')}. "
        f"Whole run: {meta.get('total_seconds', '?')} s "
        f"({meta.get('phases', '')}). The “load” column is the machine's 1-minute load average before the endpoint "
        "(other work on the machine shows there).",
        "",
    ]
    out = []
    if dataset:
        created = dataset.get("created", {})
        md += [
            "## Dataset",
            "",
            "| news | publications | events | sessions | participants | registrations | generate.py |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {created.get('news', 0):,} | {created.get('publications', 0):,} | {created.get('events', 0):,} | "
            f"{created.get('sessions', 0):,} | {created.get('participants', 0):,} | "
            f"{created.get('registrations', 0):,} | "
            f"{dataset.get('total_s', '?')} s |",
            "",
        ]
        md += [f"- NOTE: {note}" for note in dataset.get("notes", [])]
        results["dataset"] = dataset
        out.append(
            f"Dataset: {created.get('news', 0):,} news, {created.get('publications', 0):,} publications, "
            f"{created.get('events', 0):,} events, {created.get('participants', 0):,} participants, "
            f"{created.get('registrations', 0):,} registrations "
            f"(generate.py {dataset.get('total_s', '?')} s; {meta.get('dataset', '')})"
        )
        out += [f"NOTE: {note}" for note in dataset.get("notes", [])]
    md += ["## Pages and API", ""]
    results["page_passes"] = []
    for cached, data in passes:
        rows = page_rows(data, check_cache_share=cached)
        # The first pass of each kind also under its older name (the 8 connections of earlier runs).
        results.setdefault("pages" if cached else "pages_uncached", rows)
        results["page_passes"].append(
            {"label": data["label"], "connections": data["connections"], "caches_on": cached, "rows": rows}
        )
        title = f"{data['label']}, {data['connections']} connections"
        md += markdown_pages(title, data, rows)
        out += ["", *text_pages(title, rows)]
    for cached in (True, False):
        same = [entry for entry in results["page_passes"] if entry["caches_on"] == cached]
        if len(same) > 1:
            counts, lines = side_by_side(same)
            title = f"{same[0]['label']}: side by side at {' and '.join(map(str, counts))} connections"
            md += markdown_side_by_side(title, counts, lines)
    if rush:
        results["rush"] = rush
        md += [
            "## Registration rush",
            "",
            "| participants | seats | clients | confirmed | waitlisted | pending | errors "
            "| POST p50 | POST p95 | POST p99 | confirmations/s | verdict |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            f"| {rush['participants']:,} | {rush['seats']} | {rush['concurrency']} | {rush['db']['confirmed']} | "
            f"{rush['db']['waitlisted']} | {rush['db']['pending']} | {rush['errors']} | {rush['post_ms']['p50']} ms | "
            f"{rush['post_ms']['p95']} ms | {rush['post_ms']['p99']} ms | {rush['confirmations_per_s']} | "
            f"{'✓ exact, no error' if rush['ok'] else '✗'} |",
            "",
            f"GET of the confirmation page: p95 {rush['get_ms']['p95']} ms, p99 {rush['get_ms']['p99']} ms; "
            f"GET to the last answer per person: p95 {rush['get_and_post_ms']['p95']} ms, "
            f"p99 {rush['get_and_post_ms']['p99']} ms; "
            f"whole rush {rush['wall_s']} s.",
            "",
        ]
        told = rush.get("told_ms")
        if told:  # the queued confirmation (issue 22 point 4): told the outcome on the page, every email once
            emails = rush["emails"]
            split = rush["cpu_ms_per_confirmation"]["during_the_rush"]
            md += [
                f"Told their outcome (GET to the answer that says it): p50 {told['p50']} ms, p95 {told['p95']} ms, "
                f"p99 {told['p99']} ms {'✓' if told['p99'] <= 10_000 else '✗'} (issue 22: ≤ 10 s), slowest "
                f"{told['max']} ms; {rush['timeouts']} timeouts at {rush['client_timeout_s']:g} s; "
                f"{rush['confirmations_per_s']} confirmations/s {'✓' if rush['confirmations_per_s'] >= 300 else '✗'} "
                f"(≥ 300); {rush['polls_per_person']} status polls a person; arrival order "
                f"{'kept ✓' if rush['arrival_order']['ok'] else 'NOT kept ✗'}; emails: {emails['emailed_once']:,} "
                f"exactly once, {emails['emailed_twice_or_more']} twice or more, {emails['not_emailed']} none "
                f"({rush['workers']} task workers, SMTP sink).",
                "",
                "CPU per confirmation during the rush (ms): "
                + ", ".join(f"{part.replace('_', ' ')} {value}" for part, value in split.items())
                + ".",
                "",
            ]
        md += [f"- error: {example}" for example in rush.get("error_examples", [])]
        out += [
            "",
            f"Rush: {rush['participants']:,} confirm for {rush['seats']} seats ({rush['concurrency']} clients): "
            f"confirmed {rush['db']['confirmed']}, waitlisted {rush['db']['waitlisted']}, "
            f"pending {rush['db']['pending']}, errors {rush['errors']}; "
            f"POST p95 {rush['post_ms']['p95']} ms, p99 {rush['post_ms']['p99']} ms"
            + (
                f"; told p99 {rush['told_ms']['p99']} ms; {rush['confirmations_per_s']}/s"
                if rush.get("told_ms")
                else ""
            )
            + f" — {'OK' if rush['ok'] else 'FAILED'}",
        ]
    if rush_quotas:
        results["rush_quotas"] = rush_quotas
        check = rush_quotas["quotas"]
        held = ", ".join(f"{row['quota']} {row['taken']} of {row['reserved']}" for row in check["per_quota"])
        md += [
            "### Registration rush with quotas",
            "",
            f"{rush_quotas['participants']:,} participants, {rush_quotas['seats']} seats, "
            f"{rush_quotas['concurrency']} clients: seated {check['seated']}; reserved seats taken: {held}; "
            f"held by someone the quota does not match: {check['mismatched']}; waiting who could have sat: "
            f"{check['could_sit']}; errors {rush_quotas['errors']}; POST p95 {rush_quotas['post_ms']['p95']} ms — "
            f"{'✓ exact, no error' if rush_quotas['ok'] else '✗'}.",
            "",
        ]
        out += [
            f"Rush with quotas: seated {check['seated']} of {rush_quotas['seats']} ({held}), "
            f"errors {rush_quotas['errors']} — {'OK' if rush_quotas['ok'] else 'FAILED'}",
        ]
    if reminders:
        results["reminders"] = reminders
        ok_rate = reminders["emails_per_s"] >= REMINDERS_TARGET
        md += [
            "## Reminder throughput",
            "",
            "| participants | workers | emails received | worker time | emails/s | first→last email "
            "| each exactly once | failed tasks | target ≥ 100/s |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |",
            f"| {reminders['participants']:,} | {reminders['workers']} | {reminders['emails_received']:,} | "
            f"{reminders['worker_wall_s']} s | {reminders['emails_per_s']} | {reminders['first_to_last_email_s']} s "
            f"({reminders['emails_per_s_while_sending']}/s) | "
            f"{'✓' if reminders['ok'] else '✗'} (missing {reminders['recipients_missing']}, twice or more "
            f"{reminders['recipients_more_than_once']}) | {reminders['failed_tasks']} | {'✓' if ok_rate else '✗'} |",
            "",
            email_cpu_line(reminders, "reminder"),
            "",
            "The workers were running already (worker time: from the reminder task's enqueue to the last email)."
            if reminders.get("workers_resident")
            else "The workers were started for the run (worker time: their boots included).",
            "",
        ]
        out += [
            "",
            f"Reminders: {reminders['emails_received']:,} emails in {reminders['worker_wall_s']} s with "
            f"{reminders['workers']} {'resident ' if reminders.get('workers_resident') else ''}worker(s) = "
            f"{reminders['emails_per_s']} emails/s; each participant exactly once: "
            f"{'yes' if reminders['ok'] else 'NO'}",
        ]
    if digests:
        results["digests"] = digests
        ok_rate = digests["emails_per_s"] >= DIGESTS_TARGET
        md += [
            "## Digest throughput",
            "",
            "| followers | workers | digests (nothing matched) | worker time | emails/s | first→last email "
            "| each exactly once | failed tasks | target ≥ 200/s |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |",
            f"| {digests['followers']:,} | {digests['workers']} | {digests['emails_received']:,} "
            f"({digests['followers_nothing_matched']:,}) | {digests['worker_wall_s']} s | {digests['emails_per_s']} | "
            f"{digests['first_to_last_email_s']} s ({digests['emails_per_s_while_sending']}/s) | "
            f"{'✓' if digests['ok'] else '✗'} (not received {digests['digests_not_received']}, twice or more "
            f"{digests['recipients_more_than_once']}) | {digests['failed_tasks']} | {'✓' if ok_rate else '✗'} |",
            "",
            email_cpu_line(digests, "digest"),
            "",
            "The workers were running already (worker time: from the run's start to the last email)."
            if digests.get("workers_resident")
            else "The workers were started for the run (worker time: their boots included).",
            "",
        ]
        out += [
            "",
            f"Digests: {digests['emails_received']:,} emails in {digests['worker_wall_s']} s with "
            f"{digests['workers']} {'resident ' if digests.get('workers_resident') else ''}worker(s) = "
            f"{digests['emails_per_s']} emails/s; each follower exactly once: "
            f"{'yes' if digests['ok'] else 'NO'}",
        ]
    if indicator_import:
        results["indicator_import"] = indicator_import
        row = indicator_import
        md += [
            "## Indicator import",
            "",
            "| observations | CSV | wall time | peak memory | target < 300 s, < 1,024 MB |",
            "| ---: | ---: | ---: | ---: | --- |",
            f"| {row['rows']:,} | {row['csv_mb']} MB | {row['seconds']} s | {row['max_rss_mb']} MB | "
            f"{'✓' if row['ok'] else '✗'} |",
            "",
        ]
        out += [
            "",
            f"Indicator import: {row['rows']:,} observations in {row['seconds']} s, peak {row['max_rss_mb']} MB — "
            f"{'OK' if row['ok'] else 'FAILED'}",
        ]
    if ocds_import:
        results["ocds_import"] = row = ocds_import
        md += [
            "## OCDS import",
            "",
            "| releases | JSON Lines | wall time | peak memory (command and workers) | target < 600 s, < 1,024 MB |",
            "| ---: | ---: | ---: | ---: | --- |",
            f"| {row['releases']:,} | {row['jsonl_mb']} MB | {row['seconds']} s | {row['peak_tree_rss_mb']} MB | "
            f"{'✓' if row['ok'] else '✗'} |",
            "",
        ]
        out += [
            "",
            f"OCDS import: {row['releases']:,} releases in {row['seconds']} s, peak {row['peak_tree_rss_mb']} MB — "
            f"{'OK' if row['ok'] else 'FAILED'}",
        ]
    if invalidation:
        results["invalidation"] = row = invalidation
        shown = ", ".join(f"{label} {'✓' if ok else '✗'}" for label, ok in row["shown_at_once"].items())
        kept = ", ".join(f"{label} {'✓' if ok else '✗'}" for label, ok in row.get("other_lists_still_hits", {}).items())
        verdict = "✓" if row["ok"] else "✗"
        md += [
            "## Invalidation: one publish",
            "",
            "| other detail pages cached | still hits after one news publish | target ≥ 95% | shown at once "
            "| other lists still hits |",
            "| ---: | ---: | --- | --- | --- |",
            f"| {row['pages']} | {row['still_hits']} ({row['hit_ratio']:.1%}) | {verdict} | {shown} | {kept or '-'} |",
            "",
        ]
        out += [
            "",
            f"Invalidation: {row['still_hits']} of {row['pages']} other detail pages still hits after one publish "
            f"({row['hit_ratio']:.1%}) — {'OK' if row['ok'] else 'FAILED'}",
        ]
    if search_cost:
        results["search_cost"] = search_cost
        target = search_cost["target_ms"]
        md += [
            f"## Cold searches in-process ({search_cost['publications']:,} publications, {search_cost['news']:,} news; "
            f"caches off, median of {search_cost['repeat']})",
            "",
            f"| search | median ms | max ms | queries | target ≤ {target} ms (broad) |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        out += ["", f"Cold searches in-process (target ≤ {target} ms for the broad ones):"]
        for row in search_cost["rows"]:
            verdict = ("✓" if row["median"] <= target else "✗") if "broad" in row["label"] else "-"
            md.append(f"| {row['label']} | {row['median']:.1f} | {row['max']:.1f} | {row['queries']} | {verdict} |")
            out.append(f"  {row['label']}: {row['median']:.1f} ms, {row['queries']} queries {verdict}")
        md.append("")
    if profiles:
        results["profiles"] = profiles
        md += [
            "## Profiles (in-process, page and content cache off, median of 3)",
            "",
            "| Page | ms | queries | SQL ms | slowest query ms | profile |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for row in profiles:
            # A page that did not answer 200 (a redirect to sign in, an error) was not measured: say so.
            status = row.get("status", 200)
            label = row["label"] if status == 200 else f"{row['label']} (answered {status}: not the page)"
            md.append(
                f"| {label} | {row['median_ms']} | {row['queries']:.0f} | {row['sql_ms']} | "
                f"{row['slowest_query_ms']} | `profiles/{row['profile']}` |"
            )
        md.append("")
    (folder / "results.md").write_text("\n".join(md) + "\n")
    (folder / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print("\n".join(out))
    print(f"\nWritten: {folder / 'results.md'}, {folder / 'results.json'}")


if __name__ == "__main__":
    main()
