"""Reminders in batches: a fixed number of reads per batch, each participant's own email, each sent once."""

import smtplib
import threading
from collections import Counter
from datetime import timedelta
from functools import partial

import pytest
from django.core import signing
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from events import emails, services, tasks
from events.models import Event, Registration, ReminderRule
from portal import outbox
from portal.models import OutboundEmail
from tests.concurrency import at_once
from tests.events.factories import ConfirmedRegistrationFactory, OpenEventFactory, in_days, reminder_at
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status


@pytest.fixture
def due_event(members):
    """An online event starting in five hours: its reminders (24 hours before) are due."""
    return OpenEventFactory(start=in_days(0, hours=5), capacity=None)


@pytest.fixture
def spanish_names(members):
    for code, name in {"CL": "Chile", "CO": "Colombia", "MX": "México", "PE": "Perú"}.items():
        members[code].name_es = name
        members[code].save()
    return members


def confirmed(event, count):
    return [ConfirmedRegistrationFactory(event=event) for _ in range(count)]


def recipients(mailoutbox):
    return Counter(message.to[0] for message in mailoutbox)


def statements(queries):
    """The SQL the batch runs, without the test's savepoints (the real transactions' BEGIN/COMMIT
    are not captured either)."""
    sql = [query["sql"] for query in queries]
    return [statement for statement in sql if "SAVEPOINT" not in statement]


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    """``remind(ids)``: a batch task's work, with what it defers to after commit (the outbox's
    delivery) run, as in a worker."""

    def run(ids):
        with django_capture_on_commit_callbacks(execute=True):
            return emails.send_reminders(ids)

    return run


# --- Queries ------------------------------------------------------------------------------


