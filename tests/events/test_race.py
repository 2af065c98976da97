"""Capacity and quotas are never exceeded, also when many people confirm at the same moment (PostgreSQL)."""

import time
from functools import partial

import pytest
from django.utils import timezone

from events import services
from events.models import Registration, SeatQuota
from organisations.models import Membership, Organisation
from tests.concurrency import at_once
from tests.events.factories import OpenEventFactory, RegistrationFactory
from tests.factories import CountryFactory

pytestmark = pytest.mark.django_db(transaction=True)

SEATS = 10
PEOPLE = 40


POSTGRESQL_ONLY_REASON = "the registration race needs PostgreSQL's row locks (SQLite serialises every writer)"


def _confirm_at_once(registrations) -> list[str]:
    """Every registration confirmed from its own thread, all released at the same moment; the errors."""
    _, errors = at_once(partial(services.confirm, registration=registration) for registration in registrations)
    return errors


def test_concurrent_confirmations_never_exceed_capacity(postgresql_only, settings):
    # The emails are not the point here; the immediate backend would send them inside each thread.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    CountryFactory(code="PE")
    event = OpenEventFactory(capacity=SEATS, has_waiting_list=True)
    registrations = [RegistrationFactory(event=event) for _ in range(PEOPLE)]

    errors = _confirm_at_once(registrations)

    assert errors == []
    counts = {
        status: Registration.objects.filter(event=event, status=status).count()
        for status in ("confirmed", "waitlisted")
    }
    assert counts == {"confirmed": SEATS, "waitlisted": PEOPLE - SEATS}
    positions = sorted(r.waiting_list_position for r in Registration.objects.filter(event=event, status="waitlisted"))
    assert positions == list(range(1, PEOPLE - SEATS + 1))


def _msme_member(registration):
    organisation = Organisation.objects.create(
        name=f"Pyme {registration.pk}", slug=f"pyme-{registration.pk}", country="PE", size_class="micro", sector="C"
    )
    Membership.objects.create(
        organisation=organisation,
        person=registration.participant,
        status=Membership.Status.ACTIVE,
        joined_at=timezone.now(),
    )


def test_concurrent_confirmations_never_exceed_a_quota_nor_capacity(postgresql_only, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    CountryFactory(code="PE")
    event = OpenEventFactory(capacity=SEATS, has_waiting_list=True)
    services.save_quota(quota=SeatQuota(event=event, category=SeatQuota.Category.MSME, share=60))  # six seats
    registrations = [RegistrationFactory(event=event) for _ in range(PEOPLE)]
    msmes = registrations[::2]  # half of them, arriving among the others
    for registration in msmes:
        _msme_member(registration)

    errors = _confirm_at_once(registrations)

    assert errors == []
    seated = Registration.objects.filter(event=event, status="confirmed")
    assert seated.count() == SEATS
    in_quota = seated.filter(quota__isnull=False)
    assert in_quota.count() == 6  # the quota filled exactly, never beyond
    msme_ids = {registration.pk for registration in msmes}
    assert set(in_quota.values_list("pk", flat=True)) <= msme_ids
    assert seated.exclude(pk__in=msme_ids).count() <= SEATS - 6  # others only took unreserved seats
    assert Registration.objects.filter(event=event, status="waitlisted").count() == PEOPLE - SEATS


def test_a_rush_of_queued_confirmations_is_decided_in_arrival_order(postgresql_only, settings):
    """The link's POST path for an event with a waiting list: everyone queues at once from their own
    thread while two deciders (two task workers) run at the same time; the seats go exactly to the
    earliest arrivals and the waiting list is in arrival order."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.EVENTS_CONFIRMATION_SETTLE_SECONDS = 0.3  # as deployed (0.5): a commit may come late
    CountryFactory(code="PE")
    event = OpenEventFactory(capacity=SEATS, has_waiting_list=True)
    registrations = [RegistrationFactory(event=event) for _ in range(PEOPLE)]

    def worker():
        for _ in range(20):  # until the queue has been empty for a while
            services.decide_confirmations(event_id=event.pk, batch_size=7)
            time.sleep(0.05)

    people = [partial(services.request_confirmation, registration=registration) for registration in registrations]
    _, errors = at_once([*people, worker, worker])
    services.decide_confirmations(event_id=event.pk)  # what the last POSTs' task would decide

    assert errors == []
    rows = list(Registration.objects.filter(event=event).order_by("confirm_requested_at", "pk"))
    assert [r.status for r in rows] == ["confirmed"] * SEATS + ["waitlisted"] * (PEOPLE - SEATS)
    positions = [r.waiting_list_position for r in rows[SEATS:]]
    assert positions == list(range(1, PEOPLE - SEATS + 1))
