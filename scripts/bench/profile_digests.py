#!/usr/bin/env python
"""Digest batches in-process, to an SMTP sink in another process: CPU per digest by part.

    .venv/bin/python scripts/bench/profile_digests.py --followers 3000 [--profile]

Against a copy of the benchmark's dataset (DATABASE_URL; it adds subscribers, follows and a digest
run, as digests.py does): an aiosmtpd sink is started in its own process, the first batch renders
the run's pieces (not measured), then the remaining batches are composed, queued and delivered by
``following.digests.send_batch`` in this process, as a worker does. Printed: this thread's CPU per
digest (what a worker spends), the database backend's and the sink's, and the stored size of the
messages. With ``--profile``, cProfile on thread time (waiting excluded; small functions come out
several times their real cost, so time them apart before changing them).
"""

import argparse
import cProfile
import os
import pstats
import random
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpu
from boot import boot
from digests import make_followers
from reminders import free_port


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, default=3000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"]
    )
    os.environ.update(
        {"EMAIL_BACKEND": "smtp", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "EMAIL_USE_TLS": "false"}
    )
    os.environ.update({"EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": ""})
    try:
        time.sleep(1.5)  # the sink's start
        boot()
        run(args, sink.pid)
    finally:
        sink.terminate()


def run(args, sink_pid: int) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from following import digests
    from following.models import DigestRun, Subscriber
    from portal.models import OutboundEmail

    random.seed(7)
    people = get_user_model().objects.filter(is_active=True, is_staff=False, profile__isnull=False)
    ids = list(people.order_by("pk").values_list("pk", flat=True)[: args.followers])
    make_followers(ids)
    subscribers = list(Subscriber.objects.filter(user_id__in=ids).order_by("pk").values_list("pk", flat=True))
    # A period of its own each time (the run is unique per period): ends at a random recent second.
    end = timezone.now() - timedelta(seconds=random.SystemRandom().randint(1, 10**6))
    run = DigestRun.objects.create(frequency="weekly", period_start=end - timedelta(days=7), period_end=end)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 0")
        (backend,) = cursor.fetchone()

    size = settings.DIGEST_BATCH_SIZE
    digests.send_batch(run.pk, subscribers[:size])  # renders the run's pieces per language
    profile = cProfile.Profile(time.thread_time) if args.profile else None
    database = cpu.process_cpu(backend) if backend else 0.0
    sink, worker = cpu.process_cpu(sink_pid), time.thread_time()
    if profile:
        profile.enable()
    sent = sum(digests.send_batch(run.pk, subscribers[i : i + size]) for i in range(size, len(subscribers), size))
    if profile:
        profile.disable()
    worker = time.thread_time() - worker
    sink = cpu.process_cpu(sink_pid) - sink
    database = (cpu.process_cpu(backend) - database) if backend else float("nan")
    rows = OutboundEmail.objects.filter(key__startswith=f"following.digest:{run.pk}:")
    print(f"{sent} digests measured ({rows.filter(state='sent').count()} of the run's rows sent)")
    print(f"CPU per digest (ms): worker {worker * 1000 / sent:.2f}, database {database * 1000 / sent:.2f}, ", end="")
    print(f"sink {sink * 1000 / sent:.2f}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT avg(octet_length(message::text)), avg(pg_column_size(message)) FROM portal_outboundemail "
                "WHERE key LIKE %s",
                [f"following.digest:{run.pk}:%"],
            )
            text, stored = cursor.fetchone()
        print(f"a message: {text:,.0f} bytes of JSON, {stored:,.0f} stored")
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
