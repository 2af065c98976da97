"""Background work of the portal itself, run by `manage.py run_worker` (Django's tasks framework)."""

from django.tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from portal import emails, outbox, workers


@task()
def send_workflow_notification(event_id: int) -> int:
    """Email the people a workflow move concerns; safe to run twice for one event."""
    return emails.notify_workflow_event(event_id)


@task()
def deliver_outbox(ids: list[int] | None = None) -> int:
    """Send what is waiting in the outbox (these rows, or everything due); see portal.outbox."""
    return outbox.deliver(ids=ids).sent


@task()
def run_sweeps() -> dict:
    """Each app's sweep of what it still owes (portal.workers); enqueued by the workers on a schedule."""
    return workers.run_sweeps()


def enqueue_sweep() -> bool:
    """One ``run_sweeps`` in the queue at a time (a race between two workers adds a second, harmlessly)."""
    waiting = DBTaskResult.objects.filter(
        task_path=f"{run_sweeps.module_path}", status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING)
    )
    if waiting.exists():
        return False
    run_sweeps.enqueue()
    return True
