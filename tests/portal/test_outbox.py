"""The outbox: every email queued with its change, delivered after commit, retried, never twice."""

import re
import smtplib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from portal import outbox
from portal.models import OutboundEmail

pytestmark = pytest.mark.django_db

State = OutboundEmail.State
ROOT = Path(__file__).resolve().parents[2]


def message(to="ana@example.org", subject="Hello"):
    email = EmailMultiAlternatives(subject=subject, body="Plain text", to=[to])
    email.attach_alternative("<p>HTML</p>", "text/html")
    email.attach("event.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    return email


class UnreachableBackend(EmailBackend):
    def open(self):
        raise ConnectionRefusedError("[Errno 111] Connection refused")


class GreylistingBackend(EmailBackend):
    """A server that answers 451 (try again later) to every message."""

    def send_messages(self, messages):
        raise smtplib.SMTPSenderRefused(451, b"4.7.1 Greylisted, try again later", "no-reply@example.org")


class RejectingBackend(EmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"5.1.1 No such user")})


def unreachable(settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.UnreachableBackend"}}


def reachable(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def later(settings, attempts=1):
    return timezone.now() + timedelta(seconds=settings.OUTBOX_RETRY_MAX_SECONDS * attempts + 1)


def test_a_queued_email_is_sent_once_exactly_as_written(mailoutbox):
    row = outbox.queue(message(), kind="test.hello")
    assert (row.state, row.recipients, row.subject) == (State.QUEUED, ["ana@example.org"], "Hello")
    assert mailoutbox == []  # nothing leaves until delivered

    assert outbox.deliver().sent == 1
    assert outbox.deliver().sent == 0
    (sent,) = mailoutbox
    assert (sent.subject, sent.body, sent.to) == ("Hello", "Plain text", ["ana@example.org"])
    assert sent.alternatives[0][0] == "<p>HTML</p>"
    assert sent.attachments[0][0] == "event.ics" and sent.attachments[0][1].startswith("BEGIN:VCALENDAR")
    assert re.match(r"<.+@.+>", sent.extra_headers["Message-ID"])
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.SENT, 1) and row.sent_at is not None


def test_the_same_key_is_queued_once():
    assert outbox.queue(message(), kind="test.hello", key="registration:1:confirmed") is not None
    assert outbox.queue(message(), kind="test.hello", key="registration:1:confirmed") is None
    assert OutboundEmail.objects.count() == 1


def test_nothing_leaves_before_the_transaction_that_queued_it_commits(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outbox.deliver_on_commit([outbox.queue(message(), kind="test.hello")])
    assert mailoutbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1


def test_while_the_server_is_unreachable_emails_wait_and_are_retried_with_backoff(settings, mailoutbox):
    unreachable(settings)
    first, _second = outbox.queue(message(), kind="test"), outbox.queue(message("bo@example.org"), kind="test")
    report = outbox.deliver()
    assert (report.sent, report.retrying, report.unreachable) == (0, 2, True)
    first.refresh_from_db()
    assert (first.state, first.attempts) == (State.QUEUED, 1)
    assert "Connection refused" in first.last_error
    assert first.next_attempt_at > timezone.now()  # not again at once
    assert outbox.deliver().sent == 0

    # Still down at the next attempt: the wait doubles (with jitter), up to its maximum.
    outbox.deliver(now=later(settings))
    first.refresh_from_db()
    assert first.attempts == 2
    assert outbox.retry_delay(1) <= timedelta(seconds=settings.OUTBOX_RETRY_SECONDS)
    assert outbox.retry_delay(2) > timedelta(seconds=settings.OUTBOX_RETRY_SECONDS)
    assert outbox.retry_delay(50) <= timedelta(seconds=settings.OUTBOX_RETRY_MAX_SECONDS)

    reachable(settings)  # the server is back
    assert outbox.deliver(now=later(settings, 2)).sent == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["ana@example.org", "bo@example.org"]
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {State.SENT}


def test_a_temporary_refusal_is_retried_and_a_permanent_one_is_not(settings, mailoutbox):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.GreylistingBackend"}}
    greylisted = outbox.queue(message(), kind="test")
    assert outbox.deliver().retrying == 1
    greylisted.refresh_from_db()
    assert greylisted.state == State.QUEUED and "451" in greylisted.last_error

    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RejectingBackend"}}
    rejected = outbox.queue(message("nobody@example.org"), kind="test")
    assert outbox.deliver(ids=[rejected.pk]).failed == 1
    rejected.refresh_from_db()
    assert rejected.state == State.FAILED and "550" in rejected.last_error
    assert outbox.deliver(now=later(settings, 10), ids=[rejected.pk]).sent == 0  # never again


def test_an_email_the_server_never_takes_is_given_up_after_the_configured_time(settings):
    unreachable(settings)
    row = outbox.queue(message(), kind="test")
    OutboundEmail.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.OUTBOX_GIVE_UP_HOURS, minutes=1)
    )
    assert outbox.deliver().failed == 1
    row.refresh_from_db()
    assert row.state == State.FAILED


