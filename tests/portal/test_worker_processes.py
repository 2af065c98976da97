"""Real worker processes against a real SMTP server: a worker killed with SIGKILL in the middle of
a batch, and a mail server that refuses connections for a while, lose and repeat nothing.

These start ``manage.py run_worker`` processes on the test database, so they need PostgreSQL
(the SQLite test database lives in this process's memory).
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from events import services
from events.models import Registration
from portal.models import OutboundEmail
from tests.events.factories import ConfirmedRegistrationFactory, OpenEventFactory, RegistrationFactory, in_days
from tests.factories import CountryFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
#: Short leases and sweeps, so that a take-over happens within seconds.
WORKER_SETTINGS = {
    "WORKER_HEARTBEAT_SECONDS": "0.3",
    "WORKER_LEASE_SECONDS": "2",
    "WORKER_SWEEP_SECONDS": "1",
    "WORKER_SWEEP_GRACE_SECONDS": "1",
    "OUTBOX_CLAIM_SECONDS": "3",
    "OUTBOX_RETRY_SECONDS": "0.5",
    "OUTBOX_RETRY_MAX_SECONDS": "1",
}
TIMEOUT = 90


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("worker processes share the test database only on PostgreSQL (SQLite's lives in memory)")


@pytest.fixture(autouse=True)
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def members(db):
    return {code: CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")}


# --- A real SMTP server -----------------------------------------------------------------------


class Sink:
    """aiosmtpd handler: records each message the server accepted; can hold the n-th one at
    RCPT (before its data) until released, so that a worker can be killed while it waits."""

    def __init__(self):
        self.accepted = []  # (recipient, subject)
        self.changed = threading.Condition()
        self.hold_at = None
        self.holding = threading.Event()
        self.released = threading.Event()
        self._started = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self._started += 1
        if self._started == self.hold_at:
            self.holding.set()
            # Until the test releases it (no polling: the event's own wait, off the server's loop).
            await asyncio.get_running_loop().run_in_executor(None, self.released.wait, TIMEOUT)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        subject = " ".join(str(make_header(decode_header(message["Subject"]))).split())  # unfolded
        with self.changed:
            self.accepted.extend((recipient, subject) for recipient in envelope.rcpt_tos)
            self.changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = TIMEOUT) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: len(self.accepted) >= count, timeout=timeout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    """``smtp.start()`` / ``smtp.stop()`` a server on a fixed port; ``smtp.sink`` is what it received."""

    class Server:
        port = free_port()
        sink = Sink()
        controller = None

        def start(self):
            self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
            self.controller.start()

        def stop(self):
            if self.controller is not None:
                self.sink.released.set()
                self.controller.stop()
                self.controller = None

    server = Server()
    yield server
    server.stop()


# --- Real workers -----------------------------------------------------------------------------


@pytest.fixture
def start_worker(smtp, tmp_path):
    """``start_worker(name)``: a ``manage.py run_worker`` process on the test database."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    host = db["HOST"] or db["OPTIONS"].get("host", "")
    url = (
        f"postgresql://{credentials}@/{db['NAME']}?host={host}"
        if host.startswith("/")
        else f"postgresql://{credentials}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        **WORKER_SETTINGS,
        "PORTAL_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "portal.test_settings",
        "DATABASE_URL": url,
        "TASKS_BACKEND": "database",
        "EMAIL_BACKEND": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "LOG_LEVEL": "INFO",
    }
    processes = []

    def start(name):
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (closed below)
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1",
             "--worker-id", name],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        process.log_file, process.log_path = log, tmp_path / f"{name}.log"
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.log_file.close()


