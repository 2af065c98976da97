"""Seat quotas: shares of the seats reserved for categories of participants, each rule alone and together."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from events import links, services
from events.models import Event, Registration, SeatQuota
from organisations.models import Membership, Organisation
from portal import registry
from tests.events.factories import ConfirmedRegistrationFactory, OpenEventFactory, RegistrationFactory
from tests.events.test_admin import _change_data, _export
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status
Category = SeatQuota.Category
ROOM, ONLINE = Registration.Attendance.IN_PERSON, Registration.Attendance.ONLINE


def person(*, size=None, led_by_women=None, **profile):
    """A participant; with ``size``, an active member of an organisation of that size class."""
    participant = ParticipantFactory(**{f"profile__{key}": value for key, value in profile.items()})
    if size:
        organisation = Organisation.objects.create(
            name=f"Exportadora {participant.pk}",
            slug=f"exportadora-{participant.pk}",
            country="PE",
            size_class=size,
            sector="C",
            is_led_by_women=led_by_women,
        )
        Membership.objects.create(
            organisation=organisation, person=participant, status=Membership.Status.ACTIVE, joined_at=timezone.now()
        )
    return participant


def msme(**kwargs):
    return person(size="small", **kwargs)


def large():
    return person(size="large")


def confirmed(event, participant, mode=""):
    return services.confirm(registration=services.register(event=event, participant=participant, mode=mode))


def quota(event, category=Category.MSME, share=60, **fields):
    return services.save_quota(quota=SeatQuota(event=event, category=category, share=share, **fields))


@pytest.fixture
def event(members):
    """Ten seats, a waiting list, 60% (six seats) reserved for MSMEs, kept."""
    event = OpenEventFactory(capacity=10)
    quota(event)
    return event


# --- The model and the shares --------------------------------------------------------------


@pytest.mark.parametrize("share", [0, 101])
def test_the_database_keeps_a_share_between_1_and_100(members, share):
    event = OpenEventFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SeatQuota.objects.create(event=event, category=Category.MSME, share=share)


def test_the_database_keeps_one_quota_per_category_and_a_time_for_a_release(members):
    event = OpenEventFactory()
    SeatQuota.objects.create(event=event, category=Category.MSME, share=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeatQuota.objects.create(event=event, category=Category.MSME, share=20)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeatQuota.objects.create(event=event, category=Category.LED_BY_WOMEN, share=20, release="released")
    with pytest.raises(IntegrityError), transaction.atomic():
        SeatQuota.objects.create(event=event, category=Category.SECTOR, share=20)  # which sector?


def test_shares_over_100_percent_are_refused_and_nothing_is_saved(event):
    with pytest.raises(services.QuotaRefused, match="add up to 110%"):
        quota(event, Category.LED_BY_WOMEN, 50)
    assert list(event.quotas.values_list("category", flat=True)) == [Category.MSME]
    quota(event, Category.LED_BY_WOMEN, 40)  # exactly 100% is fine
    assert event.quotas.count() == 2


def test_a_hybrid_events_shares_are_counted_per_mode(members):
    hybrid = OpenEventFactory(format=Event.Format.HYBRID, capacity=10, online_capacity=10)
    quota(hybrid, Category.MSME, 60, mode=ROOM)
    quota(hybrid, Category.LED_BY_WOMEN, 60, mode=ONLINE)  # another mode's seats: fine
    with pytest.raises(services.QuotaRefused, match=r"\(online\) add up to 110%"):
        quota(hybrid, Category.SECTOR, 50, sector=Profile.Sector.ACADEMIA)  # no mode: counts for both
    plain = OpenEventFactory()
    with pytest.raises(services.QuotaRefused, match="Only a hybrid event"):
        quota(plain, mode=ROOM)
    assert not plain.quotas.exists()


# --- The counting rule ---------------------------------------------------------------------


def test_reserved_seats_go_only_to_matching_participants(event):
    others = [confirmed(event, large()) for _ in range(5)]
    assert [r.status for r in others] == [Status.CONFIRMED] * 4 + [Status.WAITLISTED]
    assert "Micro, small and medium enterprises" in others[-1].waiting_reason
    assert confirmed(event, msme()).status == Status.CONFIRMED  # a reserved seat is still free for them


def test_the_waiting_list_email_says_the_seats_left_are_reserved(event, mailoutbox, committed):
    for _ in range(4):
        confirmed(event, large())
    with committed():
        waiting = confirmed(event, large())
    assert waiting.waitlisted_by_quota
    assert "reserved for participants of categories (quotas)" in mailoutbox[-1].body
    assert "is full" not in mailoutbox[-1].body
    for _ in range(6):
        confirmed(event, msme())
    with committed():
        full = confirmed(event, msme())
    assert not full.waitlisted_by_quota and "is full" in mailoutbox[-1].body


def test_the_confirmation_page_says_why_the_participant_waits(client, event, committed):
    for _ in range(4):
        confirmed(event, large())
    participant = large()
    registration = services.register(event=event, participant=participant)
    client.force_login(participant)
    with committed():
        assert client.post(links.personal_path(registration, links.CONFIRM)).status_code == 202
    html = client.get(links.personal_path(registration, links.CONFIRM)).content.decode()
    assert "You are on the waiting list" in html
    assert "reserved for participants of these categories" in html
    assert "Micro, small and medium enterprises (MSMEs)" in html


def test_a_matching_participant_takes_a_reserved_seat_first_then_an_unreserved_one(event):
    first = confirmed(event, msme())
    assert first.quota.category == Category.MSME
    for _ in range(5):
        confirmed(event, msme())
    seventh = confirmed(event, msme())  # the six reserved seats are taken: an unreserved one
    assert (seventh.status, seventh.quota) == (Status.CONFIRMED, None)
    for _ in range(3):
        confirmed(event, msme())
    assert confirmed(event, msme()).status == Status.WAITLISTED  # capacity holds
    assert event.registrations.seated().count() == 10


def test_someone_matching_two_quotas_counts_once_in_the_one_with_most_free_seats(event):
    quota(event, Category.LED_BY_WOMEN, 30)  # three seats; the MSME quota has six
    both = confirmed(event, msme(led_by_women=True))
    assert both.quota.category == Category.MSME
    for _ in range(3):
        confirmed(event, msme())  # the MSME quota now has two free, led by women three
    assert confirmed(event, msme(led_by_women=True)).quota.category == Category.LED_BY_WOMEN
    use = {use.quota.category: use for _mode, use in services.quota_use(event=event)}
    assert (use[Category.MSME].taken, use[Category.LED_BY_WOMEN].taken) == (4, 1)


def test_sector_and_country_quotas_read_the_profile(members):
    event = OpenEventFactory(capacity=2, has_waiting_list=True)
    quota(event, Category.SECTOR, 50, sector=Profile.Sector.BUSINESS)
    quota(event, Category.COUNTRY, 50, country="CL")
    assert confirmed(event, person(sector=Profile.Sector.BUSINESS)).quota.category == Category.SECTOR
    assert confirmed(event, person(country="MX")).status == Status.WAITLISTED
    assert confirmed(event, person(country="CL")).quota.category == Category.COUNTRY


def test_without_a_waiting_list_the_refusal_says_the_seats_are_reserved(members):
    event = OpenEventFactory(capacity=2, has_waiting_list=False)
    quota(event, share=50)
    confirmed(event, large())
    pending = services.register(event=event, participant=msme())  # may still register: a seat is theirs
    with pytest.raises(services.EventFull, match="reserved for participants"):
        services.register(event=event, participant=large())
    services.confirm(registration=pending)
    with pytest.raises(services.EventFull, match="This event is full"):
        services.register(event=event, participant=msme())


def test_quotas_reserve_nothing_when_the_seats_are_unlimited(members):
    event = OpenEventFactory(capacity=None)
    quota(event, share=100)
    assert confirmed(event, large()).status == Status.CONFIRMED


# --- Release ---------------------------------------------------------------------------------


def test_a_released_quota_frees_its_seats_at_the_release_time_and_the_sweep_promotes(members, mailoutbox):
    event = OpenEventFactory(capacity=4)
    released = quota(
        event, share=50, release=SeatQuota.Release.RELEASED, release_at=timezone.now() + timedelta(hours=1)
    )
    confirmed(event, large()), confirmed(event, large())
    first, second, third = (confirmed(event, large()) for _ in range(3))
    assert {first.status, second.status, third.status} == {Status.WAITLISTED}
    assert services.release_quotas() == 0  # not yet
    SeatQuota.objects.filter(pk=released.pk).update(release_at=timezone.now() - timedelta(minutes=1))

    assert services.release_quotas() == 2
    for registration in (first, second, third):
        registration.refresh_from_db()
    assert [first.status, second.status, third.status] == [Status.CONFIRMED, Status.CONFIRMED, Status.WAITLISTED]
    released.refresh_from_db()
    assert released.released_at is not None
    assert services.release_quotas() == 0  # stamped: once
    assert event.registrations.seated().count() == 4


def test_after_the_release_time_confirmation_counts_the_seats_as_unreserved(members):
    event = OpenEventFactory(capacity=2)
    quota(event, share=50, release=SeatQuota.Release.RELEASED, release_at=timezone.now() - timedelta(minutes=1))
    assert [confirmed(event, large()).status for _ in range(3)] == [
        Status.CONFIRMED,
        Status.CONFIRMED,
        Status.WAITLISTED,
    ]


def test_a_kept_quota_never_releases(event):
    for _ in range(4):
        confirmed(event, large())
    waiting = confirmed(event, large())
    services.release_quotas(now=timezone.now() + timedelta(days=365))
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED


def test_the_release_is_a_sweep_of_the_workers():
    assert any(sweep.run == services.release_quotas for sweep in registry.sweeps())


# --- Promotion and switching ------------------------------------------------------------------


def test_a_freed_reserved_seat_goes_to_the_first_matching_person_on_the_waiting_list(members):
    event = OpenEventFactory(capacity=2)
    quota(event, share=50)
    confirmed(event, large())
    holder = confirmed(event, msme())
    early_other, first_match, second_match = (
        confirmed(event, large()),
        confirmed(event, msme()),
        confirmed(event, msme()),
    )
    assert {early_other.status, first_match.status, second_match.status} == {Status.WAITLISTED}
    services.cancel(registration=holder)
    for registration in (early_other, first_match, second_match):
        registration.refresh_from_db()
    assert [early_other.status, first_match.status, second_match.status] == [
        Status.WAITLISTED,
        Status.CONFIRMED,
        Status.WAITLISTED,
    ]
    assert first_match.quota.category == Category.MSME


def test_a_freed_unreserved_seat_goes_in_order_of_arrival(members):
    event = OpenEventFactory(capacity=2)
    quota(event, share=50)
    unreserved = confirmed(event, large())
    confirmed(event, msme())
    early_other, later_match = confirmed(event, large()), confirmed(event, msme())
    services.cancel(registration=unreserved)
    early_other.refresh_from_db(), later_match.refresh_from_db()
    assert (early_other.status, later_match.status) == (Status.CONFIRMED, Status.WAITLISTED)


def test_switching_mode_takes_a_seat_under_the_other_modes_quotas(members):
    hybrid = OpenEventFactory(format=Event.Format.HYBRID, capacity=5, online_capacity=2)
    quota(hybrid, share=50, mode=ONLINE)  # one online seat reserved for MSMEs
    confirmed(hybrid, large(), ONLINE)
    mover = confirmed(hybrid, large(), ROOM)
    with pytest.raises(services.EventFull, match="reserved for participants"):
        services.switch_mode(registration=mover, mode=ONLINE)
    mover.refresh_from_db()
    assert (mover.mode, mover.status) == (ROOM, Status.CONFIRMED)
    matching = confirmed(hybrid, msme(), ROOM)
    services.switch_mode(registration=matching, mode=ONLINE)
    matching.refresh_from_db()
    assert (matching.mode, matching.quota.mode) == (ONLINE, ONLINE)


def test_a_lowered_share_in_the_service_promotes_the_waiting_list(event):
    for _ in range(4):
        confirmed(event, large())
    waiting = confirmed(event, large())
    msme_quota = event.quotas.get()
    msme_quota.share = 50
    services.save_quota(quota=msme_quota)
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED


# --- Organisers -----------------------------------------------------------------------------


def test_the_event_admin_shows_quota_use(editor_client, event):
    confirmed(event, msme()), confirmed(event, msme())
    html = editor_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert "Seats reserved per quota" in html
    assert (
        '<th scope="row">Micro, small and medium enterprises (MSMEs)</th><td></td><td>6</td><td>2</td><td>4</td>'
        "<td>open</td>" in html
    )


def test_the_admin_refuses_shares_over_100_percent_and_saves_nothing(editor_client, event):
    data = _change_data(editor_client, event, title_en="A new title")
    data.update(
        {
            "quotas-TOTAL_FORMS": 2,
            "quotas-1-category": Category.LED_BY_WOMEN,
            "quotas-1-share": 50,
            "quotas-1-release": SeatQuota.Release.KEPT,
        }
    )
    response = editor_client.post(reverse("admin:events_event_change", args=[event.pk]), data)
    assert response.status_code == 200
    assert "add up to 110%" in response.content.decode()
    event.refresh_from_db()
    assert (event.title != "A new title", event.quotas.count()) == (True, 1)

    data["quotas-1-share"] = 40
    response = editor_client.post(reverse("admin:events_event_change", args=[event.pk]), data)
    assert response.status_code == 302
    assert sorted(event.quotas.values_list("share", flat=True)) == [40, 60]


def test_the_registrations_export_names_the_quota_of_each_seat(editor_client, event):
    confirmed(event, msme())
    ConfirmedRegistrationFactory(event=event)
    RegistrationFactory(event=event)
    lines = _export(editor_client, 0).content.decode().splitlines()
    assert "quota" in lines[0].split(",")
    assert sum("Micro, small and medium enterprises (MSMEs)" in line for line in lines[1:]) == 1


def test_an_event_with_quotas_per_mode_stays_hybrid_until_they_apply_to_all_seats(members, editor):
    hybrid = OpenEventFactory(format=Event.Format.HYBRID, capacity=10, online_capacity=10)
    room_quota = quota(hybrid, Category.MSME, 60, mode=ROOM)
    # The API, a command or anything else goes through update_event: refused, nothing changed.
    with pytest.raises(services.EventChangeRefused, match="before the event stops being hybrid"):
        services.update_event(event=hybrid, actor=editor, changes={"format": Event.Format.IN_PERSON})
    hybrid.refresh_from_db()
    assert hybrid.format == Event.Format.HYBRID

    room_quota.mode = ""
    services.save_quota(quota=room_quota)
    services.update_event(event=hybrid, actor=editor, changes={"format": Event.Format.IN_PERSON})
    hybrid.refresh_from_db()
    assert hybrid.format == Event.Format.IN_PERSON


def test_the_admin_refuses_to_end_hybrid_seats_under_a_quota_per_mode(editor_client, members):
    hybrid = OpenEventFactory(format=Event.Format.HYBRID, capacity=10, online_capacity=10)
    quota(hybrid, Category.MSME, 60, mode=ONLINE)
    data = _change_data(editor_client, hybrid, format=Event.Format.IN_PERSON)
    response = editor_client.post(reverse("admin:events_event_change", args=[hybrid.pk]), data)
    assert response.status_code == 200
    assert "before the event stops being hybrid" in response.content.decode()
    hybrid.refresh_from_db()
    assert hybrid.format == Event.Format.HYBRID


def test_a_confirmation_reads_a_persons_traits_only_when_the_event_has_quotas(members):
    def tables_read(event):
        registration = RegistrationFactory(event=event, participant=msme())
        with CaptureQueriesContext(connection) as queries:
            services.confirm(registration=registration)
        registration.refresh_from_db()
        assert registration.status == Registration.Status.CONFIRMED
        return " ".join(query["sql"] for query in queries.captured_queries)

    assert "organisations_membership" not in tables_read(OpenEventFactory(capacity=5))
    with_quota = OpenEventFactory(capacity=5)
    quota(with_quota, Category.MSME, 60)
    assert "organisations_membership" in tables_read(with_quota)
