"""Queued confirmations (issue 22, point 4): for an event with a waiting list the link's POST only
queues the confirmation; a task worker decides the queue in arrival order, in batches under the
event's lock, and the person's page shows the outcome as soon as it is known."""

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from events import emails, links, services, tasks
from events.models import Registration
from events.services import registration as registration_services
from tests.events.factories import OpenEventFactory, RegistrationFactory
from tests.events.test_quotas import large, msme, quota

pytestmark = pytest.mark.django_db

Status = Registration.Status


@pytest.fixture
def enqueued(monkeypatch):
    """The decision tasks enqueued (event ids), not run: the worker's part is called by the test."""
    calls = []
    monkeypatch.setattr(tasks, "decide_confirmations", SimpleNamespace(enqueue=calls.append))
    return calls


def queue(registrations, django_capture_on_commit_callbacks):
    """Each confirms, in this order, each in its own transaction (its after-commit step run)."""
    for registration in registrations:
        with django_capture_on_commit_callbacks(execute=True):
            services.request_confirmation(registration=registration)


def test_the_post_queues_and_the_worker_decides_in_arrival_order_not_registration_order(
    members, enqueued, django_capture_on_commit_callbacks
):
    event = OpenEventFactory(capacity=2)
    registrations = [RegistrationFactory(event=event) for _ in range(5)]
    arrival = list(reversed(registrations))  # the last to register confirms first

    queue(arrival, django_capture_on_commit_callbacks)

    assert set(Registration.objects.filter(event=event).values_list("status", flat=True)) == {Status.PENDING}
    assert enqueued == [event.pk]  # the first enqueues; the others find one ahead of them
    assert services.decide_confirmations(event_id=event.pk) == 5
    decided = {r.pk: r for r in Registration.objects.filter(event=event)}
    assert [decided[r.pk].status for r in arrival] == [Status.CONFIRMED] * 2 + [Status.WAITLISTED] * 3
    assert [decided[r.pk].waiting_list_position for r in arrival[2:]] == [1, 2, 3]
    assert all(decided[r.pk].waitlisted_at == decided[r.pk].confirm_requested_at for r in arrival[2:])
    assert services.decide_confirmations(event_id=event.pk) == 0  # nothing queued any more


def test_batches_give_the_same_seats_as_one_by_one_confirmation_with_quotas(
    members, enqueued, django_capture_on_commit_callbacks
):
    """The worker's batch uses the counting rule as ``confirm`` does: the same people in the same order
    get the same seats (reserved or not) and the same places on the waiting list, whatever the batch size."""
    kinds = [large, msme, large, large, msme, large, msme, large, large, msme, large, msme, large, large]
    one_by_one, queued = OpenEventFactory(capacity=6), OpenEventFactory(capacity=6)
    quota(one_by_one, share=50)
    quota(queued, share=50)
    people = [make() for make in kinds]
    for participant in people:
        services.confirm(registration=services.register(event=one_by_one, participant=participant))
    registrations = [services.register(event=queued, participant=participant) for participant in people]
    queue(registrations, django_capture_on_commit_callbacks)

    assert services.decide_confirmations(event_id=queued.pk, batch_size=4) == len(people)

    def outcome(event):
        rows = Registration.objects.filter(event=event).order_by("participant_id")
        return [
            (r.participant_id, r.status, r.quota.category if r.quota else None, r.waitlisted_by_quota) for r in rows
        ]

    assert outcome(queued) == outcome(one_by_one)
    assert Registration.objects.filter(event=queued, status=Status.CONFIRMED).count() == 6


