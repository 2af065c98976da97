"""The request id goes with the tasks a request enqueues.

django-guid keeps the current request's id (X-Request-ID from the proxy, or a new one) in a
context variable that every log line reads (settings.LOGGING). A task runs later, in a worker:
when a task is enqueued, its request id is recorded beside it (``TaskRequest``); when a worker
starts the task, the id is restored, so the worker's log lines for it (Django's own
"Task … state=…" lines included) carry the id of the request that asked for it. A task that a
task enqueues inherits the id; one enqueued outside any request (a command) gets a new id per
run. No task's signature changes.

With the immediate backend (tests) a task runs inside the request, under the request's own id.
"""

from django.db import router, transaction
from django.tasks import task_backends
from django.tasks.signals import log_task_started, task_enqueued, task_finished, task_started
from django_guid import clear_guid, get_guid, set_guid
from django_guid.utils import generate_guid
from django_tasks_db import DatabaseBackend as TasksDatabaseBackend
from django_tasks_db.models import DBTaskResult

from portal.models import TaskRequest


class DatabaseBackend(TasksDatabaseBackend):
    """django_tasks_db's backend, with the task row and what task_enqueued's receivers write in
    one transaction: a worker never claims a task before its request id is recorded."""

    def enqueue(self, task, args, kwargs):
        with transaction.atomic(using=router.db_for_write(DBTaskResult)):
            return super().enqueue(task, args, kwargs)


def _run_later_by_a_worker(task_result) -> bool:
    """The task waits in the database for a worker (not run at once, in this thread)."""
    return isinstance(task_backends[task_result.backend], TasksDatabaseBackend)


def record_task_request(sender, task_result, **kwargs) -> None:
    request_id = get_guid()
    if request_id and _run_later_by_a_worker(task_result):
        TaskRequest.objects.create(task_id=task_result.id, request_id=request_id)


def restore_task_request(sender, task_result, **kwargs) -> None:
    if not _run_later_by_a_worker(task_result):
        return
    recorded = TaskRequest.objects.filter(task_id=task_result.id).values_list("request_id", flat=True).first()
    set_guid(recorded or generate_guid())


def forget_task_request(sender, task_result, **kwargs) -> None:
    if _run_later_by_a_worker(task_result):
        clear_guid()


def connect_signals() -> None:
    """Connect the receivers (from PortalConfig.ready). The id is restored before Django's own
    "Task … state=RUNNING" line is logged, so that line carries it too; it is forgotten after
    the "finished" line."""
    task_enqueued.connect(record_task_request, dispatch_uid="portal.record_task_request")
    task_started.disconnect(log_task_started)
    task_started.connect(restore_task_request, dispatch_uid="portal.restore_task_request")
    task_started.connect(log_task_started)
    task_finished.connect(forget_task_request, dispatch_uid="portal.forget_task_request")
