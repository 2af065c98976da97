"""The portal's task worker: django-tasks-db's ``db_worker`` with heartbeats, take-overs and sweeps.

    manage.py run_worker                 # as many as needed, on as many machines as needed
    manage.py run_worker --batch         # run what is queued, then stop (tests, one-off runs)

See portal.workers for what it guarantees.
"""

import os

from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from portal import tasks, workers


class LeasedWorker(db_worker.Worker):
    """A worker that beats while it lives, so that the others can take over its tasks if it dies."""

    def run(self) -> None:
        workers.beat(self.worker_id, started_at=timezone.now())  # before the first task is claimed
        housekeeper = workers.Housekeeper(self.worker_id, schedule_sweep=tasks.enqueue_sweep)
        housekeeper.start()
        try:
            if not self.batch:
                tasks.enqueue_sweep()  # what a worker killed earlier left owed goes out at once
            super().run()
        finally:
            housekeeper.stop()
            housekeeper.join(timeout=5)
            workers.forget(self.worker_id)


class Command(db_worker.Command):
    help = "Run a task worker (django-tasks-db) that beats, takes over lost tasks and sweeps what is owed."

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, reload, max_tasks,
               worker_id, exclude_queues, **options):  # fmt: skip
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise db_worker.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = LeasedWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