def test_each_person_is_emailed_their_outcome_once(members, django_capture_on_commit_callbacks, mailoutbox):
    event = OpenEventFactory(capacity=1)
    registrations = [RegistrationFactory(event=event) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        for registration in registrations:  # the immediate backend: the first decides the queue
            services.request_confirmation(registration=registration)
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_confirmations(event_id=event.pk)  # a second task finds nothing to do
    recipients = sorted(message.to[0] for message in mailoutbox)
    assert recipients == sorted(r.participant.email for r in registrations)
    subjects = [message.subject for message in mailoutbox]
    assert sum("waiting list" in subject.lower() for subject in subjects) == 2


def test_confirming_twice_keeps_the_first_arrival(members, enqueued, django_capture_on_commit_callbacks):
    registration = RegistrationFactory(event=OpenEventFactory())
    queue([registration], django_capture_on_commit_callbacks)
    first = Registration.objects.get(pk=registration.pk).confirm_requested_at
    again = services.request_confirmation(registration=Registration.objects.get(pk=registration.pk))
    assert (again.status, again.confirm_requested_at) == (Status.PENDING, first)
    assert enqueued == [registration.event_id]


def test_a_queue_for_an_event_closed_meanwhile_is_dropped_and_the_page_says_why(
    client, members, enqueued, django_capture_on_commit_callbacks
):
    registration = RegistrationFactory(event=OpenEventFactory())
    queue([registration], django_capture_on_commit_callbacks)
    event = registration.event
    event.state = event.State.CANCELLED
    event.save()
    assert event.is_cancelled

    assert services.decide_confirmations(event_id=event.pk) == 0  # dropped, not decided

    registration.refresh_from_db()
    assert (registration.status, registration.confirm_requested_at) == (Status.PENDING, None)
    client.force_login(registration.participant)
    token = links.make_token(registration, links.CONFIRM)
    answer = client.get(reverse("events:registration_confirm_status", args=[event.slug, token])).json()
    assert answer["state"] == "closed"
    assert answer["message"] == "This event is no longer open for registration."


def test_the_sweep_decides_a_queue_whose_task_was_lost(members, enqueued, django_capture_on_commit_callbacks, settings):
    settings.WORKER_SWEEP_GRACE_SECONDS = 60
    lost, recent = RegistrationFactory(event=OpenEventFactory()), RegistrationFactory(event=OpenEventFactory())
    queue([lost, recent], django_capture_on_commit_callbacks)
    Registration.objects.filter(pk=lost.pk).update(confirm_requested_at=timezone.now() - timedelta(minutes=5))

    assert services.decide_owed_confirmations() == 1

    assert Registration.objects.get(pk=lost.pk).status == Status.CONFIRMED
    assert Registration.objects.get(pk=recent.pk).status == Status.PENDING  # its task is still to come


def test_without_a_waiting_list_the_post_decides_at_once(client, members, enqueued):
    event = OpenEventFactory(capacity=1, has_waiting_list=False)
    first, second = RegistrationFactory(event=event), RegistrationFactory(event=event)
    for registration, expected in ((first, "Your participation is confirmed"), (second, "filled up")):
        client.force_login(registration.participant)
        response = client.post(links.personal_path(registration, links.CONFIRM))
        assert expected in response.content.decode()
    assert enqueued == []
    assert Registration.objects.get(pk=second.pk).status == Status.PENDING


def test_the_page_and_its_status_answer_follow_the_queue(client, members, enqueued):
    event = OpenEventFactory(capacity=1)
    ahead = RegistrationFactory(event=event)
    services.confirm(registration=ahead)
    registration = RegistrationFactory(event=event)
    client.force_login(registration.participant)
    token = links.make_token(registration, links.CONFIRM)
    page = reverse("events:registration_confirm", args=[event.slug, token])
    status = reverse("events:registration_confirm_status", args=[event.slug, token])
    assert client.get(status).json()["state"] == "pending"

    answer = client.post(page, HTTP_ACCEPT="application/json")  # as static/js/confirmation.js asks
    assert answer.status_code == 202
    assert answer.json()["state"] == "queued"
    assert answer.json()["status_url"] == status
    assert "no-store" in answer["Cache-Control"]
    html = client.get(page).content.decode()
    assert "We have your confirmation" in html
    assert f'data-confirmation-poll="{status}"' in html

    services.decide_confirmations(event_id=event.pk)

    told = client.get(status)
    assert "no-store" in told["Cache-Control"]
    assert told.json()["state"] == "waitlisted"
    assert told.json()["position"] == 1
    assert "Your position on the waiting list: 1." in told.json()["message"]
    assert "You are on the waiting list" in client.get(page).content.decode()
    again = client.post(page, HTTP_ACCEPT="application/json")
    assert again.status_code == 400
    assert "already been used" in again.json()["message"]


@pytest.mark.parametrize("who", ["tampered", "someone else"])
def test_the_status_answer_refuses_a_bad_link_in_json(client, members, who):
    registration = RegistrationFactory(event=OpenEventFactory())
    token = links.make_token(registration, links.CONFIRM)
    if who == "tampered":
        token = token[:-3] + "xyz"
    else:
        client.force_login(RegistrationFactory().participant)
    response = client.get(reverse("events:registration_confirm_status", args=[registration.event.slug, token]))
    assert response.status_code == (400 if who == "tampered" else 403)
    assert response.json()["state"] == "invalid"
    assert "no-store" in response["Cache-Control"]
    assert client.get(f"/events/no-such-event/confirm/{token}/status/").status_code == 404


def test_wake_decider_enqueues_only_without_an_undecided_confirmation_ahead(
    members, enqueued, django_capture_on_commit_callbacks
):
    event = OpenEventFactory()
    first, second = RegistrationFactory(event=event), RegistrationFactory(event=event)
    queue([first, second], django_capture_on_commit_callbacks)
    assert enqueued == [event.pk]
    services.decide_confirmations(event_id=event.pk)  # both decided: a later one enqueues again
    third = RegistrationFactory(event=event)
    queue([third], django_capture_on_commit_callbacks)
    assert enqueued == [event.pk, event.pk]
    assert registration_services.DECISION_BATCH >= 100


def test_the_newest_confirmations_wait_the_settling_time(
    members, enqueued, django_capture_on_commit_callbacks, settings
):
    """One timed just before another may commit just after it: nobody is decided younger than the
    settling time, so that a batch never skips someone who arrived earlier (see test_race.py)."""
    settings.EVENTS_CONFIRMATION_SETTLE_SECONDS = 0.3
    registration = RegistrationFactory(event=OpenEventFactory())
    queue([registration], django_capture_on_commit_callbacks)
    started = time.monotonic()
    assert services.decide_confirmations(event_id=registration.event_id) == 1
    assert time.monotonic() - started >= 0.25
    assert Registration.objects.get(pk=registration.pk).status == Status.CONFIRMED


def test_a_decided_batch_is_emailed_in_batch_tasks_each_person_once(
    members, enqueued, django_capture_on_commit_callbacks, monkeypatch, mailoutbox
):
    event = OpenEventFactory(capacity=5)
    registrations = [RegistrationFactory(event=event) for _ in range(60)]
    queue(registrations, django_capture_on_commit_callbacks)
    batches = []
    monkeypatch.setattr(tasks, "send_registration_emails", SimpleNamespace(enqueue=batches.append))
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_confirmations(event_id=event.pk)
    assert [len(batch) for batch in batches] == [50, 10]  # not a task per person
    assert sorted(pk for batch in batches for pk in batch) == sorted(r.pk for r in registrations)

    with django_capture_on_commit_callbacks(execute=True):
        for batch in batches:
            assert emails.send_registration_emails(batch) == len(batch)
    with django_capture_on_commit_callbacks(execute=True):
        assert emails.send_registration_emails(batches[0]) == 0  # a task run twice sends nothing again
    assert sorted(m.to[0] for m in mailoutbox) == sorted(r.participant.email for r in registrations)


def test_the_admin_shows_when_a_queued_confirmation_arrived(
    editor_client, members, enqueued, django_capture_on_commit_callbacks
):
    registration = RegistrationFactory(event=OpenEventFactory())
    queue([registration], django_capture_on_commit_callbacks)
    response = editor_client.get(reverse("admin:events_registration_change", args=[registration.pk]))
    assert response.status_code == 200
    assert "Confirmation received at" in response.content.decode()
