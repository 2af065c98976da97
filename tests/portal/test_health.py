"""/readyz: the database, the cache, the media storage and the task backlog, JSON 200 or 503."""

import os
import re
import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def ready_task(*, waited: timedelta, run_after=None) -> DBTaskResult:
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="portal.tasks.send_workflow_notification",
        queue_name="default",
        backend_name="default",
        run_after=run_after,
    )
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - waited)
    return task


def failing(response) -> dict:
    return {name: check["error"] for name, check in response.json()["checks"].items() if not check["ok"]}


@pytest.mark.django_db
def test_everything_up_is_200_with_each_check_named(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "media_storage", "task_backlog"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_it_is_never_cached(client):
    response = client.get("/readyz")
    assert "no-store" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_an_unreachable_database_is_503_naming_it(client, monkeypatch):
    @contextmanager
    def refused(self):
        raise OperationalError("connection refused")
        yield  # pragma: no cover

    monkeypatch.setattr(BaseDatabaseWrapper, "temporary_connection", refused)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "database" in failing(response)
    assert "connection refused" in failing(response)["database"]


@pytest.mark.django_db
def test_an_unreachable_cache_is_503_naming_it(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "portal.cache_backend.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert set(failing(response)) == {"cache"}


@pytest.mark.django_db
def test_unwritable_media_storage_is_503_naming_it(client, settings, tmp_path):
    not_a_folder = tmp_path / "media-is-a-file"
    not_a_folder.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = not_a_folder
    response = client.get("/readyz")
    assert response.status_code == 503
    assert set(failing(response)) == {"media_storage"}


@pytest.mark.django_db
def test_a_task_waiting_too_long_is_503_naming_the_backlog(client, settings):
    settings.READYZ_TASK_BACKLOG_MAX_AGE = 300
    ready_task(waited=timedelta(minutes=10))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert set(failing(response)) == {"task_backlog"}
    # 600 s, and a second or two more on a busy machine between the insert and the request
    assert re.search(r"has waited 60\d s", failing(response)["task_backlog"]), failing(response)


@pytest.mark.django_db
def test_a_recent_task_and_a_task_due_later_are_no_backlog(client, settings):
    settings.READYZ_TASK_BACKLOG_MAX_AGE = 300
    ready_task(waited=timedelta(seconds=30))
    ready_task(waited=timedelta(hours=2), run_after=timezone.now() + timedelta(hours=1))
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_a_task_due_long_ago_counts_from_its_due_time(client, settings):
    settings.READYZ_TASK_BACKLOG_MAX_AGE = 300
    ready_task(waited=timedelta(hours=2), run_after=timezone.now() - timedelta(minutes=1))
    assert client.get("/readyz").status_code == 200
    ready_task(waited=timedelta(hours=2), run_after=timezone.now() - timedelta(minutes=6))
    assert set(failing(client.get("/readyz"))) == {"task_backlog"}


@pytest.mark.django_db
def test_finished_tasks_are_no_backlog(client):
    task = ready_task(waited=timedelta(hours=1))
    DBTaskResult.objects.filter(pk=task.pk).update(status="SUCCESSFUL")
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_healthz_stays_a_liveness_probe(client, django_assert_num_queries, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "portal.cache_backend.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200


PRODUCTION_PROBE = """
import django
django.setup()
from django.test import Client
client = Client()
for path in ("/healthz", "/readyz", "/news/"):
    print(path, client.get(path).status_code)
"""


def test_probes_over_plain_http_are_not_redirected_to_https_in_production():
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "PORTAL_ENV": "production",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "SECRET_KEY": "a-long-and-random-production-secret-key-0123456789-abcdefghijklmnop",
            "ALLOWED_HOSTS": "testserver",
            # Nothing listens there: /readyz answers 503 instead of being redirected.
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/portal?connect_timeout=1",
            "LOG_LEVEL": "CRITICAL",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["/healthz 200", "/readyz 503", "/news/ 301"]


def test_the_checks_are_registered_on_the_view_for_the_health_check_command_too(settings):
    # `manage.py health_check readyz --no-http` instantiates the view and runs get_checks().
    from portal.health import ReadinessView

    settings.READYZ_TASK_BACKLOG_MAX_AGE = 120
    checks = list(ReadinessView().get_checks())
    assert [type(check).__name__ for check in checks] == ["Database", "Cache", "Storage", "TaskBacklog"]
    assert checks[-1].max_age == timedelta(seconds=120)
