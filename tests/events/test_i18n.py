"""Events in Spanish and English: content, fallback, search, the admin, emails in the
participant's language."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from events import emails, services, times
from events.models import Event, EventDocument, EventPartner, Session, Speaker
from events.registry import event_search
from tests.events.factories import (
    ConfirmedRegistrationFactory,
    DocumentFactory,
    OpenEventFactory,
    PartnerFactory,
    PublishedEventFactory,
    SessionFactory,
    SpeakerFactory,
    in_days,
)
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish_names(members):
    """The member countries' Spanish names (the factories give the English ones only)."""
    for code, name in {"CL": "Chile", "CO": "Colombia", "MX": "México", "PE": "Perú"}.items():
        members[code].name_es = name
        members[code].save()
    return members


@pytest.fixture
def bilingual_event(members):
    event = OpenEventFactory(
        title_en="Workshop on business digital security",
        title_es="Taller de seguridad digital para empresas",
        summary_en="Two days on the digital risks of companies.",
        summary_es="Dos días sobre los riesgos digitales de las empresas.",
        description_en="<p>Organised with the OECD.</p>",
        description_es="<p>Organizado con la OCDE.</p>",
    )
    speaker = SpeakerFactory(event=event, role_en="Moderator", role_es="Moderadora", bio_en="Economist.")
    SessionFactory(event=event, title_en="Opening", title_es="Apertura").speakers.add(speaker)
    DocumentFactory(event=event, title_en="Agenda", title_es="Programa")
    PartnerFactory(event=event, name_en="International Labour Organization", name_es=None)
    return event


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response
    return response.content.decode()


# --- Pages --------------------------------------------------------------------------------


def test_the_event_page_in_each_language_at_the_same_address(client, bilingual_event):
    english = page(client, f"/events/{bilingual_event.slug}/")
    spanish = page(client, f"/es/events/{bilingual_event.slug}/")
    assert '<html lang="en">' in english and '<html lang="es">' in spanish
    assert "<h1>Workshop on business digital security</h1>" in english
    assert "<h1>Taller de seguridad digital para empresas</h1>" in spanish
    for text in ("Dos días sobre los riesgos", "Organizado con la OCDE.", "Moderadora", "Apertura", "Programa"):
        assert text in spanish
    assert "translation-note" not in english and "translation-note" not in spanish


def test_what_has_no_translation_is_shown_in_the_other_language_and_marked(client, bilingual_event):
    bilingual_event.description_es = ""
    bilingual_event.save()
    html = page(client, f"/es/events/{bilingual_event.slug}/")
    assert 'class="translation-note"' in html
    assert "<h1>Taller de seguridad digital para empresas</h1>" in html  # translated: no mark
    assert '<div class="prose" lang="en"><p>Organised with the OECD.</p></div>' in html
    assert '<p lang="en">Economist.</p>' in html  # the speaker's bio
    assert 'rel="noopener" lang="en">International Labour Organization</a>' in html
    assert '<span lang="en">' not in page(client, f"/events/{bilingual_event.slug}/")


def test_cards_mark_an_untranslated_title(client, bilingual_event):
    english_only = OpenEventFactory(title_en="Forum on quinoa trade", title_es=None, summary_es=None)
    html = page(client, "/es/events/")
    assert f'<a href="/es/events/{english_only.slug}/" lang="en">Forum on quinoa trade</a>' in html
    assert re.search(r'lang="en">Forum on quinoa trade</a> <span class="tag tag--language"[^>]*>EN</span>', html)
    assert f'<a href="/es/events/{bilingual_event.slug}/">Taller de seguridad digital para empresas</a>' in html
    assert "Forum on quinoa trade" in page(client, "/es/")  # the home block falls back too


def test_the_sitemap_lists_each_event_in_both_languages(client, bilingual_event):
    xml = page(client, "/sitemap.xml")
    assert f"<loc>http://testserver/es/events/{bilingual_event.slug}/</loc>" in xml
    assert f'hreflang="es" href="http://testserver/es/events/{bilingual_event.slug}/"' in xml
    assert f'hreflang="en" href="http://testserver/events/{bilingual_event.slug}/"' in xml


