"""Organisers in the admin: counts, the personal-data permission, check-in, export, rescheduling."""

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse

from events import services
from events.models import Event, Registration
from tests.events.factories import (
    ConfirmedRegistrationFactory,
    OpenEventFactory,
    RegistrationFactory,
    WaitlistedRegistrationFactory,
    in_days,
)
from tests.portal.test_admin import png_file

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:events_registration_changelist"


@pytest.fixture
def event_with_registrations(members):
    event = OpenEventFactory(title="NCP meeting", capacity=2)
    people = [
        ConfirmedRegistrationFactory(event=event, participant__full_name="Vanessa Maynou"),
        ConfirmedRegistrationFactory(event=event),
        WaitlistedRegistrationFactory(event=event),
        RegistrationFactory(event=event),
        RegistrationFactory(event=event, status=Registration.Status.CANCELLED),
    ]
    return event, people


def test_event_changelist_shows_registration_counts(editor_client, event_with_registrations):
    event, _people = event_with_registrations
    html = editor_client.get(reverse("admin:events_event_changelist")).content.decode()
    assert "2 confirmed · 1 waiting · 1 pending" in html
    change = editor_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert "Cancelled: <strong>1</strong>" in change
    assert "See the registrations" in change


def test_registrations_show_personal_data_only_with_the_permission(
    editor_client, author_client, event_with_registrations
):
    event, people = event_with_registrations
    url = reverse(CHANGELIST) + f"?event__id__exact={event.pk}"
    editor_html = editor_client.get(url).content.decode()
    assert "Vanessa Maynou" in editor_html
    assert people[0].participant.email in editor_html
    assert "Confirmed: <strong>2</strong>" in editor_html

    author_html = author_client.get(url).content.decode()
    assert author_client.get(url).status_code == 200
    assert "Vanessa Maynou" not in author_html
    assert people[0].participant.email not in author_html
    assert f"Participant #{people[0].participant_id}" in author_html
    detail = author_client.get(reverse("admin:events_registration_change", args=[people[0].pk])).content.decode()
    assert people[0].participant.email not in detail
    # Searching by email is not open to those who may not see emails.
    searched = author_client.get(reverse(CHANGELIST) + f"?q={people[0].participant.email}").content.decode()
    assert "0 registrations" in searched or "0 results" in searched


def _export(client, file_format_index):
    url = reverse("admin:events_registration_export")
    form = client.get(url).context["form"]
    data = {"format": str(file_format_index), "resource": "0"}
    for name, field in form.fields.items():
        if getattr(field, "is_selectable_field", False):
            data[name] = "on"
    return client.post(url, data)


def test_export_to_csv_and_xlsx_with_personal_data_only_for_the_permission(
    editor_client, author_client, event_with_registrations
):
    _event, people = event_with_registrations
    csv_with = _export(editor_client, 0).content.decode()
    assert "email" in csv_with.splitlines()[0]
    assert people[0].participant.email in csv_with
    assert "Universidad de Lima" in csv_with

    csv_without = _export(author_client, 0).content.decode()
    assert "email" not in csv_without.splitlines()[0]
    assert people[0].participant.email not in csv_without
    assert "Confirmed" in csv_without

    response = _export(editor_client, 1)
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert "email" in rows[0]
    assert len(rows) == 1 + len(people)


def test_check_in_action_records_in_person_attendance(editor_client, event_with_registrations):
    _event, people = event_with_registrations
    confirmed, pending = people[0], people[3]
    response = editor_client.post(
        reverse(CHANGELIST),
        {"action": "check_in", "_selected_action": [confirmed.pk, pending.pk]},
        follow=True,
    )
    assert "1 participant checked in." in response.content.decode()
    confirmed.refresh_from_db()
    pending.refresh_from_db()
    assert confirmed.status == Registration.Status.ATTENDED
    assert confirmed.attendance == Registration.Attendance.IN_PERSON
    assert pending.status == Registration.Status.PENDING


def test_registration_status_cannot_be_edited_in_the_admin(editor_client, event_with_registrations):
    _event, people = event_with_registrations
    registration = people[0]
    response = editor_client.get(reverse("admin:events_registration_change", args=[registration.pk]))
    assert 'name="status"' not in response.content.decode()
    assert editor_client.get(reverse("admin:events_registration_add")).status_code == 403


def _change_data(client, event, **changes):
    response = client.get(reverse("admin:events_event_change", args=[event.pk]))
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or name == "cover_image":
            continue
        if name in ("organising_bodies",):
            data[name] = [body.pk for body in value]
        elif hasattr(value, "strftime"):  # the admin's split date and time inputs
            data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
        elif hasattr(value, "pk"):
            data[name] = value.pk
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
        for inline_form in formset.formset.forms:  # the rows already there, as they are
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value not in (None, "", []):
                    data[inline_form.add_prefix(name)] = getattr(value, "pk", value)
    data.update(changes)
    return data