def test_rows_another_sender_holds_are_left_alone_until_its_claim_expires(mailoutbox, settings):
    row = outbox.queue(message(), kind="test")
    OutboundEmail.objects.filter(pk=row.pk).update(
        claimed_until=timezone.now() + timedelta(seconds=60), claimed_by="another-sender"
    )
    assert outbox.deliver().sent == 0
    # That sender died: when its claim has passed, anyone delivers the row (once).
    assert outbox.deliver(now=timezone.now() + timedelta(seconds=61)).sent == 1
    assert len(mailoutbox) == 1


def test_a_sender_that_lost_its_claim_does_not_stamp_another_senders_row(mailoutbox, monkeypatch):
    row = outbox.queue(message(), kind="test")
    send = EmailBackend.send_messages

    def slow_server(backend, messages):
        # While this sender waited for the server, its claim passed and another sender took the row.
        OutboundEmail.objects.filter(pk=row.pk).update(claimed_by="another-sender")
        return send(backend, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", slow_server)
    assert outbox.deliver().sent == 1
    row.refresh_from_db()
    assert row.state == State.QUEUED  # the other sender's outcome decides, not this one's


def test_withdrawn_emails_do_not_go():
    about = outbox.queue(message(), kind="events.reminder", topic="events.event:1/registration:2")
    other = outbox.queue(message(), kind="events.reminder", topic="events.event:1/registration:20")
    assert outbox.withdraw(topic="events.event:1/registration:2") == 1
    assert outbox.deliver().sent == 1
    about.refresh_from_db(), other.refresh_from_db()
    assert (about.state, other.state) == (State.WITHDRAWN, State.SENT)
    assert outbox.withdraw(topic="events.event:1", kinds=("events.reminder",)) == 0  # nothing waits any more


def test_old_rows_are_pruned_because_they_hold_personal_data(settings):
    old, recent = outbox.queue(message(), kind="test"), outbox.queue(message(), kind="test")
    outbox.deliver()
    OutboundEmail.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=settings.OUTBOX_KEEP_DAYS + 1)
    )
    assert outbox.prune() == 1
    assert list(OutboundEmail.objects.values_list("pk", flat=True)) == [recent.pk]


def test_sign_up_works_while_the_mail_server_is_down_and_its_email_follows(
    client, settings, mailoutbox, privacy_policy, django_capture_on_commit_callbacks
):
    from tests.factories import CountryFactory

    unreachable(settings)
    peru = CountryFactory(code="PE")
    data = {
        "email": "maria.quispe@example.org", "password1": "Quinoa-and-coffee-26", "password2": "Quinoa-and-coffee-26",
        "full_name": "María Quispe", "sector": "business", "country": peru.code, "preferred_language": "es",
        "privacy_consent": "on",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", data)
    assert response.status_code == 302  # not a 500: the request never talks to the mail server
    waiting = OutboundEmail.objects.get(kind="accounts.email_confirmation_signup")
    assert waiting.state == State.QUEUED and waiting.recipients == ["maria.quispe@example.org"]

    reachable(settings)
    assert outbox.deliver(now=later(settings)).sent == 1
    assert "/accounts/confirm-email/" in mailoutbox[0].body


def test_deleting_an_account_deletes_the_emails_to_it(participant):
    from accounts import services as accounts

    outbox.queue(message(to=participant.email), kind="test")
    outbox.queue(message(to="someone-else@example.org"), kind="test")
    accounts.delete_account(user=participant)
    assert list(OutboundEmail.objects.values_list("recipients", flat=True)) == [["someone-else@example.org"]]


def test_no_code_of_the_portal_sends_an_email_but_the_outbox():
    """Every email goes through portal.outbox, so that none is lost or sent twice."""
    sending = re.compile(r"\.send\(\)|(?<!def )\bsend_mail\(|\bsend_mass_mail\(|\.send_messages\(|mail_admins\(")
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "scripts", "var", "staticfiles"} or "migrations" in relative.parts:
            continue
        if relative == Path("portal/outbox.py"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if sending.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


def test_only_superusers_see_the_outbox_and_may_send_a_failed_email_again(client, editor, django_user_model):
    row = outbox.queue(message(), kind="test")
    OutboundEmail.objects.filter(pk=row.pk).update(state=State.FAILED, last_error="550 No such user")
    client.force_login(editor)
    assert client.get("/admin/portal/outboundemail/").status_code in (302, 403)

    admin = django_user_model.objects.create_superuser(email="root@example.org", password="x-long-password-2026")
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=admin, type=Authenticator.Type.TOTP, data={})
    client.force_login(admin)
    assert "550 No such user" in client.get(f"/admin/portal/outboundemail/{row.pk}/change/").content.decode()
    response = client.post("/admin/portal/outboundemail/", {"action": "send_again", "_selected_action": [row.pk]})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.state == State.QUEUED
