#!/usr/bin/env python
"""Digest throughput: the weekly digests of 50,000 followers, sent by the task workers to a local sink.

    .venv/bin/python scripts/bench/digests.py --out var/bench/digests.json [--followers 50000] [--workers 2]
        [--period-days 7] [--create-missing]

--followers participants of the dataset (generate.py's; with --create-missing, participants
are added first when there are fewer) each follow one observatory and one topic, at random;
every other subscriber's digest is turned off, so that the run sends these followers' digests
only. The run of the week that ends now is started as the workers' sweep starts one
(following.schedule.start_run: the DigestRun row and its batch tasks of DIGEST_BATCH_SIZE in
one transaction); --workers resident `manage.py run_worker` processes, booted before the run
(as deployed; reminders.ResidentWorkers), sending through an SMTP sink on loopback (aiosmtpd),
work the batches; the rate is the emails over the time from the run's start to the last email.
With --boot-workers (before session nine), `run_worker --batch` processes are started after the
run's start instead and work the queue until it is empty, their boots counted. Each batch writes
its Digest rows and outbox rows in one transaction and the outbox delivers them after commit,
as in production. Each follower whose follows matched something must get exactly one email
(Digest rows = emails received = outbox rows sent, nobody twice).

A dataset without a week's content (the demo alone) can be measured over a longer period
(--period-days 400): the digests then hold more items, which costs more, not less.
"""

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpu
from boot import boot
from reminders import ResidentWorkers, run_workers, smtp_sink