def test_times_are_typed_in_the_events_zone_and_rescheduling_tells_participants(
    editor_client, members, mailoutbox, django_capture_on_commit_callbacks
):
    event = OpenEventFactory(time_zone="America/Mexico_City", start=in_days(10), reminders=[24])
    ConfirmedRegistrationFactory(event=event)
    new_start = (
        (event.start + timedelta(days=3))
        .astimezone(ZoneInfo("America/Mexico_City"))
        .replace(hour=12, minute=0, second=0, microsecond=0)
    )
    data = _change_data(
        editor_client,
        event,
        start_0=new_start.strftime("%Y-%m-%d"),
        start_1="12:00:00",
        end_0=new_start.strftime("%Y-%m-%d"),
        end_1="14:00:00",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("admin:events_event_change", args=[event.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert event.local_start.strftime("%Y-%m-%d %H:%M %Z") == new_start.strftime("%Y-%m-%d 12:00 CST")
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["New date"]


def test_editors_cancel_an_event_from_the_list(editor_client, event_with_registrations, mailoutbox):
    event, _people = event_with_registrations
    response = editor_client.post(
        reverse("admin:events_event_changelist"),
        {"action": "cancel_events", "_selected_action": [event.pk]},
        follow=True,
    )
    assert "is cancelled" in response.content.decode()
    event.refresh_from_db()
    assert event.state == Event.State.CANCELLED


def test_authors_cannot_cancel_events(author_client, event_with_registrations):
    event, _people = event_with_registrations
    author_client.post(
        reverse("admin:events_event_changelist"), {"action": "cancel_events", "_selected_action": [event.pk]}
    )
    event.refresh_from_db()
    assert event.state == Event.State.SCHEDULED


def test_reminder_rules_in_the_admin_move_their_tasks(editor_client, members, settings, committed):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    event = OpenEventFactory(start=in_days(10), reminders=[24])
    with committed():
        services.confirm(registration=RegistrationFactory(event=event))
    rule = event.reminder_rules.get()
    assert rule.enqueued_for == event.start - timedelta(hours=24)
    data = _change_data(editor_client, event)
    data.update(
        {
            "reminder_rules-0-hours_before": 48,
            "reminder_rules-TOTAL_FORMS": 2,
            "reminder_rules-1-hours_before": 168,
            "reminder_rules-1-lead_en": "A week to go: read the agenda.",
            "reminder_rules-1-lead_es": "Falta una semana: lea la agenda.",
        }
    )
    response = editor_client.post(reverse("admin:events_event_change", args=[event.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    rules = {rule.hours_before: rule for rule in event.reminder_rules.all()}
    assert set(rules) == {168, 48}
    assert rules[48].enqueued_for == event.start - timedelta(hours=48)  # its task moved with it
    assert rules[168].enqueued_for == event.start - timedelta(hours=168)
    assert rules[168].lead_es == "Falta una semana: lea la agenda."


def test_more_seats_in_the_admin_go_to_the_waiting_list(editor_client, event_with_registrations, mailoutbox):
    event, people = event_with_registrations
    waiting = people[2]
    data = _change_data(editor_client, event, capacity=3)
    response = editor_client.post(reverse("admin:events_event_change", args=[event.pk]), data, follow=True)
    assert "1 person moved from the waiting list to a seat." in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED


def test_a_cancelled_event_keeps_its_time_and_the_form_says_why(editor_client, event_with_registrations, editor):
    event, _people = event_with_registrations
    services.cancel_event(event=event, actor=editor)
    event.refresh_from_db()
    new_start = event.local_start + timedelta(days=1)
    data = _change_data(
        editor_client,
        event,
        title_en="Renamed while cancelled",
        start_0=new_start.strftime("%Y-%m-%d"),
        end_0=(event.local_end + timedelta(days=1)).strftime("%Y-%m-%d"),
    )
    response = editor_client.post(reverse("admin:events_event_change", args=[event.pk]), data)
    assert response.status_code == 200
    assert "is cancelled; it cannot be rescheduled" in response.content.decode()
    before = (event.start, event.title)
    event.refresh_from_db()
    assert (event.start, event.title) == before  # nothing saved


def test_a_rule_of_the_event_on_a_translated_field_is_a_message_on_that_field(editor_client):
    # The model's clean names "city" (a translated field: the form has city_en and city_es):
    # the message goes to the field in the site's language; before, the page failed with a 500.
    event = OpenEventFactory()  # online, no city
    data = _change_data(editor_client, event, format=Event.Format.HYBRID)
    response = editor_client.post(reverse("admin:events_event_change", args=[event.pk]), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["city_en"] == ["Say where an in-person or hybrid event takes place: city and country."]
    event.refresh_from_db()
    assert event.format == Event.Format.VIRTUAL


def test_a_speakers_photo_without_a_description_is_a_message_not_a_failure(editor_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    event = OpenEventFactory()
    data = _change_data(editor_client, event)
    data.update({"speakers-TOTAL_FORMS": 1, "speakers-0-name": "Ana Pérez", "speakers-0-position": 0})
    data["speakers-0-photo"] = png_file("ana.png")
    response = editor_client.post(reverse("admin:events_event_change", args=[event.pk]), data)
    assert response.status_code == 200
    assert "Describe the photo: a text alternative is required." in response.content.decode()
    assert not event.speakers.exists()
