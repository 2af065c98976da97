"""Attendance certificates: issued to those whose attendance was recorded, checked by code, revoked by staff."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from events import services
from events.models import Certificate, Event, Registration
from portal import pdf
from tests.events.factories import ConfirmedRegistrationFactory, PastEventFactory, RegistrationFactory, SessionFactory
from tests.factories import BodyFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status


@pytest.fixture
def attended(members):
    """Someone who joined a two-hour webinar, now over, organised by the OECD network."""
    event = PastEventFactory(title_en="Webinar on digital skills", title_es="Webinar sobre competencias digitales")
    event.organising_bodies.add(BodyFactory(name_en="Digital Teaching Network", name_es="Red de Docencia Digital"))
    return RegistrationFactory(
        event=event,
        participant__full_name="Vanessa Maynou",
        status=Status.ATTENDED,
        attendance=Registration.Attendance.ONLINE,
        attended_at=event.start + timedelta(minutes=3),
    )


@pytest.fixture
def written(monkeypatch):
    """Every text the PDF documents write (fpdf2 subsets and compresses the font: the bytes do not show it)."""
    texts = []
    for name in ("heading", "paragraph", "small", "notice", "table"):
        original = getattr(pdf.Document, name)

        def spy(self, *args, original=original, **kwargs):
            texts.append(repr(args))
            return original(self, *args, **kwargs)

        monkeypatch.setattr(pdf.Document, name, spy)
    return texts


def text_of(texts) -> str:
    return " ".join(texts)


def download(client, registration):
    client.force_login(registration.participant)
    return client.get(reverse("events:certificate_download", kwargs={"slug": registration.event.slug}))


def test_an_attendee_downloads_a_certificate_that_states_the_facts(client, attended, written):
    response = download(client, attended)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "no-store" in response["Cache-Control"]
    certificate = Certificate.objects.get(registration=attended)
    text = text_of(written)
    for fact in ("Certificate of attendance", "Vanessa Maynou", "Webinar on digital skills", "2.0 hours",
                 "Digital Teaching Network", certificate.code_shown, "online"):  # fmt: skip
        assert fact in text, fact
    assert certificate.hours == Decimal("2.0")
    written.clear()
    download(client, attended)
    assert Certificate.objects.filter(registration=attended).count() == 1  # the same certificate every time
    assert certificate.code_shown in text_of(written)


def test_the_certificate_is_in_the_participants_language(client, attended, written):
    attended.participant.profile.preferred_language = "es"
    attended.participant.profile.save()
    download(client, attended)
    text = text_of(written)
    assert "Certificado de asistencia" in text
    assert "Webinar sobre competencias digitales" in text and "Red de Docencia Digital" in text


def test_someone_checked_in_at_the_door_gets_one_too(members, editor):
    event = PastEventFactory()
    registration = ConfirmedRegistrationFactory(event=event)
    Registration.objects.filter(pk=registration.pk).update(
        status=Status.ATTENDED, attendance=Registration.Attendance.IN_PERSON
    )
    certificate = services.issue_certificate(registration=registration, actor=registration.participant)
    assert certificate.attendance == Registration.Attendance.IN_PERSON


@pytest.mark.parametrize("status", [Status.CONFIRMED, Status.PENDING, Status.WAITLISTED, Status.CANCELLED])
def test_no_certificate_for_someone_who_did_not_attend(client, members, status):
    registration = RegistrationFactory(event=PastEventFactory(), status=status)
    response = download(client, registration)
    assert response.status_code == 403
    assert "once your attendance has been recorded" in response.content.decode()
    assert not Certificate.objects.exists()


def test_no_certificate_for_a_cancelled_event_nor_for_someone_else(attended, participant):
    Event.objects.filter(pk=attended.event_id).update(state=Event.State.CANCELLED)
    attended.refresh_from_db()
    with pytest.raises(services.CertificateRefused, match="cancelled"):
        services.issue_certificate(registration=attended, actor=attended.participant)
    with pytest.raises(services.CertificateRefused, match="Only the participant"):
        services.issue_certificate(registration=attended, actor=participant)
    assert not Certificate.objects.exists()


def test_hours_add_up_the_sessions_of_a_multi_day_event(members):
    event = PastEventFactory(end=PastEventFactory.start.function() + timedelta(days=2))
    SessionFactory(event=event, start=event.start, end=event.start + timedelta(hours=3))
    SessionFactory(event=event, start=event.start + timedelta(days=1), end=event.start + timedelta(days=1, hours=4.5))
    assert services.attended_hours(event) == Decimal("7.5")


def test_anyone_checks_a_certificate_by_its_code(client, attended):
    certificate = services.issue_certificate(registration=attended, actor=attended.participant)
    typed = certificate.code_shown.lower().replace("-", " ")
    lookup = client.get(reverse("events:certificate_lookup"), {"code": typed})
    page = client.get(lookup["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "Valid." in html
    assert "Vanessa Maynou" in html and "Webinar on digital skills" in html and "Digital Teaching Network" in html


def test_an_unknown_code_says_so(client, db):
    page = client.get(reverse("events:certificate_verify", kwargs={"code": "ZZZZ-ZZZZ-ZZZZ"}))
    assert page.status_code == 404 and "Unknown code." in page.content.decode()


def test_staff_revoke_a_certificate_and_the_page_says_revoked(client, attended, editor, author):
    certificate = services.issue_certificate(registration=attended, actor=attended.participant)
    with pytest.raises(services.CertificateRefused, match="not allowed"):
        services.revoke_certificate(certificate=certificate, actor=author, reason="Registered under a false name.")
    with pytest.raises(services.CertificateRefused, match="Say why"):
        services.revoke_certificate(certificate=certificate, actor=editor, reason="  ")
    certificate.refresh_from_db()
    assert not certificate.is_revoked
    services.revoke_certificate(certificate=certificate, actor=editor, reason="Registered under a false name.")
    certificate.refresh_from_db()
    assert (certificate.revoked_by, certificate.revoked_reason) == (editor, "Registered under a false name.")
    html = client.get(certificate.get_absolute_url()).content.decode()
    assert "Revoked." in html and "Vanessa Maynou" not in html
    with pytest.raises(services.CertificateRefused, match="already revoked"):
        services.revoke_certificate(certificate=certificate, actor=editor, reason="Again.")
    response = download(client, attended)
    assert response.status_code == 403 and "was revoked" in response.content.decode()


def test_staff_revoke_in_the_admin(editor_client, attended):
    certificate = services.issue_certificate(registration=attended, actor=attended.participant)
    url = reverse("admin:events_certificate_change", args=[certificate.pk])
    assert editor_client.get(url).status_code == 200
    response = editor_client.post(url, {"revoked_reason": "Attendance recorded by mistake."})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoked_reason == "Attendance recorded by mistake."


def test_one_certificate_per_registration_in_the_database(attended):
    services.issue_certificate(registration=attended, actor=attended.participant)
    certificate = Certificate.objects.get()
    certificate.pk = None
    certificate.code = "AAAABBBBCCCC"
    with pytest.raises(IntegrityError), transaction.atomic():
        certificate.save()


def test_my_account_links_the_certificate_of_an_attended_event(client, attended):
    client.force_login(attended.participant)
    html = client.get(reverse("accounts:my_account")).content.decode()
    assert reverse("events:certificate_download", kwargs={"slug": attended.event.slug}) in html


def test_erasing_the_account_erases_its_certificates(attended):
    services.issue_certificate(registration=attended, actor=attended.participant)
    services.erase_registrations(attended.participant)
    assert not Certificate.objects.exists()
