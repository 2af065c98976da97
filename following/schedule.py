"""When digests go: each frequency's latest period whose sending time has passed, started once.

A daily digest covers a calendar day and a weekly one a week from Monday, in the site's time
zone (TIME_ZONE); each is sent from DIGEST_SEND_HOUR the next morning. The workers' sweep
(every WORKER_SWEEP_SECONDS) starts the run of the latest period due, once: the DigestRun row is
unique per frequency and period, and it is written in the same transaction as the batch tasks
it enqueues (the tasks' queue is in the database), so a crash leaves both or neither. A period
missed while no worker ran is not sent late once a newer one is due: digests are news.
"""

from datetime import datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from following.models import DigestRun, Follow, Subscriber
from following.registry import Period
from following.tasks import send_digest_batch

Frequency = Subscriber.Frequency
LENGTH = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}


def latest_period(frequency: str, *, now: datetime | None = None) -> Period:
    """The latest complete period of ``frequency`` whose sending time has come."""
    now = now or timezone.now()
    zone = timezone.get_default_timezone()
    today = timezone.localtime(now, zone).date()
    first = today if frequency == Frequency.DAILY else today - timedelta(days=today.weekday())
    end = timezone.make_aware(datetime.combine(first, time(0)), zone)
    if now < end + timedelta(hours=settings.DIGEST_SEND_HOUR):
        end = timezone.make_aware(datetime.combine(first - LENGTH[frequency], time(0)), zone)
    start = timezone.make_aware(
        datetime.combine(timezone.localtime(end, zone).date() - LENGTH[frequency], time(0)), zone
    )
    return Period(start=start, end=end, frequency=frequency)


def due_subscribers(frequency: str):
    """Who receives this frequency's digest: confirmed newsletter addresses, and active participants
    with a verified address who follow something (or everything)."""
    verified = EmailAddress.objects.filter(user=OuterRef("user_id"), verified=True)
    follows = Follow.objects.filter(user=OuterRef("user_id"))
    newsletter = Q(user__isnull=True, confirmed_at__isnull=False)
    participant = Q(user__is_active=True) & Q(Exists(verified)) & (Q(follows_everything=True) | Q(Exists(follows)))
    return Subscriber.objects.filter(frequency=frequency).filter(newsletter | participant)


def start_run(period: Period) -> DigestRun | None:
    """The run of ``period``, with its batch tasks; None when it was started before."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = DigestRun.objects.create(
                    frequency=period.frequency, period_start=period.start, period_end=period.end
                )
        except IntegrityError:
            return None
        ids = list(due_subscribers(period.frequency).order_by("pk").values_list("pk", flat=True))
        size = settings.DIGEST_BATCH_SIZE
        batches = [ids[first : first + size] for first in range(0, len(ids), size)]
        run.subscribers, run.batches = len(ids), len(batches)
        run.save(update_fields=["subscribers", "batches"])
        for batch in batches:
            # In the transaction, not after it: the queue is a table, so the run and its batches
            # commit together (a worker sees them only then).
            send_digest_batch.enqueue(run.pk, batch)
    return run


def start_due_runs(*, now: datetime | None = None) -> int:
    """The workers' sweep: start each frequency's latest period if it is not started yet."""
    started = 0
    for frequency in (Frequency.DAILY, Frequency.WEEKLY):
        if start_run(latest_period(frequency, now=now)) is not None:
            started += 1
    return started
