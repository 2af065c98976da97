from django.tasks import task

from organisations import emails


@task()
def send_invitation(membership_id: int) -> int:
    """Email an invitation link; safe to run twice (sent once per invitation key)."""
    return emails.send_invitation(membership_id)
