"""What events give the digests (following.registry): upcoming events one can register for."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Event
from following.registry import DigestItem, DigestSection, tag, tag_of

#: Events in one digest, at most (the soonest).
LIMIT = 50


def upcoming_with_registration(period, only=None) -> list[DigestItem]:
    """Events whose registration is open when the digest goes (or, with ``only``, those events).
    Tagged with their country and organising bodies (observatory adds its own). Two queries."""
    now = timezone.now()
    events = Event.objects.published().select_related("country").defer("description", "online_url", "search_document")
    if only is not None:
        events = list(events.filter(pk__in=only).order_by("start", "pk"))
    else:
        candidates = (
            events.filter(registration_enabled=True, state=Event.State.SCHEDULED, start__gt=now)
            .filter(Q(registration_opens_at__isnull=True) | Q(registration_opens_at__lte=now))
            .filter(Q(registration_closes_at__isnull=True) | Q(registration_closes_at__gt=now))
            .order_by("start", "pk")[:LIMIT]
        )
        events = [event for event in candidates if event.registration_closed_reason(now=now) is None]
    through = Event.organising_bodies.through
    bodies: dict[int, set[str]] = {}
    for event_id, body_id in through.objects.filter(event_id__in=[e.pk for e in events]).values_list(
        "event_id", "body_id"
    ):
        bodies.setdefault(event_id, set()).add(tag_of("portal.body", body_id))
    items = []
    for event in events:
        tags = {tag(event), *bodies.get(event.pk, ())}
        if event.country_id:
            tags.add(tag_of("portal.country", event.country_id))
        items.append(DigestItem(obj=event, tags=tags))
    return items


SECTION = DigestSection(
    "events",
    _("Upcoming events open for registration"),
    upcoming_with_registration,
    "events/digest/event_item.html",
    40,
)
