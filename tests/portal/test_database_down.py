"""A real server whose database refuses connections answers 503 + Retry-After, never a 500.

The server is gunicorn in a process of its own, in the test profile, with a DATABASE_URL
that cannot be reached: PostgreSQL on a closed port, or a SQLite "file" that is a directory.
It needs no database of the test run, so it runs in both passes of ``make test``.
"""

import json
import os
import selectors
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_line(process, needle: str, timeout: float) -> None:
    """Read the server's log until ``needle`` appears (it is listening), or fail with the log."""
    selector = selectors.DefaultSelector()
    selector.register(process.stderr, selectors.EVENT_READ)
    deadline, log = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        if not selector.select(timeout=deadline - time.monotonic()):
            break
        line = process.stderr.readline()
        if not line:
            break  # the process ended
        log.append(line)
        if needle in line:
            return
    process.kill()
    pytest.fail("The server did not start:\n" + "".join(log))


@pytest.fixture(params=["postgresql", "sqlite"])
def server_without_database(request, tmp_path):
    if request.param == "postgresql":
        database_url = f"postgresql://portal@127.0.0.1:{free_port()}/portal?connect_timeout=2"
    else:
        directory = tmp_path / "not-a-database-file"
        directory.mkdir()
        database_url = f"sqlite:///{directory}"
    port = free_port()
    environment = {
        **os.environ,
        "PORTAL_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "portal.test_settings",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "INFO",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "--preload", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_line(process, "Booting worker", START_TIMEOUT)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_pages_and_the_api_answer_503_with_retry_after(server_without_database):
    status, headers, body = get(server_without_database + "/news/")
    assert status == 503, body[:500]
    assert headers["Retry-After"] == "30"
    assert headers["Content-Type"].startswith("text/html")
    assert "unavailable for a moment" in body

    status, headers, body = get(server_without_database + "/api/v1/news/")
    assert status == 503, body[:500]
    assert headers["Retry-After"] == "30"
    assert json.loads(body)["error"]["code"] == "service_unavailable"

    # A visitor with a session: the session is read by a middleware, before any view.
    status, headers, _body = get(server_without_database + "/events/", Cookie="sessionid=abc123")
    assert status == 503 and headers["Retry-After"] == "30"
    status, headers, body = get(server_without_database + "/api/v1/me/", Authorization="Token pa_0123456789")
    assert status == 503 and json.loads(body)["error"]["status"] == 503
