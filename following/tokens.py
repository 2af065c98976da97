"""Signed tokens in personal links: nothing is stored for them, and a forged one is refused.

- a subscriber's token (unsubscribe, manage, the web version of their digests) carries the
  subscriber's id and ``secret``: it works without a session (RFC 8058's one-click POST comes
  from the mail provider, with no cookie), and stops working when the secret is renewed or the
  subscriber is gone;
- a newsletter confirmation token carries the address and language, with its time: it works
  for DIGEST_CONFIRM_MAX_AGE, and until then nothing about the address is stored.
"""

from django.conf import settings
from django.core import signing

SUBSCRIBER_SALT = "following.subscriber"
DIGEST_SALT = "following.digest"
CONFIRM_SALT = "following.newsletter-confirm"

_subscriber_signer = signing.Signer(salt=SUBSCRIBER_SALT)
_digest_signer = signing.Signer(salt=DIGEST_SALT)


class InvalidToken(Exception):
    pass


def subscriber_token(subscriber) -> str:
    return _subscriber_signer.sign(f"{subscriber.pk}.{subscriber.secret}")


def read_subscriber_token(token: str) -> tuple[int, str]:
    """(subscriber id, secret), or InvalidToken."""
    try:
        value = _subscriber_signer.unsign(token or "")
        pk, secret = value.split(".", 1)
        return int(pk), secret
    except (signing.BadSignature, ValueError):
        raise InvalidToken from None


def digest_token(run_id: int, subscriber) -> str:
    return _digest_signer.sign(f"{run_id}.{subscriber.pk}.{subscriber.secret}")


def read_digest_token(token: str) -> tuple[int, int, str]:
    """(run id, subscriber id, secret), or InvalidToken."""
    try:
        run_id, pk, secret = _digest_signer.unsign(token or "").split(".", 2)
        return int(run_id), int(pk), secret
    except (signing.BadSignature, ValueError):
        raise InvalidToken from None


def confirmation_token(email: str, language: str) -> str:
    return signing.dumps({"e": email, "l": language}, salt=CONFIRM_SALT, compress=True)


def read_confirmation_token(token: str) -> tuple[str, str]:
    """(address, language), or InvalidToken when forged or older than DIGEST_CONFIRM_MAX_AGE."""
    try:
        data = signing.loads(token or "", salt=CONFIRM_SALT, max_age=settings.DIGEST_CONFIRM_MAX_AGE)
        return str(data["e"]), str(data["l"])
    except (signing.BadSignature, KeyError, TypeError):
        raise InvalidToken from None
