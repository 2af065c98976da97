"""Structured logs (one JSON object a line in production) and the error tracker hook."""

import json
import os
import subprocess
import sys
from pathlib import Path

import sentry_sdk

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "a-long-and-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "portal.example",
    "DATABASE_URL": "postgresql://localhost/portal",
}


def run_python(code: str, **environment) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "portal.settings", **environment}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


LOG_SOME_LINES = """
import logging
from django_guid import set_guid
logger = logging.getLogger("portal.example")
logger.info("before any request")
set_guid("4f0c1c5e2d9b4a7e8f6a3b2c1d0e9f8a")
logger.warning("registration refused", extra={"event": "forum-2026"})
try:
    1 / 0
except ZeroDivisionError:
    logger.exception("the task failed\\nover two lines")
"""


def test_production_logs_json_and_the_other_profiles_text():
    show = "from django.conf import settings; print(settings.LOG_FORMAT)"
    assert run_python(show, **PRODUCTION).stdout.strip() == "json"
    assert run_python(show, PORTAL_ENV="development").stdout.strip() == "text"
    refused = run_python(show, PORTAL_ENV="test", LOG_FORMAT="xml")
    assert refused.returncode != 0 and "LOG_FORMAT must be json or text" in refused.stderr


def test_each_json_line_is_one_object_with_level_logger_message_and_request_id():
    result = run_python(LOG_SOME_LINES, PORTAL_ENV="test", LOG_FORMAT="json", LOG_LEVEL="INFO")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    mine = [record for record in records if record["logger"] == "portal.example"]
    assert [record["message"] for record in mine] == [
        "before any request",
        "registration refused",
        "the task failed\nover two lines",
    ]
    assert [record["level"] for record in mine] == ["INFO", "WARNING", "ERROR"]
    assert [record["request_id"] for record in mine] == [None, *["4f0c1c5e2d9b4a7e8f6a3b2c1d0e9f8a"] * 2]
    assert mine[1]["event"] == "forum-2026"
    assert "ZeroDivisionError" in mine[2]["exc_info"]
    assert all("timestamp" in record and "process" in record for record in mine)


def test_text_lines_carry_the_request_id_too():
    result = run_python(LOG_SOME_LINES, PORTAL_ENV="test", LOG_FORMAT="text", LOG_LEVEL="INFO")
    assert "[4f0c1c5e2d9b4a7e8f6a3b2c1d0e9f8a] registration refused" in result.stderr


def test_sentry_is_off_without_a_dsn():
    assert not sentry_sdk.get_client().is_active()
    result = run_python("import sentry_sdk; print(sentry_sdk.get_client().is_active())", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


SENTRY_STATE = """
import sentry_sdk
from django_guid import set_guid
client = sentry_sdk.get_client()
print(client.is_active(), client.options["environment"], client.options["send_default_pii"])
set_guid("4f0c1c5e2d9b4a7e8f6a3b2c1d0e9f8a")
print(client.options["before_send"]({"message": "boom"}, {})["tags"])
"""


def test_sentry_is_on_with_a_dsn_without_personal_data_and_tags_the_request_id():
    # Nothing listens at that address, and nothing is captured: no event is sent anywhere.
    result = run_python(SENTRY_STATE, **PRODUCTION, SENTRY_DSN="http://public@127.0.0.1:9/1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["True production False", "{'request_id': '4f0c1c5e2d9b4a7e8f6a3b2c1d0e9f8a'}"]
