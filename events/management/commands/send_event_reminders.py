"""Send every event reminder that is due and not yet sent.

The task worker sends reminders at their time (tasks deferred with ``run_after``); this
command is the safety net, safe to run from cron as often as wanted (e.g. every 10
minutes): each reminder is sent once, whoever sends it first.
"""

from django.core.management.base import BaseCommand

from events import services


class Command(BaseCommand):
    help = "Send the due event reminders (idempotent; safe to run from cron)."

    def handle(self, *args, **options):
        sent = services.send_due_reminders()
        if options["verbosity"]:
            self.stdout.write(f"{sent} reminder(s) sent.")
