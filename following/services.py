"""Rules of following, the digest and the newsletter: one function per change.

- A signed-in person follows or stops following any public object of a followable model
  (following.registry); their subscription (weekly by default) is made with their first follow.
- "Follow everything" is the sign-up's news opt-in: ticking or unticking it in the profile (at
  sign-up, "Edit my profile", the API) reaches ``news_opt_in_changed`` through accounts.registry,
  and changing it here changes the profile's opt-in too, so the two never disagree.
- The newsletter without an account: ``subscribe_newsletter`` stores nothing and emails the
  address (a confirmation link; or, when the address is subscribed already or has an account,
  how to manage it): the same answer, the same work, whatever the address. The link's POST
  (``confirm_newsletter``) makes the subscriber. Leaving (``unsubscribe``) deletes the address.
- ``unsubscribe`` takes the signed token of the email's link (RFC 8058 one-click): a
  participant's digest stops (their follows stay, for when they turn it on again); a
  newsletter address is deleted, with the emails still held for it.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Profile
from following import emails, registry, tokens
from following.models import Digest, Follow, Subscriber
from portal import outbox
from portal.ratelimit import take_allowance

Frequency = Subscriber.Frequency


class FollowingError(Exception):
    """A refused change; ``str(error)`` is the message to show."""


class NotFollowable(FollowingError):
    pass


class InvalidLink(FollowingError):
    pass


class AlreadySubscribed(FollowingError):
    pass


class RateLimited(FollowingError):
    pass


# --- Following --------------------------------------------------------------------------------


def _check_person(user) -> None:
    if not (user and user.is_authenticated and user.is_active):
        raise FollowingError(_("Sign in to follow what interests you."))


def _followable_of(item) -> registry.Followable:
    followable = registry.followable_for_model(type(item))
    if followable is None or not followable.choices().filter(pk=item.pk).exists():
        raise NotFollowable(_("This cannot be followed."))
    return followable


def subscription_of(user) -> Subscriber:
    """The person's subscription, made (weekly) if they have none yet."""
    subscriber, _created = Subscriber.objects.get_or_create(
        user=user, defaults={"frequency": Frequency.WEEKLY, "confirmed_at": timezone.now()}
    )
    return subscriber


def follow(*, user, item) -> Follow:
    """Follow a public object of a followable model (again: nothing changes)."""
    _check_person(user)
    _followable_of(item)
    with transaction.atomic():
        subscription_of(user)
        content_type = ContentType.objects.get_for_model(type(item))
        try:
            with transaction.atomic():
                return Follow.objects.create(user=user, content_type=content_type, object_id=item.pk)
        except IntegrityError:
            return Follow.objects.get(user=user, content_type=content_type, object_id=item.pk)


def unfollow(*, user, item) -> bool:
    _check_person(user)
    content_type = ContentType.objects.get_for_model(type(item))
    deleted, _by_model = Follow.objects.filter(user=user, content_type=content_type, object_id=item.pk).delete()
    return bool(deleted)


def set_follows(*, user, followable: registry.Followable, ids) -> None:
    """ "What I follow": the objects of one kind the person follows become exactly ``ids`` (public ones)."""
    _check_person(user)
    wanted = set(followable.choices().filter(pk__in=list(ids)).values_list("pk", flat=True))
    content_type = ContentType.objects.get_for_model(followable.model)
    with transaction.atomic():
        subscription_of(user)
        current = set(Follow.objects.filter(user=user, content_type=content_type).values_list("object_id", flat=True))
        Follow.objects.filter(user=user, content_type=content_type, object_id__in=current - wanted).delete()
        Follow.objects.bulk_create(
            [Follow(user=user, content_type=content_type, object_id=pk) for pk in sorted(wanted - current)],
            ignore_conflicts=True,
        )


def set_preferences(*, user, frequency: str, follows_everything: bool) -> Subscriber:
    """How often the digest comes (or never), and whether it holds everything; the profile's news
    opt-in follows "everything" (with the time it was given)."""
    _check_person(user)
    if frequency not in Frequency.values:
        raise FollowingError(_("Choose how often the digest comes."))
    with transaction.atomic():
        subscriber = subscription_of(user)
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        subscriber.frequency = frequency
        subscriber.follows_everything = bool(follows_everything)
        subscriber.save(update_fields=["frequency", "follows_everything"])
        profile = Profile.objects.select_for_update().filter(user=user).first()
        if profile is not None and profile.news_opt_in != subscriber.follows_everything:
            profile.news_opt_in = subscriber.follows_everything
            profile.news_opt_in_at = timezone.now() if subscriber.follows_everything else None
            profile.save(update_fields=["news_opt_in", "news_opt_in_at", "updated_at"])
    return subscriber