def test_the_queries_of_a_batch_do_not_grow_with_its_size(due_event, remind, mailoutbox, settings):
    settings.OUTBOX_STAMP_EVERY = 8
    small = confirmed(due_event, 2)
    large = confirmed(due_event, 20)
    remind([confirmed(due_event, 1)[0].pk])  # the member countries' zones are cached now

    with CaptureQueriesContext(connection) as two:
        assert remind([r.pk for r in small]) == 2
    with CaptureQueriesContext(connection) as twenty:
        assert remind([r.pk for r in large]) == 20

    # The batch: the registrations with their people, profiles and countries; the events with
    # their countries, their reminder rules, the stamps already there; then in one transaction
    # the owed rows locked, the events, rules and stamps read again, the stamps (one INSERT) and
    # the outbox's rows (one INSERT). Then the outbox claims the rows and sends them, stamping
    # them as sent in groups of OUTBOX_STAMP_EVERY once the mail server took them.
    for queries, size in ((two, 2), (twenty, 20)):
        sql = statements(queries.captured_queries)
        batch, delivery = sql[:10], sql[10:]
        assert batch[0].startswith('SELECT "events_registration"."id"')
        assert 'INNER JOIN "accounts_user"' in batch[0] and '"accounts_profile"' in batch[0]
        assert batch[1].startswith('SELECT "events_event"."id"')
        assert batch[2].startswith("SELECT") and 'FROM "events_reminderrule"' in batch[2]
        assert batch[3].startswith("SELECT") and 'FROM "events_remindersent"' in batch[3]
        assert batch[4].startswith("SELECT") and '"events_registration"."key"' in batch[4]
        assert batch[5].startswith("SELECT") and 'FROM "events_event"' in batch[5]
        assert batch[6].startswith("SELECT") and 'FROM "events_reminderrule"' in batch[6]
        assert batch[7].startswith("SELECT") and 'FROM "events_remindersent"' in batch[7]
        assert batch[8].startswith('INSERT INTO "events_remindersent"')
        assert batch[9].startswith('INSERT INTO "portal_outboundemail"')
        # (On PostgreSQL the delivery also turns synchronous_commit off and back: portal.outbox.)
        delivery = [q for q in delivery if not q.startswith(("SHOW ", "SET ", "SELECT set_config"))]
        claim, sent = delivery[:3], delivery[3:]
        assert [statement.split()[0] for statement in claim] == ["SELECT", "UPDATE", "SELECT"]
        assert len(sent) == -(-size // settings.OUTBOX_STAMP_EVERY)  # 1 for two emails, 3 for twenty
        assert all(stamp.startswith('UPDATE "portal_outboundemail" SET "state"') for stamp in sent)


def test_a_batch_uses_one_connection_to_the_mail_server(due_event, remind, mailoutbox, settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.CountingBackend"}}
    CountingBackend.opened = 0
    registrations = confirmed(due_event, 5)
    assert remind([r.pk for r in registrations]) == 5
    assert CountingBackend.opened == 1
    assert len(mailoutbox) == 5


class CountingBackend(EmailBackend):
    """The test outbox, counting the connections opened as an SMTP backend would."""

    opened = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_open = False

    def open(self):
        if self.is_open:
            return False
        CountingBackend.opened += 1
        self.is_open = True
        return True

    def close(self):
        self.is_open = False

    def send_messages(self, messages):
        assert self.is_open, "sent without an open connection"
        return super().send_messages(messages)


# --- Each participant's own email ---------------------------------------------------------


def test_each_email_of_a_batch_is_the_participants_own(spanish_names, remind, mailoutbox):
    event = OpenEventFactory(
        title_en="Workshop on business digital security",
        title_es="Taller de seguridad digital para empresas",
        start=in_days(0, hours=5),
        capacity=None,
    )
    english = ParticipantFactory(full_name="Ana Rojas", profile__country=spanish_names["CL"])
    spanish = ParticipantFactory(full_name="Bruno Díaz", profile__country=spanish_names["MX"])
    spanish.profile.preferred_language = "es"
    spanish.profile.save()
    other_english = ParticipantFactory(full_name="Carla Soto", profile__country=spanish_names["PE"])
    registrations = [
        ConfirmedRegistrationFactory(event=event, participant=person) for person in (english, spanish, other_english)
    ]

    with translation.override("es"):  # whatever the worker's language
        assert remind([r.pk for r in registrations]) == 3

    by_recipient = {message.to[0]: message for message in mailoutbox}
    to_english, to_spanish, to_other = (by_recipient[person.email] for person in (english, spanish, other_english))
    assert to_english.body.startswith("Hello Ana,")
    assert to_other.body.startswith("Hello Carla,")
    assert "Workshop on business digital security" in to_english.subject
    assert "Taller de seguridad digital para empresas" in to_spanish.subject
    assert '<html lang="en">' in to_english.alternatives[0][0]
    assert '<html lang="es">' in to_spanish.alternatives[0][0]
    assert "Your time (Chile):" in to_english.body
    assert "Your time (Peru):" in to_other.body
    assert "México" in to_spanish.body and "México" not in to_english.body + to_other.body
    assert f"/es/events/{event.slug}/" in to_spanish.body and "/es/" not in to_english.body + to_other.body
    # Each carries the participant's own links, and never the access address itself.
    for registration, message in zip(registrations, (to_english, to_spanish, to_other), strict=True):
        join_token = message.body.split(f"/events/{event.slug}/join/")[1].split("/")[0]
        cancel_token = message.body.split(f"/events/{event.slug}/cancel/")[1].split("/")[0]
        assert signing.loads(join_token, salt="events.registration.join")["r"] == registration.pk
        assert signing.loads(cancel_token, salt="events.registration.cancel")["r"] == registration.pk
        assert event.online_url not in message.body
        assert message.extra_headers["Message-ID"]  # kept by every attempt (portal.outbox)


def test_a_batch_renders_each_reminder_once_per_language_and_zone(spanish_names, remind, mailoutbox, monkeypatch):
    # The personal links' signatures carry the second they were made: one clock second for the
    # batch and the renderings to compare it with (a slow run crossed a second between the two).
    second = signing.TimestampSigner().timestamp()
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: second)
    event = OpenEventFactory(start=in_days(0, hours=5), capacity=None)
    people = [
        ParticipantFactory(full_name='Ana "<b>&" Rojas', profile__country=spanish_names["CL"]),
        ParticipantFactory(full_name="Alberto Núñez", profile__country=spanish_names["CL"]),
        ParticipantFactory(full_name="Bruno Díaz", profile__country=spanish_names["MX"]),
        ParticipantFactory(full_name="Berta Ríos", profile__country=spanish_names["MX"]),
    ]
    for person in people[2:]:
        person.profile.preferred_language = "es"
        person.profile.save()
    registrations = [ConfirmedRegistrationFactory(event=event, participant=person) for person in people]
    render = emails.render_to_string
    rendered = []

    def counting(name, context=None, *args, **kwargs):
        rendered.append(name)
        return render(name, context, *args, **kwargs)

    monkeypatch.setattr(emails, "render_to_string", counting)
    assert remind([r.pk for r in registrations]) == 4
    assert len(rendered) == 2 * 3  # (English, Chile) and (Spanish, Mexico): three templates each
    monkeypatch.setattr(emails, "render_to_string", render)

    # Each email is exactly what rendering the templates for that person alone gives.
    by_recipient = {message.to[0]: message for message in mailoutbox}
    shared = emails.EventContext(event, emails._reminder_context(event, event.due_reminder_rule(), timezone.now()))
    for registration in registrations:
        registration.refresh_from_db()
        extra = {
            "cancel_url": emails.personal_url(registration, emails.CANCEL),
            "join_url": emails.personal_url(registration, emails.JOIN),
        }
        alone = emails._compose("reminder", registration, extra, shared=shared)
        sent = by_recipient[registration.participant.email]
        assert (sent.subject, sent.body) == (alone.subject, alone.body)
        assert sent.alternatives[0][0] == alone.alternatives[0][0]
    first = by_recipient[people[0].email]
    assert first.body.startswith("Hello Ana")
    assert "<b>&" not in first.alternatives[0][0]  # escaped in the HTML, as the template does


# --- Exactly once -------------------------------------------------------------------------


def test_a_batch_that_runs_again_or_overlaps_another_sends_nothing_twice(due_event, remind, committed, mailoutbox):
    first, second, third, fourth = confirmed(due_event, 4)
    assert remind([first.pk, second.pk, third.pk]) == 3
    assert remind([first.pk, second.pk, third.pk]) == 0  # the same batch again
    assert remind([second.pk, third.pk, fourth.pk]) == 1  # an overlapping one
    assert remind([first.pk]) == 0  # a single reminder task
    with committed():
        assert services.send_due_reminders() == 0  # the sweep
    assert recipients(mailoutbox) == Counter(r.participant.email for r in (first, second, third, fourth))
    assert Registration.objects.filter(event=due_event, reminders_sent__isnull=True).count() == 0


def test_a_reminder_another_worker_sent_meanwhile_is_not_sent_again(due_event, remind, mailoutbox, monkeypatch):
    first, second, third = confirmed(due_event, 3)
    write = emails._reminder_message

    def another_worker_is_faster(registration, shared):
        # Between this batch's read and its stamp, another worker sends the second reminder.
        if registration.pk == second.pk:
            monkeypatch.setattr(emails, "_reminder_message", write)
            assert emails.send_reminder(second.pk) == 1
        return write(registration, shared)

    monkeypatch.setattr(emails, "_reminder_message", another_worker_is_faster)
    assert remind([first.pk, second.pk, third.pk]) == 2
    assert recipients(mailoutbox) == Counter(r.participant.email for r in (first, second, third))


@pytest.mark.django_db(transaction=True)
def test_workers_running_the_same_batch_at_once_send_each_reminder_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent workers need PostgreSQL's row locks (SQLite serialises every writer)")
    from django.core import mail

    from tests.factories import CountryFactory

    for code in ("CL", "CO", "MX", "PE"):
        CountryFactory(code=code)
    event = OpenEventFactory(start=in_days(0, hours=5), capacity=None)
    ids = [r.pk for r in confirmed(event, 30)]
    mail.outbox = []
    # The same batch twice, and two overlapping ones, sent by four workers at once.
    batches = [ids, ids, ids[:20], ids[10:]]
    sent, errors = at_once(partial(emails.send_reminders, batch) for batch in batches)

    assert errors == []
    assert sum(sent) == 30
    assert set(recipients(mail.outbox).values()) == {1}
    assert len(mail.outbox) == 30
    assert not Registration.objects.filter(event=event, reminders_sent__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_reschedule_the_batch_had_to_wait_for_stops_the_old_times_reminder(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the wait for another transaction's row lock needs PostgreSQL (SQLite serialises every writer)")
    from django.core import mail

    from tests.factories import CountryFactory, EditorFactory

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    for code in ("CL", "CO", "MX", "PE"):
        CountryFactory(code=code)
    editor = EditorFactory()
    event = OpenEventFactory(start=in_days(0, hours=5), capacity=None)
    (registration,) = confirmed(event, 1)
    mail.outbox = []
    holding, release, errors = threading.Event(), threading.Event(), []

    def reschedule():
        try:
            with transaction.atomic():
                start, moving = in_days(7), Event.objects.get(pk=event.pk)
                services.reschedule_event(event=moving, start=start, end=start + timedelta(hours=2), actor=editor)
                holding.set()  # the event and the registration's row are this transaction's now
                release.wait(timeout=30)  # until the batch waits for the row (see below)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    thread = threading.Thread(target=reschedule)
    thread.start()
    assert holding.wait(timeout=30)
    # The batch reads the event as it was, writes the email, then waits for the registration's
    # row; the reschedule commits once the batch is waiting (a lock wait seen from pg_locks).
    watcher = threading.Thread(target=_release_when_waiting, args=(release,))
    watcher.start()
    assert emails.send_reminders([registration.pk]) == 0
    thread.join(timeout=30)
    watcher.join(timeout=30)

    assert errors == []
    assert mail.outbox == []
    registration.refresh_from_db()
    assert not registration.reminders_sent.exists()  # the new time's reminder will go


def _release_when_waiting(release):
    """Set ``release`` once some session of this database waits for a row lock (at most 20 s).

    A thread blocked inside PostgreSQL cannot signal that it waits; PostgreSQL can: the wait
    is one statement that returns when pg_locks shows a lock not granted (no sleep in Python).
    """
    from django.db import connections as thread_connections

    try:
        with thread_connections["default"].cursor() as cursor:
            cursor.execute(
                """
                DO $$
                BEGIN
                    FOR attempt IN 1..2000 LOOP
                        EXIT WHEN EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted);
                        PERFORM pg_sleep(0.01);
                    END LOOP;
                END $$
                """
            )
    finally:
        release.set()
        thread_connections.close_all()


# --- Changes while a batch runs -----------------------------------------------------------


def test_a_registration_cancelled_before_or_during_the_batch_gets_no_reminder(
    due_event, remind, committed, mailoutbox, monkeypatch
):
    first, second, third, before = confirmed(due_event, 4)
    services.cancel(registration=before)
    write = emails._reminder_message

    def cancelled_meanwhile(registration, shared):
        message = write(registration, shared)
        if registration.pk == second.pk:  # cancelled after the batch read it, before its stamp
            services.cancel(registration=second)
        return message

    monkeypatch.setattr(emails, "_reminder_message", cancelled_meanwhile)
    mailoutbox.clear()
    assert remind([first.pk, second.pk, third.pk, before.pk]) == 2
    reminders = [message for message in mailoutbox if message.subject.startswith("Reminder")]
    assert sorted(message.to[0] for message in reminders) == sorted([first.participant.email, third.participant.email])
    second.refresh_from_db()
    assert (second.status, second.reminders_sent.exists()) == (Status.CANCELLED, False)


def test_no_old_time_reminder_once_the_event_is_moved_or_cancelled_during_the_batch(
    due_event, remind, mailoutbox, monkeypatch, editor
):
    first, second, third = confirmed(due_event, 3)
    write = emails._reminder_message

    def moved_meanwhile(registration, shared):
        message = write(registration, shared)
        if registration.pk == first.pk:  # after the first email was written, before it was stamped
            start = in_days(7)
            services.reschedule_event(event=due_event, start=start, end=start + timedelta(hours=2), actor=editor)
        return message

    monkeypatch.setattr(emails, "_reminder_message", moved_meanwhile)
    assert remind([first.pk, second.pk, third.pk]) == 0
    assert not [message for message in mailoutbox if message.subject.startswith("Reminder")]
    assert not Registration.objects.filter(reminders_sent__isnull=False).exists()


def test_a_refused_address_fails_alone_and_the_others_go(due_event, remind, mailoutbox, monkeypatch):
    first, refused, third = confirmed(due_event, 3)
    send = EmailBackend.send_messages

    def refuse_one(backend, messages):
        if messages[0].to == [refused.participant.email]:
            raise smtplib.SMTPRecipientsRefused({refused.participant.email: (550, b"mailbox unavailable")})
        return send(backend, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_one)
    assert remind([first.pk, refused.pk, third.pk]) == 3
    assert recipients(mailoutbox) == Counter([first.participant.email, third.participant.email])
    # A permanent refusal (5xx) is not retried; it is kept, failed, for the administrators to see.
    failed = OutboundEmail.objects.get(state=OutboundEmail.State.FAILED)
    assert failed.recipients == [refused.participant.email] and "550" in failed.last_error


def test_while_the_mail_server_is_unreachable_the_reminders_wait_in_the_outbox_and_go_once_it_is_back(
    due_event, remind, committed, mailoutbox, settings
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.UnreachableBackend"}}
    registrations = confirmed(due_event, 3)
    assert remind([r.pk for r in registrations]) == 3
    assert mailoutbox == []
    waiting = OutboundEmail.objects.filter(state=OutboundEmail.State.QUEUED, kind="events.reminder")
    assert waiting.count() == 3 and all(row.attempts == 1 and "refused" in row.last_error for row in waiting)
    assert outbox.deliver_due().sent == 0  # not before their next attempt

    del settings.MAILERS  # the server is back
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    later = timezone.now() + timedelta(seconds=settings.OUTBOX_RETRY_SECONDS + 1)
    assert outbox.deliver(now=later).sent == 3
    assert recipients(mailoutbox) == Counter(r.participant.email for r in registrations)
    assert outbox.deliver(now=later).sent == 0


class UnreachableBackend(EmailBackend):
    def open(self):
        raise ConnectionRefusedError("[Errno 111] Connection refused")


def test_a_reminder_that_cannot_be_written_does_not_stop_the_others(due_event, remind, mailoutbox, monkeypatch):
    first, broken, third = confirmed(due_event, 3)
    write = emails._reminder_message

    def break_one(registration, shared):
        if registration.pk == broken.pk:
            raise ValueError("a template error")
        return write(registration, shared)

    monkeypatch.setattr(emails, "_reminder_message", break_one)
    assert remind([first.pk, broken.pk, third.pk]) == 2
    assert recipients(mailoutbox) == Counter([first.participant.email, third.participant.email])
    assert not Registration.objects.get(pk=broken.pk).reminders_sent.exists()  # still due for the sweep


def test_an_inactive_account_is_stamped_without_an_email(due_event, remind, mailoutbox):
    active, inactive = confirmed(due_event, 2)
    inactive.participant.is_active = False
    inactive.participant.save()
    assert remind([active.pk, inactive.pk]) == 1
    assert recipients(mailoutbox) == Counter([active.participant.email])
    assert not Registration.objects.filter(event=due_event, reminders_sent__isnull=True).exists()


# --- Scheduling ---------------------------------------------------------------------------


def test_the_events_task_splits_its_due_reminders_into_batches(
    due_event, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(emails, "REMINDER_BATCH_SIZE", 2)
    registrations = confirmed(due_event, 5)
    ConfirmedRegistrationFactory(event=due_event, status=Status.WAITLISTED)  # no reminder
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_reminder(registrations[0].pk)  # already sent: not in a batch

    with django_capture_on_commit_callbacks() as batches:
        assert tasks.enqueue_reminder_batches(event_id=due_event.pk) == 2
    assert len(batches) == 2
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for enqueue in batches:
            enqueue()  # the immediate backend sends each batch
    assert recipients(mailoutbox) == Counter(r.participant.email for r in registrations[1:])


def test_the_events_task_finds_nothing_due_when_the_event_no_longer_takes_place(due_event, mailoutbox):
    confirmed(due_event, 2)
    Event.objects.filter(pk=due_event.pk).update(state=Event.State.POSTPONED)
    assert tasks.enqueue_reminder_batches(event_id=due_event.pk) == 0
    assert mailoutbox == []


def test_confirmations_enqueue_one_reminder_task_per_event_and_reminder_time(members, settings, committed, editor):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.tasks import default_task_backend

    event = OpenEventFactory(start=in_days(5), reminders=[24], capacity=None)
    registrations = [ConfirmedRegistrationFactory(event=event, status=Status.PENDING) for _ in range(3)]

    def reminder_tasks():
        return [
            result
            for result in default_task_backend.results
            if result.task.name in ("send_event_reminders", "send_reminder")
        ]

    with committed():
        for registration in registrations:
            services.confirm(registration=registration)
    assert [(r.task.name, r.args, r.task.run_after) for r in reminder_tasks()] == [
        ("send_event_reminders", [event.pk], reminder_at(event))
    ]

    new_start = in_days(8)
    with committed():
        services.reschedule_event(event=event, start=new_start, end=new_start + timedelta(hours=2), actor=editor)
    event.refresh_from_db()
    assert [(r.task.name, r.task.run_after) for r in reminder_tasks()][1:] == [
        ("send_event_reminders", reminder_at(event))
    ]
    assert event.reminder_rules.get().enqueued_for == reminder_at(event)


def test_a_changed_rule_moves_its_task_and_an_unchanged_one_enqueues_nothing(members, settings, committed, editor):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.tasks import default_task_backend

    event = OpenEventFactory(start=in_days(5), reminders=[24], capacity=None)
    registration = ConfirmedRegistrationFactory(event=event, status=Status.PENDING)
    with committed():
        services.confirm(registration=registration)
    ReminderRule.objects.filter(event=event).update(hours_before=48)
    with committed():
        services.follow_reminder_rules(event=event)
    tasks = [(r.task.name, r.task.run_after) for r in default_task_backend.results]
    assert tasks[-1] == ("send_event_reminders", event.start - timedelta(hours=48))
    assert event.reminder_rules.get().enqueued_for == event.start - timedelta(hours=48)
    with committed():
        services.follow_reminder_rules(event=event)  # no change
    assert len(default_task_backend.results) == len(tasks)
