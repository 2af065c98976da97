#!/usr/bin/env python
"""The registration rush: many participants confirm at the same moment, for too few seats.

    .venv/bin/python scripts/bench/rush.py --base http://127.0.0.1:8765 --out var/bench/rush.json

An event with --seats seats (waiting list on) gets --participants pending registrations of
distinct generated participants. Their confirmation links are made as the emails make them
(events.links.make_token). Then --concurrency threads start together, each working
through its share: GET the confirmation page (its form's CSRF token and cookie), POST the
form — the real HTTP path, through the running server. Afterwards the database must hold
exactly --seats confirmed and the rest waitlisted, and no request may have failed.

The quota variant (``--quotas``): the event also reserves 60% of its seats for MSMEs and 30% for
organisations led by women, kept (as the source documents' business roundtables did), and half
of the participants are members of MSMEs (as many as the dataset has). Afterwards no quota may
hold more seats than it reserves, the seats taken may not exceed --seats, each reserved seat must
be held by someone the quota matches, and nobody may be on the waiting list who could still get a
seat (the counting rule, events.quotas, asked again at the end); no request may have failed.

The same SECRET_KEY and DATABASE_URL as the server's must be in the environment.
"""

import argparse
import json
import re
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpu
from boot import boot
from reminders import ResidentWorkers, hold_digests, smtp_sink

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def make_event_and_registrations(*, seats: int, participants: int, quotas: bool = False):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from events import links
    from events.models import Event, Registration
    from portal.models import Status

    now = timezone.now()
    stamp = now.strftime("%Y%m%d-%H%M%S")
    event = Event.objects.create(
        title=f"Webinar: digital competences at school (benchmark rush {stamp})",
        slug=f"bench-rush-{stamp}",
        kind=Event.Kind.WEBINAR,
        format=Event.Format.VIRTUAL,
        summary="A free webinar of the Digital Teaching Network with few seats: the benchmark's registration rush.",
        time_zone="America/Bogota",
        start=now + timedelta(days=10),
        end=now + timedelta(days=10, hours=2),
        online_url="https://meet.example/bench-rush",
        registration_enabled=True,
        capacity=seats,
        has_waiting_list=True,
        status=Status.PUBLISHED,
        published_at=now - timedelta(hours=1),
        first_published_at=now - timedelta(hours=1),
    )
    candidates = get_user_model().objects.filter(
        is_active=True, is_staff=False, profile__isnull=False, emailaddress__verified=True
    )
    people = []
    if quotas:
        from events.models import SeatQuota
        from events.quotas import MSME_SIZES

        SeatQuota.objects.bulk_create(
            [
                SeatQuota(event=event, category=SeatQuota.Category.MSME, share=60),
                SeatQuota(event=event, category=SeatQuota.Category.LED_BY_WOMEN, share=30),
            ]
        )
        from organisations.models import Membership

        msme_members = Membership.objects.active().filter(organisation__size_class__in=MSME_SIZES)
        members = candidates.filter(pk__in=msme_members.values("person_id"))
        people = list(members.order_by("?").values_list("pk", flat=True)[: participants // 2])
    others = candidates.exclude(pk__in=people).order_by("?").values_list("pk", flat=True)
    people += list(others[: participants - len(people)])
    if len(people) < participants:
        raise SystemExit(f"Only {len(people)} participants in the database; run generate.py first.")
    # As if each had registered (services.register) and received the email with the link.
    registrations = Registration.objects.bulk_create(
        [
            Registration(
                event=event,
                participant_id=pk,
                status=Registration.Status.PENDING,
                created_at=now,
                status_changed_at=now,
                status_notified_at=now,
            )
            for pk in people
        ]
    )
    links = [
        f"/events/{event.slug}/confirm/{links.make_token(registration, links.CONFIRM)}/"
        for registration in registrations
    ]
    return event, links


def check_quotas(event) -> dict:
    """The quota variant's exactness, read back from the database with the counting rule."""
    from django.utils import timezone

    from events.models import Registration
    from events.quotas import SeatPlan, traits_of

    plan = SeatPlan.of(event, "", now=timezone.now())
    seated = list(Registration.objects.filter(event=event, status__in=Registration.SEATED).select_related("quota"))
    waiting = list(Registration.objects.filter(event=event, status="waitlisted"))
    traits = traits_of([r.participant_id for r in seated + waiting])
    mismatched = sum(1 for r in seated if r.quota and not traits[r.participant_id].match(r.quota))
    could_sit = sum(1 for r in waiting if plan.offer(traits[r.participant_id]).has_seat)
    per_quota = [{"quota": use.quota.label, "reserved": use.reserved, "taken": use.taken} for use in plan.uses]
    return {
        "seated": len(seated),
        "per_quota": per_quota,
        "mismatched": mismatched,
        "could_sit": could_sit,
        "ok": len(seated) <= plan.seats
        and all(row["taken"] <= row["reserved"] for row in per_quota)
        and mismatched == 0
        and could_sit == 0,
    }


def confirm_one(session, base: str, link: str, timeout: float = 30) -> dict:
    """What a person's browser does (static/js/confirmation.js): GET the confirmation page (its
    form's CSRF token and cookie), POST the form asking for JSON; while the answer is "queued",
    ask the status address (after 0.5 s, then each wait 1.5 times longer, at most 5 s) until it
    says the outcome. Returns the timings (``told_ms``: from the GET to the outcome) and the outcome."""
    result = {"link": link, "error": None, "polls": 0}
    started = time.perf_counter()
    try:
        page = session.get(base + link, timeout=timeout)
        result["get_ms"] = (time.perf_counter() - started) * 1000
        if page.status_code != 200:
            result["error"] = f"GET {page.status_code}"
            return result
        match = CSRF_INPUT.search(page.text)
        cookie = page.cookies.get("csrftoken") or session.cookies.get("csrftoken")
        if not match or not cookie:
            result["error"] = "no CSRF token or cookie on the confirmation page"
            return result
        posted = time.perf_counter()
        # The CSRF cookie is Secure in production; over plain-HTTP loopback it is sent by hand.
        answer = session.post(
            base + link,
            data={"csrfmiddlewaretoken": match.group(1)},
            headers={"Cookie": f"csrftoken={cookie}", "Accept": "application/json"},
            timeout=timeout,
            allow_redirects=False,
        )
        result["post_ms"] = (time.perf_counter() - posted) * 1000
        result["status"] = answer.status_code
        if answer.status_code not in (200, 202):
            result["error"] = f"POST {answer.status_code}"
            return result
        state = answer.json()
        delay = 0.5
        while state.get("state") == "queued":
            if time.perf_counter() - started > 120:
                result["error"] = "still queued after 120 s"
                return result
            time.sleep(delay)
            delay = min(delay * 1.5, 5.0)
            asked = session.get(
                base + state.get("status_url", link + "status/"),
                headers={"Accept": "application/json"},
                timeout=timeout,
            )
            result["polls"] += 1
            if asked.status_code != 200:
                result["error"] = f"status {asked.status_code}"
                return result
            state = {**asked.json(), "status_url": state.get("status_url")}
        result["told_ms"] = (time.perf_counter() - started) * 1000
        result["total_ms"] = result["told_ms"]
        if state.get("state") in ("confirmed", "waitlisted"):
            result["outcome"] = state["state"]
            if state["state"] == "waitlisted" and not state.get("position"):
                result["error"] = "waitlisted without a position"
        else:
            result["error"] = f"the page said {state.get('state')!r}, neither confirmed nor waiting list"
    except Exception as error:  # a socket error is an error of the run, counted, never fatal
        result["error"] = f"{type(error).__name__}: {error}"
        result["timed_out"] = isinstance(error, requests.Timeout)
    return result


def server_pids() -> list[int]:
    """The running gunicorn processes (master and workers) of this machine."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"gunicorn" in Path(entry, "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class RushMeter:
    """CPU of the web server, the task workers, PostgreSQL and this process (the clients and the SMTP
    sink) over the rush: what each confirmation costs, and so what limits the rate."""

    def __init__(self, resident):
        self.resident = resident

    def read(self) -> dict:
        web = 0.0
        for pid in server_pids():
            try:
                web += cpu.process_cpu(pid)
            except (OSError, ValueError, IndexError):
                continue
        return {
            "web": web,
            "workers": self.resident.spent(),
            "database": cpu.database() or 0.0,
            "clients_and_sink": cpu.own(),
        }

    def start(self) -> None:
        self.before = self.read()

    def per(self, count: int) -> dict:
        after = self.read()
        return {part: round((after[part] - self.before[part]) * 1000 / count, 2) for part in after}


def arrival_order(event, *, quotas: bool) -> dict:
    """Were the seats given in the order the confirmations arrived (``confirm_requested_at``)? Without
    quotas the confirmed are exactly the earliest arrivals; in any case the waiting list is in
    arrival order (its order is ``waitlisted_at``, which must be the arrival)."""
    from django.db.models import F, Max, Min

    from events.models import Registration

    rows = Registration.objects.filter(event=event)
    confirmed = rows.filter(status=Registration.Status.CONFIRMED).aggregate(last=Max("confirm_requested_at"))
    waiting = rows.filter(status=Registration.Status.WAITLISTED)
    first_waiting = waiting.aggregate(first=Min("confirm_requested_at"))["first"]
    out_of_order = waiting.exclude(waitlisted_at=F("confirm_requested_at")).count()
    earliest_confirmed = (
        quotas or first_waiting is None or confirmed["last"] is None or confirmed["last"] <= first_waiting
    )
    return {
        "confirmed_are_the_earliest": None if quotas else earliest_confirmed,
        "waiting_list_out_of_arrival_order": out_of_order,
        "ok": earliest_confirmed and out_of_order == 0,
    }


def wait_for_emails(sink, addresses: set[str], timeout: float) -> dict:
    """Until each participant's outcome email has arrived at the sink (or ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sink.lock:
            arrived = sum(1 for address in addresses if sink.per_recipient[address])
        if arrived == len(addresses):
            break
        time.sleep(1.0)
    time.sleep(3.0)  # a second email to anyone would arrive now
    with sink.lock:
        counts = [sink.per_recipient[address] for address in addresses]
    return {
        "participants": len(addresses),
        "emailed_once": sum(1 for count in counts if count == 1),
        "emailed_twice_or_more": sum(1 for count in counts if count > 1),
        "not_emailed": sum(1 for count in counts if count == 0),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seats", type=int, default=200)
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--quotas", action="store_true", help="the quota variant (see above)")
    parser.add_argument(
        "--timeout", type=float, default=30, help="seconds a client waits for each answer (issue 22: 30)"
    )
    parser.add_argument("--workers", type=int, default=2, help="task workers deciding the queue and sending the emails")
    args = parser.parse_args()
    sink, controller, worker_env = smtp_sink()
    boot()
    hold_digests()  # the demo participant may be among the rush's people: one email each is counted
    resident = ResidentWorkers(args.workers, worker_env)
    try:
        resident.ready()
        run(args, sink, RushMeter(resident))
    finally:
        resident.stop()
        controller.stop()


def run(args, sink, meter):
    from events.models import Registration

    event, links = make_event_and_registrations(seats=args.seats, participants=args.participants, quotas=args.quotas)
    print(
        f"Rush: {len(links):,} participants confirm at once for {args.seats} seats "
        f"({args.concurrency} concurrent clients) — {event.get_absolute_url()}",
        flush=True,
    )
    shares = [links[index :: args.concurrency] for index in range(args.concurrency)]
    start_together = threading.Barrier(args.concurrency)

    def client(share):
        with requests.Session() as session:
            start_together.wait()
            return [confirm_one(session, args.base, link, args.timeout) for link in share]

    meter.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        results = [row for rows in pool.map(client, shares) for row in rows]
    wall = time.perf_counter() - started

    counts = {status: 0 for status in Registration.Status.values}
    for row in Registration.objects.filter(event=event).values("status").order_by():
        counts[row["status"]] += 1
    errors = [row for row in results if row["error"]]
    addresses = {
        email.lower() for email in Registration.objects.filter(event=event).values_list("participant__email", flat=True)
    }
    cpu_rush = meter.per(len(links))  # until everyone was told (emails may still be on their way)
    emails = wait_for_emails(sink, addresses, timeout=600)
    cpu_all = meter.per(len(links))  # and until every email arrived
    told_ms = [row["told_ms"] for row in results if "told_ms" in row]
    post_ms = [row["post_ms"] for row in results if "post_ms" in row]
    total_ms = [row["total_ms"] for row in results if "total_ms" in row]
    get_ms = [row["get_ms"] for row in results if "get_ms" in row]
    answered = {"confirmed": 0, "waitlisted": 0}
    for row in results:
        if row.get("outcome"):
            answered[row["outcome"]] += 1
    expected_waitlisted = max(0, len(links) - args.seats)
    arrival = arrival_order(event, quotas=args.quotas)
    report = {
        "event": event.get_absolute_url(),
        "seats": args.seats,
        "participants": len(links),
        "concurrency": args.concurrency,
        "wall_s": round(wall, 2),
        "confirmations_per_s": round(len(links) / wall, 1),
        "db": counts,
        "pages_said": answered,
        "errors": len(errors),
        "client_timeout_s": args.timeout,
        "timeouts": sum(1 for row in results if row.get("timed_out")),
        "error_examples": sorted({row["error"] for row in errors})[:5],
        "post_ms": {
            "p50": round(statistics.median(post_ms), 1) if post_ms else None,
            "p95": round(percentile(post_ms, 0.95), 1),
            "p99": round(percentile(post_ms, 0.99), 1),
            "max": round(max(post_ms), 1) if post_ms else None,
        },
        "get_ms": {"p95": round(percentile(get_ms, 0.95), 1), "p99": round(percentile(get_ms, 0.99), 1)},
        "get_and_post_ms": {"p95": round(percentile(total_ms, 0.95), 1), "p99": round(percentile(total_ms, 0.99), 1)},
        "told_ms": {
            "p50": round(statistics.median(told_ms), 1) if told_ms else None,
            "p95": round(percentile(told_ms, 0.95), 1),
            "p99": round(percentile(told_ms, 0.99), 1),
            "max": round(max(told_ms), 1) if told_ms else None,
        },
        "polls_per_person": round(sum(row["polls"] for row in results) / max(len(results), 1), 2),
        "workers": args.workers,
        "emails": emails,
        "cpu_ms_per_confirmation": {"during_the_rush": cpu_rush, "with_the_emails": cpu_all},
        "arrival_order": arrival,
    }
    if args.quotas:
        report["quotas"] = check_quotas(event)
        report["ok"] = (
            report["quotas"]["ok"]
            and counts["pending"] == 0
            and not errors
            and answered == {"confirmed": counts["confirmed"], "waitlisted": counts["waitlisted"]}
            and arrival["ok"]
            and emails["emailed_once"] == len(links)
        )
    else:
        report["ok"] = (
            counts["confirmed"] == args.seats
            and counts["waitlisted"] == expected_waitlisted
            and counts["pending"] == 0
            and not errors
            and answered == {"confirmed": args.seats, "waitlisted": expected_waitlisted}
            and arrival["ok"]
            and emails["emailed_once"] == len(links)
        )
    if args.quotas:
        for row in report["quotas"]["per_quota"]:
            print(f"  quota {row['quota']}: {row['taken']} of {row['reserved']} reserved seats taken")
        print(
            f"  seated {report['quotas']['seated']} of {args.seats}; reserved seats held by non-matching people: "
            f"{report['quotas']['mismatched']}; waiting who could have had a seat: {report['quotas']['could_sit']}"
        )
    want = "quota rule" if args.quotas else args.seats
    print(
        f"  confirmed {counts['confirmed']} (want {want}), waitlisted {counts['waitlisted']} "
        f"(want {expected_waitlisted}), pending {counts['pending']}, errors {len(errors)} "
        f"({report['timeouts']} of them timeouts at {args.timeout:g} s); "
        f"POST p95 {report['post_ms']['p95']} ms, p99 {report['post_ms']['p99']} ms; "
        f"{report['confirmations_per_s']} confirmations/s over {report['wall_s']} s — "
        f"{'OK' if report['ok'] else 'FAILED'}"
    )
    print(
        f"  told their outcome: p50 {report['told_ms']['p50']} ms, p95 {report['told_ms']['p95']} ms, "
        f"p99 {report['told_ms']['p99']} ms, slowest {report['told_ms']['max']} ms "
        f"({report['polls_per_person']} status polls a person); arrival order "
        f"{'kept' if arrival['ok'] else 'NOT kept'}; emails: {emails['emailed_once']:,} exactly once, "
        f"{emails['emailed_twice_or_more']} twice or more, {emails['not_emailed']} none"
    )
    print(f"  CPU per confirmation (ms) during the rush: {cpu_rush}; with the emails: {cpu_all}")
    for example in report["error_examples"]:
        print(f"  error: {example}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