def test_the_month_calendar_speaks_the_page_language(client, bilingual_event):
    local = bilingual_event.local_start
    html = page(client, f"/es/events/calendar/{local.year}/{local.month}/")
    assert ">lunes</th>" in html.lower()
    assert "Taller de seguridad digital" in html


def test_member_country_names_follow_the_language(spanish_names):
    with translation.override("en"):
        assert [name for name, _zone in times.member_zones()] == ["Chile", "Colombia", "Mexico", "Peru"]
    with translation.override("es"):
        assert [name for name, _zone in times.member_zones()] == ["Chile", "Colombia", "México", "Perú"]
    with translation.override("en"):  # each language has its own cached copy
        assert "Mexico" in times.grouped_text(in_days(3))


# --- API and search -----------------------------------------------------------------------


def test_the_api_answers_in_the_language_asked_for_with_the_same_slugs(client, bilingual_event):
    english_only = OpenEventFactory(title_en="Forum on quinoa trade", title_es=None)
    response = client.get("/api/v1/events/", HTTP_ACCEPT_LANGUAGE="es")
    assert response["Content-Language"] == "es"
    spanish = response.json()["results"]
    assert {item["slug"]: item["title"] for item in spanish} == {
        bilingual_event.slug: "Taller de seguridad digital para empresas",
        english_only.slug: "Forum on quinoa trade",  # falls back, as the page does
    }
    detail = client.get(f"/api/v1/events/{bilingual_event.slug}/", HTTP_ACCEPT_LANGUAGE="es").json()
    assert detail["sessions"][0]["title"] == "Apertura"
    assert detail["speakers"][0]["role"] == "Moderadora"
    english = client.get(f"/api/v1/events/{bilingual_event.slug}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["title"] == "Workshop on business digital security"


@pytest.mark.parametrize("words", ["seguridad digital", "digital security"])
def test_search_finds_an_event_by_its_words_in_either_language(client, bilingual_event, words):
    OpenEventFactory(title_en="Craft fair", title_es="Feria artesanal", summary_es="Artesanía de la región.")
    assert [event.pk for event in event_search(words)] == [bilingual_event.pk]
    assert f"/events/{bilingual_event.slug}/" in page(client, f"/events/?q={words}")
    found = client.get("/api/v1/events/", {"search": words}).json()["results"]
    assert [item["slug"] for item in found] == [bilingual_event.slug]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stemming needs PostgreSQL's text-search configurations")
def test_spanish_words_are_found_by_their_stem(members):
    launch = PublishedEventFactory(title_en="Procurement observatory", title_es="Observatorio de contratación pública")
    PublishedEventFactory(title_en="Craft fair", title_es="Feria artesanal")
    assert [event.pk for event in event_search("contrataciones")] == [launch.pk]


# --- The admin ----------------------------------------------------------------------------


def test_the_admin_shows_both_languages_side_by_side_without_outside_scripts(editor_client, bilingual_event):
    html = page(editor_client, reverse("admin:events_event_change", args=[bilingual_event.pk]))
    for name in ("title_en", "title_es", "summary_es", "description_es", "venue_es", "city_es", "state_note_es"):
        assert f'name="{name}"' in html, name
    for name in ("speakers-0-role_es", "speakers-0-bio_es", "sessions-0-title_es", "documents-0-title_es"):
        assert f'name="{name}"' in html, name
    assert 'name="partners-0-name_es"' in html
    assert 'name="title"' not in html and 'name="slug_es"' not in html  # one address for both languages
    assert not re.search(r'<script[^>]+src="(https?:)?//', html)  # no CDN (the tabbed admins load jQuery)


def test_an_editor_adds_the_spanish_translation_in_the_admin(editor_client, members):
    event = OpenEventFactory(title_en="Forum on quinoa trade", title_es=None)
    url = reverse("admin:events_event_change", args=[event.pk])
    form = editor_client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or name == "cover_image":
            continue
        if name == "organising_bodies":
            data[name] = [body.pk for body in value]
        elif hasattr(value, "strftime"):
            data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
        elif hasattr(value, "pk"):
            data[name] = value.pk
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    for prefix in (
        "partners",
        "speakers",
        "sessions",
        "reminder_rules",
        "quotas",
        "documents",
        "follow_up",
        "survey_questions",
    ):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update({"title_es": "Foro sobre el comercio de la quinua", "summary_es": "Un foro."})
    data.update(
        {
            "portal-workflowevent-content_type-object_id-TOTAL_FORMS": 0,
            "portal-workflowevent-content_type-object_id-INITIAL_FORMS": 0,
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert (event.title_en, event.title_es, event.slug) == (
        "Forum on quinoa trade",
        "Foro sobre el comercio de la quinua",
        event.slug,
    )
    with translation.override("es"):
        assert event.title == "Foro sobre el comercio de la quinua"


def test_the_migration_copies_the_existing_text_into_english(members):
    import importlib

    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("events.migrations.0003_translations")
    # The models as the migration sees them (plain fields, no modeltranslation rewriting).
    historical = MigrationLoader(connection).project_state(("events", "0003_translations")).apps
    event = OpenEventFactory(title="Forum on quinoa trade", summary="A forum.", city="Lima")
    speaker = SpeakerFactory(event=event, role="Moderator", bio="Economist.")
    session = SessionFactory(event=event, title="Opening")
    document = DocumentFactory(event=event, title="Agenda")
    partner = PartnerFactory(event=event, name="OECD")
    # As before the translations existed: the text only in the original columns.
    for model, fields in migration.TRANSLATED.items():
        historical.get_model("events", model).objects.update(**{f"{field}_en": None for field in fields})
    assert Event.objects.get(pk=event.pk).title_en is None
    migration.copy_into_english(historical, None)
    event = Event.objects.get(pk=event.pk)
    assert (event.title_en, event.summary_en, event.city_en, event.title_es) == (
        "Forum on quinoa trade",
        "A forum.",
        "Lima",
        None,
    )
    assert Speaker.objects.get(pk=speaker.pk).role_en == "Moderator"
    assert Session.objects.get(pk=session.pk).title_en == "Opening"
    assert EventDocument.objects.get(pk=document.pk).title_en == "Agenda"
    assert EventPartner.objects.get(pk=partner.pk).name_en == "OECD"


# --- Emails -------------------------------------------------------------------------------


def _reminder_for(participant, event, committed):
    registration = ConfirmedRegistrationFactory(event=event, participant=participant)
    with committed():
        assert emails.send_reminder(registration.pk) == 1


def test_the_reminder_is_written_in_the_participants_language(spanish_names, committed, mailoutbox):
    event = OpenEventFactory(
        title_en="Workshop on business digital security",
        title_es="Taller de seguridad digital para empresas",
        time_zone="America/Mexico_City",
        start=in_days(0, hours=5),
    )
    english = ParticipantFactory(profile__country=spanish_names["CL"])
    spanish = ParticipantFactory(profile__country=spanish_names["MX"])
    spanish.profile.preferred_language = "es"
    spanish.profile.save()

    with translation.override("en"):  # whatever the sender's language, each gets their own
        _reminder_for(english, event, committed)
        _reminder_for(spanish, event, committed)

    to_english, to_spanish = mailoutbox
    english_html = to_english.alternatives[0][0]
    spanish_html = to_spanish.alternatives[0][0]
    # The HTML's lang is the language active while it was rendered (templates/events/email/base.html).
    assert '<html lang="en">' in english_html
    assert '<html lang="es">' in spanish_html
    assert "Workshop on business digital security" in to_english.subject
    assert "Taller de seguridad digital para empresas" in to_spanish.subject
    assert f"/events/{event.slug}/" in to_english.body and "/es/" not in to_english.body
    assert f"/es/events/{event.slug}/" in to_spanish.body
    assert "México" in to_spanish.body and "México" not in to_english.body
    assert "Mexico" in to_english.body


def test_the_confirmation_and_its_calendar_file_follow_the_participants_language(spanish_names, committed, mailoutbox):
    event = OpenEventFactory(title_en="Forum on quinoa trade", title_es="Foro sobre el comercio de la quinua")
    spanish = ParticipantFactory()
    spanish.profile.preferred_language = "es"
    spanish.profile.save()
    with committed():
        registration = services.register(event=event, participant=spanish)
    with committed():
        services.confirm(registration=registration)
    confirmation = mailoutbox[-1]
    assert '<html lang="es">' in confirmation.alternatives[0][0]
    ics = next(content for name, content, _type in confirmation.attachments if name == "event.ics")
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "SUMMARY:Foro sobre el comercio de la quinua" in ics
    assert f"/es/events/{event.slug}/" in ics


def test_a_participant_without_a_profile_gets_the_sites_language(members, committed, mailoutbox):
    from tests.factories import UserFactory

    person = UserFactory()
    event = OpenEventFactory(start=in_days(0, hours=5))
    registration = ConfirmedRegistrationFactory(event=event, participant=person)
    with translation.override("es"), committed():
        emails.send_reminder(registration.pk)
    assert '<html lang="en">' in mailoutbox[0].alternatives[0][0]


def test_the_one_line_times_of_emails_and_calendar_files_are_localised(spanish_names):
    # 01:00 on Tuesday in Tokyo is Monday in the member countries: the day is shown, in the language.
    moment = datetime(2025, 3, 4, 1, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    with translation.override("en"):
        assert times.grouped_text(moment, reference_zone="Asia/Tokyo").startswith("10:00 (Mon 3 Mar) Mexico")
    with translation.override("es"):  # abbreviations in lower case, as Spanish writes them
        assert times.grouped_text(moment, reference_zone="Asia/Tokyo").startswith("10:00 (lun 3 mar) México")


# --- Zones, dates and the month filter in the visitor's language --------------------------------


def test_time_zone_city_names_are_in_the_visitor_s_language(client, bilingual_event):
    """From CLDR (babel), not the zone's English name: "Ciudad de México" on the Spanish page."""
    spanish = page(client, f"/es/events/{bilingual_event.slug}/")
    english = page(client, f"/events/{bilingual_event.slug}/")
    assert "Hora de Ciudad de México" in spanish and "Mexico City" not in spanish
    assert "Mexico City time" in english


@pytest.mark.parametrize("zone, spanish", [("America/Bogota", "Bogotá"), ("Asia/Tokyo", "Tokio")])
def test_every_zone_gets_its_cldr_city_name(zone, spanish):
    from events.templatetags.event_times import zone_label

    with translation.override("es"):
        assert zone_label(zone) == spanish


def test_spanish_dates_write_abbreviations_in_lower_case(client, members):
    PublishedEventFactory(start=datetime(2030, 11, 30, 18, 0, tzinfo=ZoneInfo("America/Mexico_City")))
    spanish = page(client, "/es/events/?when=upcoming")
    english = page(client, "/events/?when=upcoming")
    assert ">sáb 30 nov 2030</time>" in spanish
    assert not re.search(r">(lun|mar|mié|jue|vie|sáb|dom) \d+ [A-Z]", spanish)
    assert ">Sat 30 Nov 2030</time>" in english


def test_long_spanish_dates_read_as_spanish_writes_them(members):
    moment = datetime(2030, 11, 30, 18, 0, tzinfo=ZoneInfo("America/Mexico_City"))
    with translation.override("es"):
        assert times.format_moment(moment, "l j F Y, H:i") == "sábado 30 de noviembre de 2030, 18:00"
    with translation.override("en"):
        assert times.format_moment(moment, "l j F Y, H:i") == "Saturday 30 November 2030, 18:00"


def test_the_month_filter_s_placeholder_is_translated(client, members):
    assert 'placeholder="AAAA-MM"' in page(client, "/es/events/")
    assert 'placeholder="YYYY-MM"' in page(client, "/events/")
