"""Workers that lose nothing: take-over of a lost worker's tasks, and the sweeps of what is owed."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from events import services as events
from events.models import Event, Registration
from portal import outbox, tasks, workers
from portal.models import OutboundEmail, WorkerHeartbeat
from tests.events.factories import ConfirmedRegistrationFactory, OpenEventFactory, RegistrationFactory, in_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(db):
    from tests.factories import CountryFactory

    return {code: CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")}


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def lost_tasks(settings):
    """The tasks that would have told of what the test changes are lost (a worker killed, a
    web process that died between its commit and its enqueue): only the sweep is left."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def running_task(worker_id, *, started_ago, attempts=1):
    result = tasks.deliver_outbox.using(backend="default").enqueue()
    started = timezone.now() - timedelta(seconds=started_ago)
    DBTaskResult.objects.filter(id=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=started,
        worker_ids=[f"earlier-{n}" for n in range(attempts - 1)] + [worker_id],
    )
    return DBTaskResult.objects.get(id=result.id)


def after_grace(settings):
    return timezone.now() + timedelta(seconds=settings.WORKER_SWEEP_GRACE_SECONDS + 1)


# --- Take-over ------------------------------------------------------------------------------


def test_a_task_of_a_worker_that_stopped_beating_goes_back_to_the_queue(database_tasks, settings):
    lease = settings.WORKER_LEASE_SECONDS
    workers.beat("alive")
    WorkerHeartbeat.objects.create(
        worker_id="dead", host="a", pid=1, seen_at=timezone.now() - timedelta(seconds=lease * 2)
    )
    of_the_dead = running_task("dead", started_ago=lease * 3)
    of_the_living = running_task("alive", started_ago=lease * 3)
    just_started = running_task("gone-without-a-trace", started_ago=1)

    assert workers.requeue_orphaned_tasks() == 1
    statuses = {task.id: task.status for task in DBTaskResult.objects.all()}
    assert statuses[of_the_dead.id] == TaskResultStatus.READY
    assert statuses[of_the_living.id] == TaskResultStatus.RUNNING
    assert statuses[just_started.id] == TaskResultStatus.RUNNING  # younger than the lease
    assert workers.requeue_orphaned_tasks() == 0


def test_a_worker_never_takes_over_its_own_task(database_tasks, settings):
    task = running_task("me", started_ago=settings.WORKER_LEASE_SECONDS * 3)
    assert workers.requeue_orphaned_tasks(exclude=("me",)) == 0
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING


def test_a_task_that_keeps_killing_its_workers_is_given_up(database_tasks, settings):
    task = running_task("dead", started_ago=settings.WORKER_LEASE_SECONDS * 3, attempts=settings.WORKER_MAX_ATTEMPTS)
    assert workers.requeue_orphaned_tasks() == 0
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert "lost" in task.traceback


def test_one_sweep_task_waits_in_the_queue_at_a_time(database_tasks):
    assert tasks.enqueue_sweep() is True
    assert tasks.enqueue_sweep() is False
    assert DBTaskResult.objects.filter(task_path="portal.tasks.run_sweeps").count() == 1


def test_a_failing_sweep_does_not_stop_the_others(monkeypatch):
    from portal import registry

    ran = []
    monkeypatch.setattr(
        registry,
        "_sweeps",
        {
            "broken": registry.Sweep("broken", lambda: 1 / 0, order=1),
            "fine": registry.Sweep("fine", lambda: ran.append(1) or 1, order=2),
        },
    )
    assert workers.run_sweeps() == {"broken": -1, "fine": 1}
    assert ran == [1]


# --- Sweeps: what a lost task left owed goes, once -----------------------------------------


