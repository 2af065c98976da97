"""Send the digests now, without waiting for the schedule (the demo; a digest missed by hand).

    manage.py send_digests --now              # the last 7 days (weekly) and the last day (daily), up to now
    manage.py send_digests --now --days 30    # a longer period, to see a digest in the demo
    manage.py send_digests                    # what the schedule says is due (as the workers' sweep does)

A run is started as the schedule starts one (its batch tasks go to the queue with it), and its
batches are then also worked here, in this process, so that the emails are queued before the
command ends (a worker that takes the same batch finds it done: each digest goes once). The
outbox delivers them after each batch, like every email of the portal.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from following import digests, schedule
from following.models import Digest, Subscriber
from following.registry import Period


class Command(BaseCommand):
    help = "Send the digests due now, or (--now) those of the period that ends now."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="The period that ends now, whatever the schedule.")
        parser.add_argument("--days", type=int, default=0, help="With --now: the period's length in days.")
        parser.add_argument(
            "--frequency", choices=[Subscriber.Frequency.WEEKLY, Subscriber.Frequency.DAILY], action="append"
        )

    def handle(self, *args, now=False, days=0, frequency=None, **options):
        moment = timezone.now()
        frequencies = frequency or [Subscriber.Frequency.WEEKLY, Subscriber.Frequency.DAILY]
        for which in frequencies:
            if now:
                length = timedelta(days=days or (7 if which == Subscriber.Frequency.WEEKLY else 1))
                period = Period(start=moment - length, end=moment, frequency=which)
            else:
                period = schedule.latest_period(which, now=moment)
            run = schedule.start_run(period)
            if run is None:
                self.stdout.write(f"{which}: the digests of {digests.period_label(period)} were sent already.")
                continue
            ids = list(schedule.due_subscribers(which).order_by("pk").values_list("pk", flat=True))
            for first in range(0, len(ids), settings.DIGEST_BATCH_SIZE):
                digests.send_batch(run.pk, ids[first : first + settings.DIGEST_BATCH_SIZE])
            sent = Digest.objects.filter(run=run).count()
            self.stdout.write(
                self.style.SUCCESS(
                    f"{which}: {digests.period_label(period)}: {run.subscribers} subscriber(s), {sent} digest(s) "
                    "sent (nothing goes to anyone whose follows matched nothing)."
                )
            )