def holds(sink, process) -> bool:
    """Wait until the server holds a message, or the worker has died (which would fail the test)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        if sink.holding.wait(0.2):
            return True
    return False


def kill_hard(process):
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=15)


def settled(timeout=TIMEOUT) -> bool:
    """Nothing left: no email task waiting or running, nothing waiting in the outbox.

    The workers are other processes: what they did is read back from the database, until
    the deadline (no event of this process can tell it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = (
            DBTaskResult.objects.filter(status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING))
            .exclude(task_path="portal.tasks.run_sweeps")
            .filter(run_after__lte=timezone.now())
            .exists()
        )
        if not busy and not OutboundEmail.objects.filter(state=OutboundEmail.State.QUEUED).exists():
            return True
        time.sleep(0.2)
    return False


def logs(*processes) -> str:
    return "\n".join(process.log_path.read_text(errors="replace")[-3000:] for process in processes)


# --- The tests --------------------------------------------------------------------------------


def test_a_worker_killed_in_the_middle_of_a_batch_of_reminders_loses_and_repeats_none(members, smtp, start_worker):
    from events.tasks import send_event_reminders

    event = OpenEventFactory(start=in_days(0, hours=5), capacity=None)
    registrations = [ConfirmedRegistrationFactory(event=event) for _ in range(60)]
    smtp.sink.hold_at = 20
    smtp.start()
    send_event_reminders.enqueue(event.pk)

    first = start_worker("first")
    assert holds(smtp.sink, first), logs(first)
    kill_hard(first)  # while the mail server has 19 reminders and holds the 20th before its data
    smtp.sink.released.set()
    assert len(smtp.sink.accepted) == 19
    second = start_worker("second")

    assert smtp.sink.wait_for(60), logs(first, second)
    assert settled(), logs(first, second)
    assert Counter(recipient for recipient, _subject in smtp.sink.accepted) == Counter(
        registration.participant.email for registration in registrations
    )
    assert {subject.split(":")[0] for _recipient, subject in smtp.sink.accepted} == {"Reminder"}
    assert not Registration.objects.filter(event=event, reminders_sent__isnull=True).exists()
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exclude(task_path="portal.tasks.run_sweeps")


def test_a_worker_killed_in_the_middle_of_a_batch_of_status_emails_loses_and_repeats_none(members, smtp, start_worker):
    event = OpenEventFactory(start=in_days(3), capacity=None)
    pending = [RegistrationFactory(event=event, status_notified_at=timezone.now()) for _ in range(40)]  # told
    smtp.sink.hold_at = 15
    smtp.start()
    for registration in pending:
        services.confirm(registration=registration)  # each enqueues its "You are registered" email

    first = start_worker("first")
    assert holds(smtp.sink, first), logs(first)
    kill_hard(first)
    smtp.sink.released.set()
    second = start_worker("second")

    assert smtp.sink.wait_for(40), logs(first, second)
    assert settled(), logs(first, second)
    assert Counter(recipient for recipient, _subject in smtp.sink.accepted) == Counter(
        registration.participant.email for registration in pending
    )
    assert {subject.split(":")[0] for _recipient, subject in smtp.sink.accepted} == {"You are registered"}


def test_emails_wait_while_the_mail_server_refuses_connections_and_go_once_when_it_is_back(members, smtp, start_worker):
    event = OpenEventFactory(start=in_days(3), capacity=None)
    pending = [RegistrationFactory(event=event, status_notified_at=timezone.now()) for _ in range(10)]
    for registration in pending:
        services.confirm(registration=registration)
    worker = start_worker("worker")  # the mail server is down: nothing listens on its port

    deadline = time.monotonic() + TIMEOUT
    while OutboundEmail.objects.filter(attempts__gte=2).count() < 10 and time.monotonic() < deadline:
        time.sleep(0.2)  # the worker process tries, fails, and tries again later
    assert OutboundEmail.objects.filter(attempts__gte=2, state=OutboundEmail.State.QUEUED).count() == 10, logs(worker)
    assert "Connection refused" in OutboundEmail.objects.first().last_error

    smtp.start()  # the server is back
    assert smtp.sink.wait_for(10), logs(worker)
    assert settled(), logs(worker)
    assert Counter(recipient for recipient, _subject in smtp.sink.accepted) == Counter(
        registration.participant.email for registration in pending
    )
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {OutboundEmail.State.SENT}
