"""The outbox through a real SMTP server: the written bytes; each sent row stamped at once with an
asynchronous commit on PostgreSQL (the default), or the rows stamped in groups (one UPDATE per
OUTBOX_STAMP_EVERY emails), with a crash between send and stamp sending at most that group again."""

import threading
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import outbox
from portal.models import OutboundEmail
from tests.portal.test_worker_processes import free_port

pytestmark = pytest.mark.django_db

State = OutboundEmail.State


class Sink:
    """aiosmtpd handler: keeps every message it accepted (envelope recipients and bytes)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"

    def recipients(self) -> Counter:
        return Counter(recipient for recipients, _content in self.messages for recipient in recipients)


@pytest.fixture
def smtp(settings):
    """The outbox sends through Django's SMTP backend to a server on loopback."""
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "username": "", "password": "", "timeout": 10},
        }
    }
    yield sink
    controller.stop()


def digest(index: int) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject="Resumen semanal: lo que usted sigue en la Alianza del Pacífico",
        body=f"Hola, persona {index}.\n\n.Una línea que empieza con un punto.\n",
        to=[f"persona.{index}@example.org"],
        headers={
            "List-Unsubscribe": f"<https://portal.example/digest/unsubscribe/{'t' * 60}{index}/>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": "es",
        },
    )
    message.attach_alternative(f"<p>Hola, persona {index}: publicación nueva.</p>", "text/html")
    return message


def queue(count: int) -> list[OutboundEmail]:
    return [outbox.queue(digest(index), kind="test") for index in range(count)]


def stamp_statements(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "sent_at" in q["sql"]]


def test_the_sent_rows_can_be_stamped_in_one_update_per_group(smtp, settings):
    settings.OUTBOX_STAMP_EVERY = 3
    settings.OUTBOX_STAMP_SECONDS = 60
    rows = queue(7)
    with CaptureQueriesContext(connection) as queries:
        report = outbox.deliver()
    assert report.sent == 7
    assert len(stamp_statements(queries)) == 3  # 3 + 3 + the last one, not 7
    assert set(OutboundEmail.objects.values_list("state", "attempts")) == {(State.SENT, 1)}
    assert OutboundEmail.objects.filter(sent_at__isnull=True).count() == 0
    assert smtp.recipients() == Counter({row.recipients[0]: 1 for row in rows})


def test_a_slow_server_gets_its_rows_stamped_by_time_too(smtp, settings):
    settings.OUTBOX_STAMP_EVERY = 1000
    settings.OUTBOX_STAMP_SECONDS = 0  # every email is older than that once the server took it
    queue(3)
    with CaptureQueriesContext(connection) as queries:
        assert outbox.deliver().sent == 3
    assert len(stamp_statements(queries)) == 3


class Killed(BaseException):
    """The sender's process dies (SIGKILL): nothing after this point runs."""


def test_a_sender_killed_between_send_and_stamp_sends_at_most_its_group_again(smtp, settings, monkeypatch):
    settings.OUTBOX_STAMP_EVERY = 3
    settings.OUTBOX_STAMP_SECONDS = 60
    rows = queue(7)
    flush = outbox.Stamps.flush
    flushes = []

    def dies_at_the_second_stamp(stamps):
        flushes.append(len(stamps.pending))
        if len(flushes) == 1:
            return flush(stamps)
        raise Killed  # the process is gone: this group is never stamped, and nothing else runs

    monkeypatch.setattr(outbox.Stamps, "flush", dies_at_the_second_stamp)
    with pytest.raises(Killed):
        outbox.deliver()
    assert len(smtp.messages) == 6  # the server took six; three of them were stamped
    assert OutboundEmail.objects.filter(state=State.SENT).count() == 3
    monkeypatch.setattr(outbox.Stamps, "flush", flush)

    # Nobody takes the rows while the dead sender's claim holds; then another sender does.
    assert outbox.deliver().sent == 0
    assert outbox.deliver(now=timezone.now() + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS + 1)).sent == 4
    received = smtp.recipients()
    twice = sorted(address for address, count in received.items() if count == 2)
    assert twice == sorted(row.recipients[0] for row in rows[3:6])  # the unstamped group, no more
    assert len(twice) <= settings.OUTBOX_STAMP_EVERY
    assert set(received.values()) <= {1, 2} and len(received) == 7
    assert OutboundEmail.objects.filter(state=State.SENT).count() == 7
    # The copies are the same message: mail systems that de-duplicate show it once.
    ids = Counter(message_from_bytes(content, policy=policy.default)["Message-ID"] for _rcpt, content in smtp.messages)
    assert sorted(ids.values()) == [1] * 4 + [2] * 3


