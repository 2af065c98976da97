"""Task workers that lose nothing: heartbeats, leases on running tasks, and scheduled sweeps.

``manage.py run_worker`` is django-tasks-db's worker plus a housekeeping thread that, while
the worker lives:

- **beats** every ``WORKER_HEARTBEAT_SECONDS`` (a WorkerHeartbeat row), also while a long
  task runs;
- **takes over** tasks left RUNNING by a worker whose heartbeat is older than
  ``WORKER_LEASE_SECONDS`` (killed with SIGKILL, out of memory, machine lost): they go back
  to READY and any worker runs them again. Every task of the portal is safe to run twice
  (emails are stamped under lock, portal.outbox). A task whose worker was lost
  ``WORKER_MAX_ATTEMPTS`` times is marked failed, so that one task cannot kill workers forever;
- **sweeps** every ``WORKER_SWEEP_SECONDS`` (a ``run_sweeps`` task, once in the queue at a
  time): each app's registered sweep (portal.registry.register_sweep) finds from its own
  state what it still owes (an email for a status change nobody told, a reminder due, an
  outgoing email whose retry time has come) and does it. No cron job and no person is needed.

Run workers with ``run_worker``, not plain ``db_worker``: a plain worker does not beat, so a
long task of its own would be taken over by the others after the lease.
"""

import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from portal import registry
from portal.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def beat(worker_id: str, *, started_at: datetime | None = None) -> None:
    now = timezone.now()
    defaults = {"host": socket.gethostname()[:255], "pid": os.getpid(), "seen_at": now}
    if started_at is not None:
        defaults["started_at"] = started_at
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults=defaults)


def forget(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def requeue_orphaned_tasks(*, now: datetime | None = None, exclude: tuple[str, ...] = ()) -> int:
    """Put back in the queue the tasks whose worker stopped beating; return how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    alive = set(WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).values_list(
        "id", "worker_ids", "started_at", "task_path"
    )
    taken_over = 0
    for task_id, worker_ids, started_at, task_path in running:
        last = worker_ids[-1] if worker_ids else None
        if last in alive or last in exclude:
            continue
        still_running = DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING, started_at=started_at)
        if len(worker_ids) >= settings.WORKER_MAX_ATTEMPTS:
            still_running.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="portal.workers.WorkerLost",
                traceback=f"The worker running this task was lost {len(worker_ids)} times; given up.",
            )
            logger.error("Task %s (%s) given up: its worker was lost %d times.", task_id, task_path, len(worker_ids))
            continue
        if still_running.update(status=TaskResultStatus.READY, started_at=None):
            taken_over += 1
            logger.warning("Task %s (%s) of lost worker %s is back in the queue.", task_id, task_path, last)
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    return taken_over


def run_sweeps() -> dict[str, int]:
    """Every registered sweep in turn; one that fails is logged and does not stop the others."""
    done = {}
    for sweep in registry.sweeps():
        try:
            done[sweep.key] = sweep.run()
        except Exception:
            logger.exception("The sweep %s failed; it runs again at the next sweep.", sweep.key)
            done[sweep.key] = -1
    return done


def sweep_grace() -> timedelta:
    """How old an owed thing must be before a sweep does it (the normal path usually is quicker)."""
    return timedelta(seconds=settings.WORKER_SWEEP_GRACE_SECONDS)


class Housekeeper(threading.Thread):
    """The worker's heartbeat, take-overs and sweep schedule, beside its task loop."""

    def __init__(self, worker_id: str, *, schedule_sweep):
        super().__init__(name=f"housekeeper-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.schedule_sweep = schedule_sweep  # portal.tasks.enqueue_sweep
        self.started_at = timezone.now()
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        next_takeover = next_sweep = time.monotonic() + settings.WORKER_HEARTBEAT_SECONDS
        try:
            while not self._stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
                try:
                    beat(self.worker_id)
                    now = time.monotonic()
                    if now >= next_takeover:
                        requeue_orphaned_tasks(exclude=(self.worker_id,))
                        next_takeover = now + settings.WORKER_HEARTBEAT_SECONDS * 3
                    if now >= next_sweep:
                        self.schedule_sweep()
                        next_sweep = now + settings.WORKER_SWEEP_SECONDS
                except DatabaseError:
                    logger.warning("Housekeeping could not reach the database; trying again.", exc_info=True)
                    connections.close_all()
        finally:
            connections.close_all()
