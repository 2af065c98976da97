"""Background work of consultations, run by `manage.py run_worker`; every task is safe to run twice."""

from django.tasks import task

from consultations import emails


@task()
def send_comment_decision(comment_id: int) -> int:
    """Tell the author of a comment the moderator's decision, once."""
    return emails.notify_comment_decision(comment_id)


@task()
def notify_participants(consultation_id: int) -> int:
    """The response is out: email everyone who took part, once, in their language."""
    return emails.notify_participants(consultation_id)
