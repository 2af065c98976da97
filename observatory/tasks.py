from django.tasks import task

from observatory import emails


@task()
def send_comment_decision(comment_id: int) -> int:
    """Tell the author of a comment the moderator's decision; safe to run twice."""
    return emails.notify_comment_decision(comment_id)
