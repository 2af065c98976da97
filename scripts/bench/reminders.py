#!/usr/bin/env python
"""Reminder throughput: the task worker sends an event's reminders through SMTP to a local sink.

    .venv/bin/python scripts/bench/reminders.py --out var/bench/reminders.json [--participants 10000] [--workers 2]

An SMTP sink (aiosmtpd) listens on loopback and counts the messages per recipient. An event
starting in 12 hours (its reminder, 24 hours before, is due) gets --participants confirmed
registrations, confirmed two days ago: then the first confirmation enqueued the event's
reminder task (`send_event_reminders`, events.services.schedule_event_reminders) for the
reminder time, which has now passed, so it is enqueued here the same way. One
`run_worker` runs that task, which splits the reminders into `send_reminder_batch` tasks
of emails.REMINDER_BATCH_SIZE (a worker in --batch mode stops when it finds the queue
empty, so the others would stop before the batches exist); then --workers `manage.py
run_worker --batch` processes, configured to send through the sink, work the batches until
the queue is empty. Each participant must get exactly one email.

Tasks already waiting in the queue (the demo's notifications) are worked off first, so
that the measured run sends reminders only.

Since session eight the --workers are resident, as deployed: started and booted before the
reminder task is enqueued (a worker's boot is ~2.7 s of CPU, a fifth of the run's before), and
the rate is the emails over the time from that enqueue to the last email, the workers' CPU read
from /proc over the same time. --boot-workers measures as before: the splitting worker and then
the sending ones started for the run (`run_worker --batch`), their boots counted.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpu
from boot import ROOT, boot


class CountingSink:
    """aiosmtpd handler: counts each message per recipient and notes the first and last arrival."""

    def __init__(self):
        self.per_recipient: Counter[str] = Counter()
        self.messages = 0
        self.first = self.last = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        now = time.monotonic()
        with self.lock:
            self.messages += 1
            for recipient in envelope.rcpt_tos:
                self.per_recipient[recipient.lower()] += 1
            self.first = self.first or now
            self.last = now
        return "250 Message accepted"

    def reset(self):
        with self.lock:
            self.per_recipient.clear()
            self.messages = 0
            self.first = self.last = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_workers(count: int, env: dict, *options: str) -> tuple[float, list[int]]:
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "run_worker",
                "--batch",
                "--no-startup-delay",
                "--queue-name",
                "default",
                "--worker-id",
                f"bench-{index}-{os.getpid()}",
                "-v",
                "0",
                *options,
            ],
            cwd=ROOT,
            env=env,
        )
        for index in range(count)
    ]
    codes = [worker.wait(timeout=1800) for worker in workers]
    return time.monotonic() - started, codes


class ResidentWorkers:
    """Workers started before the work exists and left running, as deployed: a worker's boot (Django's
    setup, ~2.7 s of CPU on this machine) is not the emails' cost, nor its wall time theirs. Their CPU
    is read from /proc between ``ready()`` and ``spent()``; ``stop()`` ends them (SIGTERM: each finishes
    its task first)."""

    def __init__(self, count: int, env: dict):
        self.processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "run_worker",
                    "--no-startup-delay",
                    "--interval",
                    "0.1",
                    "--queue-name",
                    "default",
                    "--worker-id",
                    f"bench-resident-{index}-{os.getpid()}",
                    "-v",
                    "0",
                ],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
            )
            for index in range(count)
        ]
        self.baseline = 0.0

    def _cpu(self) -> float:
        return sum(cpu.process_cpu(worker.pid) for worker in self.processes)

    def ready(self, timeout: float = 120) -> None:
        """Once every worker has booted and only polls the queue (its CPU stands still), note its CPU."""
        deadline = time.monotonic() + timeout
        before = self._cpu()
        while time.monotonic() < deadline:
            time.sleep(1.0)
            if any(worker.poll() is not None for worker in self.processes):
                raise SystemExit("A resident worker exited before the run.")
            now = self._cpu()
            if now - before < 0.05 * len(self.processes):
                break
            before = now
        self.baseline = self._cpu()

    def spent(self) -> float:
        return self._cpu() - self.baseline

    def stop(self) -> list[int]:
        for worker in self.processes:
            worker.terminate()
        return [worker.wait(timeout=120) for worker in self.processes]


def smtp_sink():
    """An aiosmtpd sink on a free loopback port, started: (the counting handler, its controller, the
    environment that sends a worker's emails to it)."""
    from aiosmtpd.controller import Controller

    sink = CountingSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    worker_env = {**os.environ, "EMAIL_BACKEND": "smtp", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}
    worker_env.update({"EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": "", "EMAIL_USE_TLS": "false"})
    return sink, controller, worker_env


def hold_digests() -> None:
    """The workers' sweeps would start the digests of a period that falls due during a run (the
    demo participant's, from seed_demo): not what a run measures, and a second email to someone
    the run counts. The latest periods are marked as started, in this copy of the dataset only."""
    from django.utils import timezone

    from following import schedule
    from following.models import DigestRun, Subscriber

    for frequency in (Subscriber.Frequency.WEEKLY, Subscriber.Frequency.DAILY):
        due = schedule.latest_period(frequency, now=timezone.now())
        DigestRun.objects.get_or_create(frequency=frequency, period_start=due.start, period_end=due.end)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--boot-workers",
        action="store_true",
        help="start the workers for the run (`run_worker --batch`), their boot counted, as before session eight",
    )
    args = parser.parse_args()

    sink, controller, worker_env = smtp_sink()
    os.environ.update(worker_env)
    boot()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from events import emails, services
    from events.models import Event, Registration, ReminderRule
    from portal.models import Status

    resident = None
    try:
        hold_digests()
        waiting = DBTaskResult.objects.ready().count()
        drained = 0.0
        if waiting:
            print(f"Reminders: working off {waiting} task(s) already queued first (not measured)…", flush=True)
            drained, _codes = run_workers(1, worker_env)
        sink.reset()

        # Resident workers boot before the event exists: their first sweep (portal.workers) would
        # otherwise find its reminders owed and send them before the measured enqueue.
        resident = ResidentWorkers(args.workers, worker_env) if not args.boot_workers else None
        if resident is not None:
            print(f"Reminders: starting {args.workers} resident worker(s)…", flush=True)
            resident.ready()
        now = timezone.now()
        stamp = now.strftime("%Y%m%d-%H%M%S")
        event = Event.objects.create(
            title=f"Regional seminar on public procurement (benchmark reminders {stamp})",
            slug=f"bench-reminders-{stamp}",
            kind=Event.Kind.WEBINAR,
            format=Event.Format.VIRTUAL,
            summary="A webinar with many confirmed participants: the benchmark's reminder run.",
            time_zone="America/Mexico_City",
            start=now + timedelta(hours=12),
            end=now + timedelta(hours=14),
            online_url="https://meet.example/bench-reminders",
            registration_enabled=True,
            status=Status.PUBLISHED,
            published_at=now - timedelta(days=7),
            first_published_at=now - timedelta(days=7),
        )
        ReminderRule.objects.create(event=event, hours_before=24)
        people = list(
            get_user_model()
            .objects.filter(is_active=True, is_staff=False, profile__isnull=False)
            .order_by("?")
            .values_list("pk", "email")[: args.participants]
        )
        if len(people) < args.participants:
            raise SystemExit(f"Only {len(people)} participants in the database; run generate.py first.")
        confirmed_at = now - timedelta(days=2)
        registrations = Registration.objects.bulk_create(
            [
                Registration(
                    event=event,
                    participant_id=pk,
                    status=Registration.Status.CONFIRMED,
                    created_at=confirmed_at,
                    status_changed_at=confirmed_at,
                    confirmed_at=confirmed_at,
                    status_notified_at=confirmed_at,
                )
                for pk, _email in people
            ],
            batch_size=2000,
        )
        meter = cpu.Meter()
        meter.start()
        enqueued_from = timezone.now()
        enqueue_started = time.monotonic()
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event.pk)
            services.schedule_event_reminders(event=event)  # due already: enqueued to run at once
        enqueue_s = time.monotonic() - enqueue_started
        how = "running already" if resident is not None else "started for the run (their boot counted)"
        print(
            f"Reminders: {len(registrations):,} confirmed participants, the event's reminder task enqueued "
            f"in {enqueue_s:.1f}s; a worker splits it into batches of {emails.REMINDER_BATCH_SIZE}, then "
            f"{args.workers} worker(s), {how}, send them to the SMTP sink on 127.0.0.1:{worker_env['EMAIL_PORT']}…",
            flush=True,
        )

        if resident is not None:
            # Done when every email arrived and no task is waiting or running (or after 15 minutes).
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                time.sleep(0.2)
                if (
                    sink.messages >= len(people)
                    and not DBTaskResult.objects.ready().exists()
                    and not DBTaskResult.objects.running().exists()
                ):
                    break
            time.sleep(0.5)  # a second email to anyone would arrive now
            workers_cpu = resident.spent()
            codes = resident.stop()
            split_s = 0.0
            batches = DBTaskResult.objects.filter(
                task_path="events.tasks.send_reminder_batch", enqueued_at__gte=enqueued_from
            ).count()
            # From the reminder task's enqueue to the last email: what a deployment's workers take.
            wall = sending_wall = ((sink.last or time.monotonic()) - enqueue_started) if sink.messages else 0.0
            spent = meter.stop(sink.messages)
            spent["workers_cpu_s"] = round(workers_cpu, 1)
            if sink.messages:
                spent["workers_cpu_ms_per_email"] = round(workers_cpu * 1000 / sink.messages, 2)
        else:
            split_s, split_codes = run_workers(1, worker_env, "--max-tasks", "1")
            batches = DBTaskResult.objects.ready().filter(task_path="events.tasks.send_reminder_batch").count()
            sending_wall, codes = run_workers(args.workers, worker_env)
            codes = split_codes + codes
            wall = split_s + sending_wall
            time.sleep(0.5)  # the sink's last messages
            # Who spent the CPU (workers, the sink in this process, PostgreSQL): what limits the rate.
            spent = meter.stop(sink.messages)

        wanted = {email.lower() for _pk, email in people}
        got = sink.per_recipient
        missing = [email for email in wanted if got[email] == 0]
        doubled = [email for email in wanted if got[email] > 1]
        strangers = [email for email in got if email not in wanted]
        stamped = Registration.objects.filter(event=event, reminders_sent__isnull=False).count()
        failed = DBTaskResult.objects.filter(status="FAILED").count()
        sending_s = (sink.last - sink.first) if sink.first and sink.last and sink.last > sink.first else wall
        report = {
            "participants": len(people),
            "workers": args.workers,
            "workers_resident": resident is not None,
            "enqueue_s": round(enqueue_s, 1),
            "batch_size": emails.REMINDER_BATCH_SIZE,
            "batches": batches,
            "split_s": round(split_s, 1),
            "sending_wall_s": round(sending_wall, 1),
            "drained_before": waiting,
            "drain_s": round(drained, 1),
            "emails_received": sink.messages,
            "worker_wall_s": round(wall, 1),
            "first_to_last_email_s": round(sending_s, 1),
            "emails_per_s": round(sink.messages / wall, 1) if wall else 0.0,
            "emails_per_s_while_sending": round(sink.messages / sending_s, 1) if sending_s else 0.0,
            "recipients_missing": len(missing),
            "recipients_more_than_once": len(doubled),
            "unexpected_recipients": len(strangers),
            # Who they were (a generated address says which part of the dataset wrote to them).
            "unexpected_examples": sorted(strangers)[:5],
            "registrations_stamped_sent": stamped,
            "failed_tasks": failed,
            "worker_exit_codes": codes,
            **spent,
            "load_average_after": round(os.getloadavg()[0], 2),
        }
        report["ok"] = (
            not missing and not doubled and not strangers and stamped == len(people) and sink.messages == len(people)
        )
        print(
            f"  {sink.messages:,} emails in {wall:.1f}s with {args.workers} worker(s): "
            f"{report['emails_per_s']} emails/s "
            f"({report['emails_per_s_while_sending']}/s from first to last email); missing {len(missing)}, "
            f"more than once {len(doubled)}, failed tasks {failed} — {'OK' if report['ok'] else 'FAILED'}; "
            f"CPU per email (ms): {cpu.summary(spent)}"
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    finally:
        if resident is not None and any(worker.poll() is None for worker in resident.processes):
            resident.stop()  # an early exit (too few participants…) leaves no worker behind
        controller.stop()


if __name__ == "__main__":
    main()
