"""Seat quotas (organisers): the shares of an event's seats reserved for categories of
participants, and their release. The counting rule itself is in events.quotas.

- ``check_quota_shares``: the shares of an event's quotas add up to at most 100% for the seats
  of each mode (the admin's inline calls it before saving anything);
- ``save_quota``: one quota, checked with the event's others under the event's row lock;
- ``quotas_changed``: after the admin saved the inline, checked again under the lock, and the
  waiting list gets any seat the change freed;
- ``release_quotas``: the workers' sweep; once a "released" quota's time has come, its unfilled
  seats go to the waiting list, in order of arrival.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.errors import QuotaRefused
from events.models import Event, Registration, SeatQuota
from events.quotas import QuotaUse, SeatPlan
from events.services.registration import promote_from_waitlist


def check_quota_shares(*, event: Event, quotas: Iterable[SeatQuota]) -> None:
    """Refuse (QuotaRefused) quotas whose shares add up to more than 100% of a mode's seats
    (a quota without a mode counts for each mode of a hybrid event), or a mode on an event that
    is not hybrid. ``quotas`` are all the event's quotas as they would be saved."""
    quotas = list(quotas)
    if not event.is_hybrid and any(quota.mode for quota in quotas):
        raise QuotaRefused(_("Only a hybrid event has seats of two kinds: leave “seats of” empty."))
    modes = Registration.Attendance if event.is_hybrid else [None]
    for mode in modes:
        total = sum(quota.share for quota in quotas if mode is None or quota.mode in ("", mode))
        if total > 100:
            if mode is None:
                message = _("The quotas' shares add up to %(total)d%%; they may reserve at most 100%% of the seats.")
            else:
                message = _(
                    "The quotas' shares of the seats (%(mode)s) add up to %(total)d%%; they may reserve at most 100%%."
                )
            raise QuotaRefused(message % {"total": total, "mode": mode.label.lower() if mode else ""})


def save_quota(*, quota: SeatQuota) -> SeatQuota:
    """Save one quota (new or changed) if the event's shares stay within 100%; then the waiting
    list gets any seat the change freed (a lowered share, an earlier release)."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=quota.event_id)
        others = [other for other in event.quotas.all() if other.pk != quota.pk]
        check_quota_shares(event=event, quotas=[*others, quota])
        quota.full_clean()
        quota.save()
        promote_from_waitlist(event=event)
    return quota


def quotas_changed(*, event: Event) -> list[Registration]:
    """After quotas were saved (the admin's inline): the shares checked again under the event's
    lock (QuotaRefused rolls the caller's transaction back), and seats the change freed go to
    the waiting list."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        check_quota_shares(event=event, quotas=event.quotas.all())
        return promote_from_waitlist(event=event)


def quota_use(*, event: Event, now: datetime | None = None) -> list[tuple[str, QuotaUse]]:
    """Per mode ("" for an event that is not hybrid) and quota: reserved, taken, free, open."""
    now = now or timezone.now()
    quotas = list(event.quotas.all())
    if not quotas:
        return []
    modes = Registration.Attendance.values if event.is_hybrid else [""]
    return [(mode, use) for mode in modes for use in SeatPlan.of(event, mode, now=now, quotas=quotas).uses]


def release_quotas(*, now: datetime | None = None) -> int:
    """The workers' sweep: for each quota to release whose time has come, the waiting list of
    its event gets the seats now unreserved (in order of arrival), and the quota is stamped
    ``released_at`` so that the sweep does it once. Confirmations after the release time count
    the seats as unreserved already, whether the sweep has run or not. Returns how many people
    got a seat."""
    now = now or timezone.now()
    due = SeatQuota.objects.filter(
        release=SeatQuota.Release.RELEASED, released_at__isnull=True, release_at__lte=now
    ).values_list("event_id", flat=True)
    promoted = 0
    for event_id in sorted(set(due)):
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event_id)
            promoted += len(promote_from_waitlist(event=event))
            event.quotas.filter(
                release=SeatQuota.Release.RELEASED, released_at__isnull=True, release_at__lte=now
            ).update(released_at=now)
    return promoted