def test_a_status_email_whose_task_was_lost_is_sent_by_the_sweep_once(members, lost_tasks, settings, mailoutbox):
    registration = RegistrationFactory(event=OpenEventFactory(start=in_days(3)))
    events.confirm(registration=registration)
    assert mailoutbox == []  # its task never ran

    assert workers.run_sweeps()["events-emails"] == 0  # within the grace time the task may still come
    registration.refresh_from_db()
    Registration.objects.filter(pk=registration.pk).update(
        status_changed_at=timezone.now() - timedelta(seconds=settings.WORKER_SWEEP_GRACE_SECONDS + 1)
    )
    done = workers.run_sweeps()
    assert done["events-emails"] == 1 and done["outbox"] == 1
    assert workers.run_sweeps()["events-emails"] == 0
    assert [message.subject.split(":")[0] for message in mailoutbox] == ["You are registered"]


def test_the_sweep_sends_due_reminders_whose_tasks_were_lost(members, lost_tasks, mailoutbox):
    event = OpenEventFactory(start=in_days(0, hours=5))
    registrations = [ConfirmedRegistrationFactory(event=event) for _ in range(3)]
    workers.run_sweeps()
    workers.run_sweeps()
    reminders = [message for message in mailoutbox if message.subject.startswith("Reminder")]
    assert Counter(message.to[0] for message in reminders) == Counter(r.participant.email for r in registrations)


def test_the_sweep_tells_of_a_cancelled_or_moved_event_once(members, lost_tasks, editor, settings, mailoutbox):
    cancelled = OpenEventFactory(start=in_days(4))
    moved = OpenEventFactory(start=in_days(4))
    in_cancelled = ConfirmedRegistrationFactory(event=cancelled, status_notified_at=timezone.now())
    in_moved = ConfirmedRegistrationFactory(event=moved, status_notified_at=timezone.now())
    events.cancel_event(event=cancelled, actor=editor)
    start = in_days(9)
    events.reschedule_event(event=moved, start=start, end=start + timedelta(hours=2), actor=editor)
    long_ago = timezone.now() - timedelta(seconds=settings.WORKER_SWEEP_GRACE_SECONDS + 1)
    Event.objects.filter(pk=cancelled.pk).update(updated_at=long_ago)
    Event.objects.filter(pk=moved.pk).update(schedule_changed_at=long_ago)
    Registration.objects.filter(pk__in=[in_cancelled.pk, in_moved.pk]).update(created_at=long_ago - timedelta(days=1))
    # Someone who registers after the change knew the new date: they are not told of it.
    ConfirmedRegistrationFactory(event=moved, status_notified_at=timezone.now())

    workers.run_sweeps()
    workers.run_sweeps()
    subjects = Counter((message.to[0], message.subject.split(":")[0]) for message in mailoutbox)
    assert subjects == Counter(
        {(in_cancelled.participant.email, "Cancelled"): 1, (in_moved.participant.email, "New date"): 1}
    )


def test_the_sweep_sends_workflow_and_moderation_emails_whose_tasks_were_lost(
    lost_tasks, author, editor, participant, settings, mailoutbox
):
    from observatory import services as observatory
    from portal import services as workflow
    from portal.models import WorkflowEvent
    from tests.factories import DraftNewsFactory
    from tests.observatory.factories import PublishedPublicationFactory

    workflow.submit_for_review(item=DraftNewsFactory(author=author), actor=author)
    comment = observatory.post_comment(publication=PublishedPublicationFactory(), participant=participant, text="Hi")
    observatory.approve_comment(comment=comment, moderator=editor)
    long_ago = timezone.now() - timedelta(seconds=settings.WORKER_SWEEP_GRACE_SECONDS + 1)
    WorkflowEvent.objects.update(created_at=long_ago)
    type(comment).objects.filter(pk=comment.pk).update(moderated_at=long_ago)

    workers.run_sweeps()
    workers.run_sweeps()
    assert sorted(message.to[0] for message in mailoutbox) == sorted([editor.email, participant.email])


def test_the_sweep_delivers_what_waits_in_the_outbox_and_prunes_it(settings, mailoutbox):
    from django.core.mail import EmailMessage

    row = outbox.queue(EmailMessage("Hello", "Text", to=["ana@example.org"]), kind="test")
    assert workers.run_sweeps()["outbox"] == 1
    assert OutboundEmail.objects.get(pk=row.pk).state == OutboundEmail.State.SENT
    assert len(mailoutbox) == 1
