from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from events.models import Event, Registration
from portal.models import Status

pytestmark = pytest.mark.django_db


def test_seed_events_loads_the_events_of_the_source_documents_and_two_demo_events(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)  # calls seed_events

    webinar = Event.objects.get(slug="webinar-digital-competences-at-school-2022")
    assert webinar.local_start.isoformat() == "2022-11-24T12:00:00-06:00"
    from events.times import grouped_text

    assert grouped_text(webinar.start) == "12:00 Mexico · 13:00 Colombia, Peru · 15:00 Chile"
    workshop = Event.objects.get(slug="business-digital-security-workshop-2023")
    assert [s.recording_url for s in workshop.sessions.all()] == [
        "https://youtu.be/KUuGmLnQ-ew",
        "https://youtu.be/nOUV_LTX_9E",
    ]
    assert [s.local_start.date().isoformat() for s in workshop.sessions.all()] == ["2023-09-26", "2023-09-27"]
    ncp = Event.objects.get(slug="ncp-meeting-mexico-city-2025")
    assert (ncp.format, ncp.city, ncp.country.code) == ("hybrid", "Mexico City", "MX")
    assert ncp.local_start.date().isoformat() == "2025-02-25" and ncp.local_end.date().isoformat() == "2025-02-27"
    assert "more than 80 people" in ncp.summary
    assert ncp.documents.get().kind == "outcome"
    assert Event.objects.get(slug="digital-teaching-network-colloquium-2022").local_start.date().isoformat() == (
        "2022-05-03"
    )
    assert Event.objects.get(slug="arendalsuka-2021-ten-years-of-the-pacific-alliance").country.code == "NO"
    assert Event.objects.filter(kind=Event.Kind.LAUNCH).count() == 2

    demo = list(Event.objects.filter(is_demo=True).order_by("start"))
    assert len(demo) == 2
    for event in demo:
        assert event.is_live and event.registration_enabled
        assert timezone.now() + timedelta(days=2) < event.start < timezone.now() + timedelta(days=8)
        assert event.online_url
    assert not Event.objects.exclude(status=Status.PUBLISHED).exists()

    count = Event.objects.count()
    sessions = workshop.sessions.count()
    call_command("seed_events", verbosity=0)
    assert Event.objects.count() == count
    assert workshop.sessions.count() == sessions


def test_a_demo_event_that_has_started_is_moved_forward_again(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    demo = Event.objects.filter(is_demo=True).first()
    Event.objects.filter(pk=demo.pk).update(start=timezone.now() - timedelta(hours=1), end=timezone.now())
    call_command("seed_events", verbosity=0)
    demo.refresh_from_db()
    assert demo.start > timezone.now() + timedelta(days=2)
    assert not Registration.objects.exists()


def test_seed_events_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses"):
        call_command("seed_events", verbosity=0)