def test_an_error_mid_batch_still_stamps_what_the_server_took(smtp, settings, monkeypatch):
    settings.OUTBOX_STAMP_EVERY = 50
    queue(4)
    wire = outbox.mime.wire
    seen = []

    def stopped_at_the_third(data):
        seen.append(data)
        if len(seen) == 3:
            raise KeyboardInterrupt  # SIGTERM / Ctrl-C: the finally clause runs
        return wire(data)

    monkeypatch.setattr(outbox.mime, "wire", stopped_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        outbox.deliver()
    assert len(smtp.messages) == 2
    assert OutboundEmail.objects.filter(state=State.SENT).count() == 2  # nothing will go twice


def test_what_the_server_receives_is_the_queued_email(smtp):
    (row,) = queue(1)
    outbox.deliver()
    ((recipients, content),) = smtp.messages
    received = message_from_bytes(content, policy=policy.default)
    assert recipients == ["persona.0@example.org"]
    assert received["Subject"] == "Resumen semanal: lo que usted sigue en la Alianza del Pacífico"
    assert received["Message-ID"] == row.message["headers"]["Message-ID"]
    # RFC 2369 / 8058: the link as it is, not encoded words a mail provider cannot read.
    assert received["List-Unsubscribe"] == f"<https://portal.example/digest/unsubscribe/{'t' * 60}0/>"
    assert b"List-Unsubscribe: <https://portal.example/" in content
    # (SMTP lines end in CRLF; the parser keeps them in the content.)
    text = received.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text == "Hola, persona 0.\n\n.Una línea que empieza con un punto.\n"  # the dot unquoted
    html = received.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert html == "<p>Hola, persona 0: publicación nueva.</p>\n"


def test_an_email_with_an_attachment_goes_through_djangos_classes(smtp):
    message = digest(1)
    message.attach("event.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    outbox.queue(message, kind="test")
    assert outbox.deliver().sent == 1
    ((_recipients, content),) = smtp.messages
    received = message_from_bytes(content, policy=policy.default)
    (attachment,) = received.iter_attachments()
    assert attachment.get_filename() == "event.ics"
    assert attachment.get_content().startswith("BEGIN:VCALENDAR")


def test_by_default_each_email_is_stamped_at_once_with_an_asynchronous_commit(smtp, settings, monkeypatch):
    assert settings.OUTBOX_STAMP_EVERY == 1  # a killed sender repeats nothing (test_worker_processes.py)
    queue(3)
    seen = []
    flush = outbox.Stamps.flush

    def noting(stamps):
        if stamps.pending and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW synchronous_commit")
                seen.append(cursor.fetchone()[0])
        elif stamps.pending:
            seen.append(len(stamps.pending))
        return flush(stamps)

    monkeypatch.setattr(outbox.Stamps, "flush", noting)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = on")  # as in production (the test cluster's is off)
    with CaptureQueriesContext(connection) as queries:
        assert outbox.deliver().sent == 3
    assert len(stamp_statements(queries)) == 3
    if connection.vendor == "postgresql":
        assert set(seen) == {"off"}  # the stamps do not wait for the disk
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"  # and the connection is as it was afterwards
    else:
        print("SQLite: no asynchronous commit to check (PostgreSQL only); the stamps are checked.")
        assert seen == [1, 1, 1]


def test_a_stamp_is_what_the_orm_writes():
    """``Stamps.flush`` writes its UPDATE itself (the ORM's cost per email was most of a stamp):
    it changes exactly the rows and the columns ``QuerySet.update`` would, on either database."""
    rows = queue(6)
    until = timezone.now() + timedelta(minutes=10)
    mine, theirs, sent, withdrawn = rows[:3], rows[3], rows[4], rows[5]
    OutboundEmail.objects.filter(pk__in=[row.pk for row in rows]).update(claimed_by="me", claimed_until=until)
    OutboundEmail.objects.filter(pk=mine[1].pk).update(attempts=2)  # tried twice before
    OutboundEmail.objects.filter(pk=theirs.pk).update(claimed_by="another sender")
    OutboundEmail.objects.filter(pk=sent.pk).update(state=State.SENT, sent_at=timezone.now() - timedelta(hours=1))
    OutboundEmail.objects.filter(pk=withdrawn.pk).update(state=State.WITHDRAWN)
    before = {row["id"]: row for row in OutboundEmail.objects.values()}
    stamps = outbox.Stamps(sender="me", report=outbox.Delivery())
    stamps.pending = [row.pk for row in rows]
    started = timezone.now()
    stamps.flush()
    after = {row["id"]: row for row in OutboundEmail.objects.values()}
    assert stamps.pending == []
    for row in mine:
        changed = {name for name in after[row.pk] if after[row.pk][name] != before[row.pk][name]}
        assert changed == {"state", "sent_at", "attempts", "claimed_until"}
        assert after[row.pk]["state"] == State.SENT
        assert after[row.pk]["attempts"] == before[row.pk]["attempts"] + 1
        assert after[row.pk]["claimed_until"] is None
        assert started <= after[row.pk]["sent_at"] <= timezone.now()  # an aware time, read back as written
    for row in (theirs, sent, withdrawn):
        assert after[row.pk] == before[row.pk]  # another sender's claim, or no longer queued: untouched
