from django.tasks import task

from portal import emails


@task()
def send_workflow_notification(event_id: int) -> int:
    """Email the people a workflow move concerns; safe to run twice for one event."""
    return emails.notify_workflow_event(event_id)
