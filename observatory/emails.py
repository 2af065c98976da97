"""The email that tells a participant what became of their comment (portal.emails.notify_comment_decision)."""

from observatory.models import Comment
from portal import emails


def notify_comment_decision(comment_id: int) -> int:
    """Queue the decision once: an approval is told once; a later rejection (after reports) is told too."""
    return emails.notify_comment_decision(
        Comment,
        comment_id,
        kind="observatory.comment_decision",
        templates="observatory/email/comment_decision",
        related=("publication",),
    )


def notify_owed_comment_decisions() -> int:
    """The workers' sweep: moderators' decisions of the last fortnight their author was not told of."""
    return sum(notify_comment_decision(comment_id) for comment_id in emails.owed_decisions(Comment))
