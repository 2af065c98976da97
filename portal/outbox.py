"""Every email the portal sends goes through this outbox.

**Queued with the change it tells of.** The code that makes an email owed (a registration
confirmed, a reminder due, a sign-up) renders it and calls ``queue()`` inside the same
database transaction as the change and the stamp that says "told" (``status_notified_at``,
a reminder's stamp…). Either both are committed or neither is: a worker killed half-way
leaves the email still owed, and the sweep (portal.workers) or the retried task queues it
again. An optional ``key`` (unique in the table) refuses the same email twice.

**Delivered after commit, retried until the server takes it.** ``deliver()`` claims due rows
for ``OUTBOX_CLAIM_SECONDS`` (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so senders on
several machines share the work and never take the same row), sends them through one
connection and stamps ``sent_at`` right after the server accepted each, with an asynchronous
commit on PostgreSQL (``asynchronous_commit``: no wait for the WAL flush per email); with
``OUTBOX_STAMP_EVERY`` > 1, in groups: one UPDATE for every ``OUTBOX_STAMP_EVERY`` emails or
``OUTBOX_STAMP_SECONDS``, whichever comes first. The usual email's bytes are written by
``portal.mime``, the others by Django's email classes. When the server
cannot be reached (or answers 4xx) the row waits ``next_attempt_at`` with exponential backoff
(``OUTBOX_RETRY_SECONDS`` doubling up to ``OUTBOX_RETRY_MAX_SECONDS``) and is tried again by
the worker's sweep, for ``OUTBOX_GIVE_UP_HOURS``; a permanent refusal (5xx for every
recipient) fails it at once. A sender that dies loses its claim when the claim time passes.

**The one window.** If a sender dies after the mail server accepted a message and before its
``sent_at`` is committed (a few milliseconds), that message is sent again when its claim
expires; with ``OUTBOX_STAMP_EVERY`` > 1, every message of the group not yet stamped (at most
``OUTBOX_STAMP_EVERY``, accepted within the last ``OUTBOX_STAMP_SECONDS``;
``tests/portal/test_outbox_batches.py`` kills a sender between send and stamp). A crash of the
database server itself (not of the sender) within its ``wal_writer_delay`` can lose the last
stamps, committed asynchronously, and send those messages again.
A sender stopped by an exception (KeyboardInterrupt, an unexpected error) still tries to
stamp what the server had accepted first.
Each message keeps its Message-ID, so mail systems that de-duplicate see one message. That is
the only way an email can go twice; nothing else sends an owed email more or less than once.

**Withdrawn when it no longer holds.** ``withdraw(topic=…)`` takes back rows still waiting
(e.g. a cancelled registration's reminder while the server was down).
"""

import base64
import functools
import logging
import random
import smtplib
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers, make_msgid
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string

from portal import mime
from portal.models import OutboundEmail

logger = logging.getLogger(__name__)

State = OutboundEmail.State

#: Errors that say "the server cannot be reached now": stop this round, try again later.
UNREACHABLE = (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, socket.timeout)


# --- The message ----------------------------------------------------------------------------


def serialise(message: EmailMessage) -> dict:
    """Everything needed to send exactly this message again (JSON-ready)."""
    attachments = []
    for attachment in message.attachments:
        filename, content, mimetype = attachment
        if isinstance(content, str):
            content = content.encode()
        attachments.append([filename, base64.b64encode(content).decode("ascii"), mimetype])
    return {
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "subject": message.subject,
        "body": message.body,
        "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
        "attachments": attachments,
        "headers": dict(message.extra_headers),
    }


