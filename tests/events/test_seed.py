from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from events.models import Event, Registration
from portal.models import Status

pytestmark = pytest.mark.django_db


def test_seed_events_loads_the_events_of_the_source_documents_and_three_demo_events(settings):
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
    assert len(demo) == 3
    for event in demo:
        assert event.is_live and event.registration_enabled
        assert timezone.now() + timedelta(days=2) < event.start < timezone.now() + timedelta(days=8)
        assert event.online_url
    assert not Event.objects.exclude(status=Status.PUBLISHED).exists()

    # The seminar journey's demo: a hybrid seminar with three reminders, a follow-up and a survey.
    seminar = Event.objects.get(slug="demo-hybrid-seminar-public-procurement")
    assert seminar.format == Event.Format.HYBRID
    assert sorted(seminar.reminder_rules.values_list("hours_before", flat=True)) == [1, 24, 168]
    assert seminar.follow_up.hours_after == 2 and seminar.follow_up.attended_text_es.startswith("Gracias")
    assert [(q.kind, q.text_es[:10]) for q in seminar.survey_questions.all()] == [
        ("rating", "¿Qué tan ú"), ("rating", "¿Qué tan c"), ("text", "¿Qué tema ")
    ]  # fmt: skip
    # The source documents' quotas: 60% for MSMEs, 30% for organisations led by women (released a day before).
    assert sorted(seminar.quotas.values_list("category", "share", "mode", "release")) == [
        ("led_by_women", 30, "in_person", "released"), ("msme", 60, "in_person", "kept"),
    ]  # fmt: skip
    assert seminar.quotas.get(category="led_by_women").release_at == seminar.start - timedelta(hours=24)
    assert list(Event.objects.get(slug="demo-webinar-digital-skills").reminder_rules.values_list(
        "hours_before", flat=True
    )) == [120]  # fmt: skip
    editor = get_user_model().objects.get(email="editor@demo.alianzapacifico.example")
    assert editor.has_perm("events.check_in_registration")  # the demo editor opens the door page

    count = Event.objects.count()
    sessions = workshop.sessions.count()
    call_command("seed_events", verbosity=0)
    assert Event.objects.count() == count
    assert workshop.sessions.count() == sessions
    assert seminar.reminder_rules.count() == 3 and seminar.survey_questions.count() == 3
    assert seminar.quotas.count() == 2


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


def test_the_demo_events_are_in_spanish_too_and_a_second_run_changes_nothing(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    webinar = Event.objects.get(slug="demo-webinar-digital-skills")
    meeting = Event.objects.get(slug="demo-hybrid-meeting-responsible-business-conduct")
    with translation.override("es"):
        assert webinar.title.startswith("Webinar de demostración")
        assert "Inscríbase" in webinar.summary and "flujo completo" in webinar.description
        assert [(s.name, s.role) for s in webinar.speakers.all()] == [("Mariana Maggio", "Expositora")]
        assert meeting.venue == "Ministerio de Comercio Exterior y Turismo"
        ncp = Event.objects.get(slug="ncp-meeting-mexico-city-2025")
        assert ncp.city == "Ciudad de México"
        assert [s.title for s in ncp.sessions.all()][0] == "Apertura y diálogo entre los Puntos Nacionales de Contacto"
        assert '<a href="/es/news/national-contact-points-meeting-mexico-city/"' in ncp.description
    with translation.override("en"):
        assert webinar.title.startswith("Demo webinar")
        assert [s.role for s in webinar.speakers.all()] == ["Speaker"]
    # An event without Spanish in its fixture falls back to English on the Spanish pages.
    assert Event.objects.get(slug="webinar-digital-competences-at-school-2022").title_es is None
    assert webinar.slug == "demo-webinar-digital-skills"  # the same address in both languages

    capsys.readouterr()
    call_command("seed_events", verbosity=1)
    assert "0 created, 0 updated" in capsys.readouterr().out


def test_a_spanish_speaker_line_must_follow_its_english_line(tmp_path):
    from events.management.commands import seed_events

    (tmp_path / "event.txt").write_text(
        "title: A\nslug: a\nkind: seminar\nformat: virtual\ntime_zone: UTC\nstart: 2025-01-01 10:00\n"
        "end: 2025-01-01 11:00\nsummary: S\nspeaker: Ana | Host | | \n"
        "speaker_es: Beatriz | Anfitriona | | \n---\nText\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="does not follow"):
        seed_events.parse(tmp_path / "event.txt")