def news_opt_in_changed(*, user, wants_news: bool) -> None:
    """accounts.registry's hook, in the transaction that saves the profile: the opt-in is "follow everything"."""
    if wants_news:
        subscriber = subscription_of(user)
        if not subscriber.follows_everything:
            subscriber.follows_everything = True
            subscriber.save(update_fields=["follows_everything"])
    else:
        Subscriber.objects.filter(user=user, follows_everything=True).update(follows_everything=False)


# --- The newsletter without an account ----------------------------------------------------------


def subscribe_newsletter(*, email: str, language: str, client_address: str = "") -> None:
    """Email ``email`` a confirmation link, or what to do when it is subscribed or has an account.

    Nothing is stored. Every address gets the same answer and costs the same work (one email
    rendered and queued), so the page never tells whether an address is subscribed. At most
    DIGEST_SUBSCRIBE_RATE requests per client address.
    """
    email = get_user_model().objects.normalize_email((email or "").strip())
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if not take_allowance(scope="newsletter", key=client_address or email.lower(), rate=settings.DIGEST_SUBSCRIBE_RATE):
        raise RateLimited(_("Too many requests from your connection. Please try again later."))
    has_account = get_user_model().objects.filter(email__iexact=email).exists()
    subscribed = Subscriber.objects.filter(user__isnull=True, email__iexact=email).first()
    with transaction.atomic():
        if has_account:
            row = emails.queue_newsletter_email(email=email, language=language, kind="account")
        elif subscribed is not None:
            row = emails.queue_newsletter_email(
                email=email, language=language, kind="subscribed", token=tokens.subscriber_token(subscribed)
            )
        else:
            row = emails.queue_newsletter_email(
                email=email, language=language, kind="confirm", token=tokens.confirmation_token(email, language)
            )
        emails.deliver_soon(row)


def confirm_newsletter(*, token: str) -> Subscriber:
    """The owner of the address opened the link and pressed the button: the address receives the
    weekly digest of everything. Refused, with nothing changed: a forged or expired link, an
    address subscribed already, an address with an account (its digest is managed there)."""
    try:
        email, language = tokens.read_confirmation_token(token)
    except tokens.InvalidToken:
        raise InvalidLink(
            _("This confirmation link is not valid, or it has expired. Subscribe again to get a new one.")
        ) from None
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise AlreadySubscribed(
            _("This address has an account on the portal: sign in and choose what you follow in “My account”.")
        )
    try:
        with transaction.atomic():
            return Subscriber.objects.create(
                email=email,
                language=language,
                frequency=Frequency.WEEKLY,
                follows_everything=True,
                confirmed_at=timezone.now(),
            )
    except IntegrityError:
        raise AlreadySubscribed(_("This address already receives the digest. Nothing has changed.")) from None


def subscriber_from_token(token: str) -> Subscriber:
    try:
        pk, secret = tokens.read_subscriber_token(token)
    except tokens.InvalidToken:
        raise InvalidLink(_("This link is not valid. Nothing has changed.")) from None
    subscriber = Subscriber.objects.select_related("user").filter(pk=pk, secret=secret).first()
    if subscriber is None:
        raise InvalidLink(_("This link is no longer valid: the address may have left already. Nothing has changed."))
    return subscriber


def unsubscribe(*, token: str) -> str:
    """One click from the email: "paused" (a participant's digest stops; the follows stay) or
    "deleted" (a newsletter address, deleted with its digests and the emails held for it)."""
    with transaction.atomic():
        subscriber = subscriber_from_token(token)
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.user_id is None:
            address = subscriber.email
            subscriber.delete()
            outbox.forget_recipient(address)
            return "deleted"
        subscriber.frequency = Frequency.NONE
        subscriber.save(update_fields=["frequency"])
        return "paused"


# --- Personal data ------------------------------------------------------------------------------


def my_follows(user) -> list[tuple[registry.Followable, list]]:
    """What the person follows, per kind, as objects (one query per kind they follow)."""
    by_type: dict[int, list[int]] = {}
    for content_type_id, object_id in Follow.objects.filter(user=user).values_list("content_type_id", "object_id"):
        by_type.setdefault(content_type_id, []).append(object_id)
    found = []
    for followable in registry.followables():
        content_type = ContentType.objects.get_for_model(followable.model)
        ids = by_type.get(content_type.pk)
        if ids:
            found.append((followable, list(followable.model._default_manager.filter(pk__in=ids))))
    return found


def export(user) -> dict:
    subscriber = Subscriber.objects.filter(user=user).first()
    return {
        "follows": [
            {"kind": followable.key, "items": [str(item) for item in items]} for followable, items in my_follows(user)
        ],
        "digest": {
            "frequency": subscriber.frequency,
            "follows_everything": subscriber.follows_everything,
            "digests_sent": Digest.objects.filter(subscriber=subscriber).count(),
        }
        if subscriber
        else None,
    }


def erase(user) -> None:
    """Account deletion: follows, the subscription and its digests go."""
    Follow.objects.filter(user=user).delete()
    Subscriber.objects.filter(user=user).delete()
