"""Invitation links: a signed token naming the membership and its current random key.

A link stops working when it expires (ORGANISATIONS_INVITATION_MAX_AGE), when the
invitation is used or revoked, and when the address is invited again (a new key).
"""

from django.conf import settings
from django.core import signing

from organisations.models import Membership

INVITATION_SALT = "organisations.invitation"


def invitation_token(membership: Membership) -> str:
    return signing.dumps({"m": membership.pk, "k": membership.invitation_key}, salt=INVITATION_SALT, compress=True)


def invitation_from_token(token: str) -> Membership | None:
    """The open invitation a link stands for, or None (expired, revoked, used or forged)."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=settings.ORGANISATIONS_INVITATION_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    membership = (
        Membership.objects.select_related("organisation", "invited_by")
        .filter(pk=data.get("m"), status=Membership.Status.INVITED)
        .first()
    )
    if membership is None or not membership.invitation_key or membership.invitation_key != data.get("k"):
        return None
    return membership