def create_participants(count: int, *, now) -> None:
    """Cheap participants (one password hash for all, as generate.py makes them)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from accounts.models import PrivacyPolicy, Profile
    from portal.models import Country

    User = get_user_model()
    password = make_password("bench-participant-2026")
    stamp = now.strftime("%Y%m%d%H%M%S")
    users = User.objects.bulk_create(
        [
            User(email=f"follower.{stamp}.{index}@bench.example", full_name=f"Follower {index}", password=password)
            for index in range(count)
        ],
        batch_size=2000,
    )
    countries = list(Country.objects.filter(code__in=["CL", "CO", "MX", "PE"]))
    policy = PrivacyPolicy.current()
    Profile.objects.bulk_create(
        [
            Profile(
                user=user,
                organisation="Benchmark",
                position="Analyst",
                sector=random.choice([value for value, _label in Profile.Sector.choices]),
                country=random.choice(countries),
                preferred_language="es" if random.random() < 0.7 else "en",
                privacy_policy_version=policy.version if policy else "1.0",
                privacy_consented_at=now,
            )
            for user in users
        ],
        batch_size=2000,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users], batch_size=2000
    )


def make_followers(user_ids: list[int]) -> None:
    """These participants get the weekly digest and follow one observatory and one topic, at random."""
    from django.contrib.contenttypes.models import ContentType

    from following.models import Follow, Subscriber
    from observatory.models import Observatory
    from portal.models import Topic

    observatories = list(Observatory.objects.public().values_list("pk", flat=True))
    topics = list(Topic.objects.values_list("pk", flat=True))
    observatory_type = ContentType.objects.get_for_model(Observatory)
    topic_type = ContentType.objects.get_for_model(Topic)
    Subscriber.objects.filter(user_id__in=user_ids).update(
        frequency=Subscriber.Frequency.WEEKLY, follows_everything=False
    )
    have = set(Subscriber.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True))
    Subscriber.objects.bulk_create(
        [Subscriber(user_id=pk, frequency=Subscriber.Frequency.WEEKLY) for pk in user_ids if pk not in have],
        batch_size=2000,
    )
    follows = []
    for pk in user_ids:
        follows.append(Follow(user_id=pk, content_type=observatory_type, object_id=random.choice(observatories)))
        follows.append(Follow(user_id=pk, content_type=topic_type, object_id=random.choice(topics)))
    Follow.objects.bulk_create(follows, batch_size=5000, ignore_conflicts=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--followers", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--period-days", type=int, default=7)
    parser.add_argument("--create-missing", action="store_true")
    parser.add_argument(
        "--boot-workers", action="store_true", help="start the workers after the run's start (their boot counted)"
    )
    args = parser.parse_args()

    sink, controller, worker_env = smtp_sink()
    os.environ.update(worker_env)
    boot()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from following import schedule
    from following.models import Digest, DigestRun, Subscriber
    from following.registry import Period
    from portal.models import OutboundEmail

    try:
        waiting = DBTaskResult.objects.ready().count()
        drained = 0.0
        if waiting:
            print(f"Digests: working off {waiting} task(s) already queued first (not measured)…", flush=True)
            drained, _codes = run_workers(1, worker_env)
        sink.reset()

        now = timezone.now()
        participants = get_user_model().objects.filter(is_active=True, is_staff=False, profile__isnull=False)
        if args.create_missing and participants.count() < args.followers:
            missing = args.followers - participants.count()
            print(f"Digests: adding {missing:,} participants first…", flush=True)
            create_participants(missing, now=now)
        people = list(participants.order_by("?").values_list("pk", "email")[: args.followers])
        if len(people) < args.followers:
            raise SystemExit(f"Only {len(people)} participants in the database; run generate.py (or --create-missing).")
        ids = [pk for pk, _email in people]

        setup_started = time.monotonic()
        Subscriber.objects.update(frequency=Subscriber.Frequency.NONE)
        make_followers(ids)
        setup_s = time.monotonic() - setup_started

        # The schedule's own periods are marked started, so that the workers' sweeps do not send these
        # followers a second digest (of the calendar week) while the run is measured.
        for frequency in (Subscriber.Frequency.WEEKLY, Subscriber.Frequency.DAILY):
            due = schedule.latest_period(frequency, now=now)
            DigestRun.objects.get_or_create(frequency=frequency, period_start=due.start, period_end=due.end)
        period = Period(start=now - timedelta(days=args.period_days), end=now, frequency=Subscriber.Frequency.WEEKLY)
        resident = ResidentWorkers(args.workers, worker_env) if not args.boot_workers else None
        if resident is not None:
            print(f"Digests: starting {args.workers} resident worker(s)…", flush=True)
            resident.ready()
        enqueue_started = time.monotonic()
        run = schedule.start_run(period)  # what the workers' sweep does when the week's digests are due
        enqueue_s = time.monotonic() - enqueue_started
        print(
            f"Digests: {len(ids):,} followers (one observatory and one topic each), the run of the last "
            f"{args.period_days} days started in {enqueue_s:.1f}s with {run.batches} batch task(s) of "
            f"{settings.DIGEST_BATCH_SIZE}; {args.workers} worker(s) send them to the SMTP sink on "
            f"127.0.0.1:{worker_env['EMAIL_PORT']}…",
            flush=True,
        )
        meter = cpu.Meter()
        meter.start()
        if resident is not None:
            # Done when no batch task is waiting or running and the digests written have all arrived.
            deadline = time.monotonic() + 1800
            while time.monotonic() < deadline:
                time.sleep(0.2)
                if (
                    not DBTaskResult.objects.ready().exists()
                    and not DBTaskResult.objects.running().exists()
                    and sink.messages >= Digest.objects.filter(run=run).count()
                ):
                    break
            time.sleep(0.5)  # a second email to anyone would arrive now
            workers_cpu = resident.spent()
            codes = resident.stop()
            # From the run's start to the last email: what a deployment's workers take.
            wall = ((sink.last or time.monotonic()) - enqueue_started) if sink.messages else 0.0
            spent = meter.stop(sink.messages)
            spent["workers_cpu_s"] = round(workers_cpu, 1)
            if sink.messages:
                spent["workers_cpu_ms_per_email"] = round(workers_cpu * 1000 / sink.messages, 2)
        else:
            wall, codes = run_workers(args.workers, worker_env)
            time.sleep(0.5)  # the sink's last messages
            # Who spent the CPU (workers, the sink in this process, PostgreSQL): what limits the rate.
            spent = meter.stop(sink.messages)

        wanted = {email.lower() for _pk, email in people}
        got = sink.per_recipient
        digests = Digest.objects.filter(run=run)
        digest_count = digests.count()
        with_digest = {email.lower() for email in digests.values_list("subscriber__user__email", flat=True) if email}
        doubled = [email for email in got if got[email] > 1]
        strangers = [email for email in got if email not in wanted]
        unsent = [email for email in with_digest if got[email] == 0]
        sent_rows = OutboundEmail.objects.filter(
            kind="following.digest", state=OutboundEmail.State.SENT, key__startswith=f"following.digest:{run.pk}:"
        ).count()
        failed = DBTaskResult.objects.filter(status="FAILED").count()
        items = Counter(digests.values_list("item_count", flat=True))
        sending_s = (sink.last - sink.first) if sink.first and sink.last and sink.last > sink.first else wall
        report = {
            "followers": len(ids),
            "workers": args.workers,
            "workers_resident": resident is not None,
            "period_days": args.period_days,
            "setup_s": round(setup_s, 1),
            "enqueue_s": round(enqueue_s, 1),
            "batch_size": settings.DIGEST_BATCH_SIZE,
            "batches": run.batches,
            "drained_before": waiting,
            "drain_s": round(drained, 1),
            "digests_written": digest_count,
            "followers_nothing_matched": len(ids) - digest_count,
            "items_per_digest_mean": round(sum(k * v for k, v in items.items()) / digest_count, 1)
            if digest_count
            else 0,
            "emails_received": sink.messages,
            "outbox_rows_sent": sent_rows,
            "worker_wall_s": round(wall, 1),
            "first_to_last_email_s": round(sending_s, 1),
            "emails_per_s": round(sink.messages / wall, 1) if wall else 0.0,
            "emails_per_s_while_sending": round(sink.messages / sending_s, 1) if sending_s else 0.0,
            **spent,
            "load_average_after": round(os.getloadavg()[0], 2),
            "digests_not_received": len(unsent),
            "recipients_more_than_once": len(doubled),
            "unexpected_recipients": len(strangers),
            "failed_tasks": failed,
            "worker_exit_codes": codes,
        }
        report["ok"] = (
            digest_count > 0
            and not unsent
            and not doubled
            and not strangers
            and sink.messages == digest_count == sent_rows
        )
        print(
            f"  {sink.messages:,} digests in {wall:.1f}s with {args.workers} worker(s): {report['emails_per_s']} "
            f"emails/s ({report['emails_per_s_while_sending']}/s from first to last email); "
            f"{report['followers_nothing_matched']:,} matched nothing; not received {len(unsent)}, more than once "
            f"{len(doubled)}, failed tasks {failed} — {'OK' if report['ok'] else 'FAILED'}; the workers used "
            f"{spent['workers_cpu_s']:.1f} s of CPU; CPU per email (ms): {cpu.summary(spent)}"
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