def deserialise(data: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for filename, content, mimetype in data["attachments"]:
        message.attach(filename, base64.b64decode(content), mimetype)
    return message


# --- Queuing --------------------------------------------------------------------------------


def queue(message: EmailMessage, *, kind: str, topic: str = "", key: str | None = None) -> OutboundEmail | None:
    """Put ``message`` in the outbox, in the caller's transaction; None if ``key`` was queued before.

    The message gets its Message-ID now, so that every attempt sends the same message.
    """
    if "Message-ID" not in message.extra_headers:
        message.extra_headers["Message-ID"] = make_msgid(domain=_message_id_domain())
    message.from_email = message.from_email or settings.DEFAULT_FROM_EMAIL
    row = OutboundEmail(
        kind=kind,
        topic=topic[:200],
        key=key,
        recipients=[*message.to, *message.cc, *message.bcc],
        subject=str(message.subject)[:998],
        message=serialise(message),
        language=(message.extra_headers.get("Content-Language") or "")[:8],
    )
    if key is None:
        row.save()
        return row
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return None  # this email was queued already (the key is unique)
    return row


def queue_many(items: list[tuple[EmailMessage, dict]]) -> list[OutboundEmail]:
    """Several messages at once (one INSERT), in the caller's transaction.

    Each item's options give ``kind`` and optionally ``topic`` and ``key``. Unlike ``queue``,
    a key queued before is not skipped: the INSERT fails (IntegrityError) and the caller's
    transaction with it, so the caller must have made sure, under its own lock or unique
    constraint, that none of these was queued before.
    """
    rows = []
    for message, options in items:
        if "Message-ID" not in message.extra_headers:
            message.extra_headers["Message-ID"] = make_msgid(domain=_message_id_domain())
        message.from_email = message.from_email or settings.DEFAULT_FROM_EMAIL
        rows.append(
            OutboundEmail(
                kind=options["kind"],
                topic=options.get("topic", "")[:200],
                key=options.get("key"),
                recipients=[*message.to, *message.cc, *message.bcc],
                subject=str(message.subject)[:998],
                message=serialise(message),
                language=(message.extra_headers.get("Content-Language") or "")[:8],
            )
        )
    return OutboundEmail.objects.bulk_create(rows, batch_size=500)


def deliver_on_commit(rows) -> None:
    """Send these rows from this process once the transaction that queued them commits
    (what a task does after queuing its emails); the sweep sends them if this process dies first.
    All of them: a batch larger than OUTBOX_BATCH_SIZE would otherwise leave the rest to the sweep."""
    ids = [row.pk for row in rows if row is not None]
    if ids:
        transaction.on_commit(lambda: deliver(ids=ids, limit=len(ids)))


def withdraw(*, topic: str, kinds: tuple[str, ...] = ()) -> int:
    """Take back the emails about ``topic`` (and its sub-topics) that have not gone yet."""
    rows = OutboundEmail.objects.filter(state=State.QUEUED).filter(Q(topic=topic) | Q(topic__startswith=f"{topic}/"))
    if kinds:
        rows = rows.filter(kind__in=kinds)
    return rows.update(state=State.WITHDRAWN, claimed_until=None)


def forget_recipient(email: str) -> int:
    """On account deletion: the messages to that address go (sent or not)."""
    wanted = email.lower()
    candidates = OutboundEmail.objects.filter(recipients__icontains=email).values_list("pk", "recipients")
    ids = [pk for pk, recipients in candidates if wanted in (address.lower() for address in recipients)]
    deleted, _by_model = OutboundEmail.objects.filter(pk__in=ids).delete()
    return deleted


def _message_id_domain() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >")
    return domain or "localhost"


# --- Delivery -------------------------------------------------------------------------------


@dataclass
class Delivery:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unreachable: bool = False
    errors: list = field(default_factory=list)


def deliver(*, ids: list[int] | None = None, limit: int | None = None, now: datetime | None = None) -> Delivery:
    """Send due rows (or the given ones, if still due), ``limit`` at most; see the module's docstring."""
    now = now or timezone.now()
    sender = get_random_string(16)
    claimed = _claim(ids=ids, limit=limit or settings.OUTBOX_BATCH_SIZE, sender=sender, now=now)
    report = Delivery()
    if not claimed:
        return report
    mailer = mailers.default
    raw = isinstance(mailer, SMTPBackend)  # then the fast writer (portal.mime) can be used
    sent = Stamps(sender=sender, report=report)
    with asynchronous_commit():
        _send(claimed, mailer=mailer, raw=raw, sent=sent, report=report)
    return report


def _send(claimed, *, mailer, raw: bool, sent: "Stamps", report: Delivery) -> None:
    try:
        for position, row in enumerate(claimed):
            try:
                mailer.open()
                wire = mime.wire(row.message) if raw else None
                if wire is not None and mailer.connection is not None:
                    mailer.connection.sendmail(wire.sender, wire.recipients, wire.data)
                else:
                    mailer.send_messages([deserialise(row.message)])
            except smtplib.SMTPRecipientsRefused as error:
                permanent = all(code >= 500 for code, _text in error.recipients.values())
                _failed(row, error, now=timezone.now(), permanent=permanent, report=report)
                _close_quietly(mailer)
            except smtplib.SMTPResponseException as error:
                _failed(row, error, now=timezone.now(), permanent=error.smtp_code >= 500, report=report)
                _close_quietly(mailer)
            except UNREACHABLE as error:
                # Nothing more will go through now: every row still claimed waits its next attempt.
                report.unreachable = True
                for waiting in claimed[position:]:
                    _failed(waiting, error, now=timezone.now(), permanent=False, report=report)
                logger.warning("The mail server cannot be reached (%s); %d email(s) wait.", error, report.retrying)
                break
            except Exception as error:  # a message that cannot be written: never block the others
                logger.exception("Outgoing email %s could not be sent.", row.pk)
                _failed(row, error, now=timezone.now(), permanent=False, report=report)
            else:
                sent.add(row.pk)  # until its stamp commits: the window in which a crash sends twice
    finally:
        try:
            sent.flush()
        finally:
            _close_quietly(mailer)


class Stamps:
    """The rows the server accepted, stamped ``sent``: each at once (``OUTBOX_STAMP_EVERY`` = 1), or
    together, one UPDATE for every ``OUTBOX_STAMP_EVERY`` emails (or ``OUTBOX_STAMP_SECONDS``,
    whichever comes first). A sender killed in between sends those not stamped again when its
    claim expires (see the module's docstring)."""

    def __init__(self, *, sender: str, report: Delivery):
        self.sender, self.report = sender, report
        self.pending: list[int] = []
        self.since = time.monotonic()

    def add(self, pk: int) -> None:
        self.pending.append(pk)
        self.report.sent += 1  # what the server accepted (the stamp may find another sender's claim)
        if len(self.pending) >= settings.OUTBOX_STAMP_EVERY or (
            time.monotonic() - self.since >= settings.OUTBOX_STAMP_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        if self.pending:
            # Only rows this sender still holds: one whose claim another sender took is its to stamp.
            # The statement is written out, not built by the ORM: building the same UPDATE for every
            # email cost ~0.6 ms of the sender's ~3.5 ms per email, four times the statement's own
            # client cost (docs/performance.md, "Reminders at 485–511 a second").
            # ``test_a_stamp_is_what_the_orm_writes`` checks it changes exactly what the ORM would.
            with connection.cursor() as cursor:
                cursor.execute(
                    _stamp_sql(len(self.pending), connection.vendor),
                    [
                        State.SENT,
                        connection.ops.adapt_datetimefield_value(timezone.now()),
                        *self.pending,
                        self.sender,
                        State.QUEUED,
                    ],
                )
            self.pending = []
        self.since = time.monotonic()


#: The columns the sent stamp reads or writes (their names from the model).
STAMPED = ("id", "state", "sent_at", "attempts", "claimed_until", "claimed_by")


@functools.cache
def _stamp_sql(count: int, vendor: str = "") -> str:
    """The ``UPDATE`` of ``count`` rows to sent (one placeholder per row: every database has ``IN``).
    ``vendor`` only keys the cache: each database quotes its names its own way."""
    name = connection.ops.quote_name
    column = {field: name(OutboundEmail._meta.get_field(field).column) for field in STAMPED}
    return (
        f"UPDATE {name(OutboundEmail._meta.db_table)} SET {column['state']} = %s, {column['sent_at']} = %s, "
        f"{column['attempts']} = {column['attempts']} + 1, {column['claimed_until']} = NULL "
        f"WHERE {column['id']} IN ({', '.join(['%s'] * count)}) AND {column['claimed_by']} = %s "
        f"AND {column['state']} = %s"
    )


@contextmanager
def asynchronous_commit():
    """On PostgreSQL, the sender's statements commit without waiting for the WAL flush
    (``synchronous_commit = off`` for this connection while it delivers, then as it was). A sender
    killed after a stamp's commit loses nothing: the database server has it. Only a crash of the
    database server itself, within its ``wal_writer_delay``, can lose the last stamps, and send those
    emails again. Each stamp then costs a round trip, not a wait for the disk."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        (before,) = cursor.fetchone()
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('synchronous_commit', %s, false)", [before])


def _claim(*, ids, limit, sender, now) -> list[OutboundEmail]:
    with transaction.atomic():
        due = OutboundEmail.objects.filter(state=State.QUEUED, next_attempt_at__lte=now).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        )
        if ids is not None:
            due = due.filter(pk__in=ids)
        picked = list(
            due.order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if not picked:
            return []
        until = now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
        OutboundEmail.objects.filter(pk__in=picked).update(claimed_until=until, claimed_by=sender)
    return list(OutboundEmail.objects.filter(pk__in=picked).order_by("next_attempt_at", "pk"))


def _failed(row: OutboundEmail, error: Exception, *, now, permanent: bool, report: Delivery) -> None:
    attempts = row.attempts + 1
    give_up = permanent or now - row.created_at >= timedelta(hours=settings.OUTBOX_GIVE_UP_HOURS)
    changes = {"attempts": attempts, "last_error": f"{type(error).__name__}: {error}"[:2000], "claimed_until": None}
    if give_up:
        changes["state"] = State.FAILED
        report.failed += 1
        logger.error("Outgoing email %s (%s) given up after %d attempt(s): %s", row.pk, row.kind, attempts, error)
    else:
        changes["next_attempt_at"] = now + retry_delay(attempts)
        report.retrying += 1
    report.errors.append(changes["last_error"])
    OutboundEmail.objects.filter(pk=row.pk, state=State.QUEUED).update(**changes)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: 1×, 2×, 4×… OUTBOX_RETRY_SECONDS, at most OUTBOX_RETRY_MAX_SECONDS."""
    base = min(settings.OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0), settings.OUTBOX_RETRY_MAX_SECONDS)
    return timedelta(seconds=base * random.uniform(0.8, 1.0))


def _close_quietly(mailer) -> None:
    try:
        mailer.close()
    except Exception:  # the connection is gone already; the next open() makes a new one
        logger.debug("Closing the connection to the mail server failed.", exc_info=True)


# --- Housekeeping ---------------------------------------------------------------------------


def deliver_due() -> Delivery:
    """The sweep's part: everything due (new rows whose sender died, retries whose time came)."""
    total = Delivery()
    while True:
        report = deliver()
        total.sent += report.sent
        total.retrying += report.retrying
        total.failed += report.failed
        if report.unreachable or not (report.sent or report.failed):
            total.unreachable = total.unreachable or report.unreachable
            return total


def prune(*, now: datetime | None = None) -> int:
    """Sent and withdrawn rows older than OUTBOX_KEEP_DAYS go (they hold personal data)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted, _by_model = OutboundEmail.objects.filter(
        Q(state__in=(State.SENT, State.WITHDRAWN), created_at__lt=cutoff)
        | Q(state=State.FAILED, created_at__lt=cutoff - timedelta(days=settings.OUTBOX_KEEP_DAYS))
    ).delete()
    return deleted
