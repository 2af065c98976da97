"""Request ids: taken from X-Request-ID or made, returned, in every log line, carried to tasks."""

import io
import logging
import re

import pytest
from django_guid import clear_guid, get_guid, set_guid
from django_guid.log_filters import CorrelationId
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from events.models import Registration
from portal.models import TaskRequest
from tests.events.factories import OpenEventFactory
from tests.factories import ParticipantFactory

HEX_ID = re.compile(r"^[0-9a-f]{32}$")
FROM_PROXY = "4f0c1c5e2d9b4a7e8f6a3b2c1d0e9f8a"  # as nginx's $request_id


@pytest.fixture(autouse=True)
def _no_request_id_left():
    clear_guid()
    yield
    clear_guid()


@pytest.fixture
def console():
    """The console handler of settings.LOGGING, writing to a buffer."""
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, CorrelationId) for f in h.filters))
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


@pytest.fixture
def database_tasks(settings):
    """Tasks go to the database and wait for a worker, as in production."""
    settings.TASKS = {"default": {"BACKEND": "portal.request_ids.DatabaseBackend", "QUEUES": ["default"]}}


def run_worker() -> None:
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


@pytest.mark.django_db
def test_a_request_without_an_id_gets_a_new_one_in_the_response(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert HEX_ID.match(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
def test_the_proxys_id_is_kept_and_returned(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID=FROM_PROXY)["X-Request-ID"] == FROM_PROXY


@pytest.mark.django_db
@pytest.mark.parametrize("sent", ["not-an-id", "x" * 500, "4f0c1c5e\nforged log line"])
def test_an_id_that_is_not_a_uuid_is_replaced(client, sent):
    returned = client.get("/healthz", HTTP_X_REQUEST_ID=sent)["X-Request-ID"]
    assert HEX_ID.match(returned)


@pytest.mark.django_db
def test_a_cached_page_carries_the_id_of_the_request_that_read_it(client, settings):
    settings.ANONYMOUS_PAGE_CACHE = True
    first = client.get("/", HTTP_X_REQUEST_ID=FROM_PROXY)
    second = client.get("/")
    assert second["X-Cache"] == "hit"
    assert first["X-Request-ID"] == FROM_PROXY
    assert HEX_ID.match(second["X-Request-ID"]) and second["X-Request-ID"] != FROM_PROXY


@pytest.mark.django_db
def test_log_lines_of_a_request_carry_its_id(client, console):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID=FROM_PROXY)
    lines = [line for line in console.getvalue().splitlines() if "Not Found" in line]
    assert lines and all(f"[{FROM_PROXY}]" in line for line in lines)


@pytest.mark.django_db(transaction=True)
def test_the_worker_logs_a_task_under_the_id_of_the_request_that_enqueued_it(client, database_tasks, caplog):
    person = ParticipantFactory()
    event = OpenEventFactory()
    client.force_login(person)
    response = client.post(
        "/api/v1/me/registrations/",
        {"event": event.slug},
        content_type="application/json",
        HTTP_X_REQUEST_ID=FROM_PROXY,
    )
    assert response.status_code == 201
    assert Registration.objects.filter(event=event, participant=person).exists()
    task = DBTaskResult.objects.get()
    assert TaskRequest.objects.get(task=task).request_id == FROM_PROXY
    assert get_guid() is None  # the worker starts with no id of its own

    caplog.handler.addFilter(CorrelationId("request_id"))
    with caplog.at_level(logging.INFO, logger="django.tasks"):
        run_worker()
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    lines = [record for record in caplog.records if record.name == "django.tasks" and str(task.id) in record.message]
    assert [record.message.rsplit("state=", 1)[1] for record in lines] == ["RUNNING", "SUCCESSFUL"]
    assert {record.request_id for record in lines} == {FROM_PROXY}
    assert get_guid() is None  # forgotten once the task is done


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_by_a_task_inherits_the_id_and_one_from_a_command_gets_its_own(database_tasks, caplog):
    from portal.tasks import send_workflow_notification

    send_workflow_notification.enqueue(0)  # as a command would: no request, no id
    assert not TaskRequest.objects.exists()
    set_guid(FROM_PROXY)
    send_workflow_notification.enqueue(0)
    clear_guid()
    assert list(TaskRequest.objects.values_list("request_id", flat=True)) == [FROM_PROXY]

    caplog.handler.addFilter(CorrelationId("request_id"))
    with caplog.at_level(logging.INFO, logger="django.tasks"):
        run_worker()
    ids = {record.request_id for record in caplog.records if "state=SUCCESSFUL" in record.message}
    assert FROM_PROXY in ids and len(ids) == 2
    assert all(HEX_ID.match(request_id) for request_id in ids)


@pytest.mark.django_db
def test_with_the_immediate_backend_a_task_runs_under_the_requests_own_id(caplog):
    from portal.tasks import send_workflow_notification

    caplog.handler.addFilter(CorrelationId("request_id"))
    set_guid(FROM_PROXY)
    with caplog.at_level(logging.INFO, logger="django.tasks"):
        send_workflow_notification.enqueue(0)
    assert get_guid() == FROM_PROXY
    assert not TaskRequest.objects.exists()
    assert {record.request_id for record in caplog.records if record.name == "django.tasks"} == {FROM_PROXY}
