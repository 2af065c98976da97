import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTAL_", "DJANGO_", "DATABASE_", "SECRET_", "ALLOWED_"))
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_is_the_default_profile_and_refuses_to_start_without_a_secret_key():
    result = run_manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", SECRET_KEY="x" * 60, DATABASE_URL="postgresql://localhost/portal")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is required" in result.stderr


def test_production_refuses_debug():
    result = run_manage("check", DEBUG="true", SECRET_KEY="x" * 60, ALLOWED_HOSTS="a.example")
    assert result.returncode != 0
    assert "DEBUG cannot be on" in result.stderr


@pytest.mark.parametrize("debug", ["true", "false"])
def test_deploy_check_is_clean_in_production_profile(debug):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-long-and-random-production-secret-key-0123456789-abcdefghijklmnop",
        ALLOWED_HOSTS="portal.example",
        DATABASE_URL="postgresql://localhost/portal",
        **({"DEBUG": debug} if debug == "false" else {}),
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_flags_a_non_production_profile():
    result = run_manage("check", "--deploy", PORTAL_ENV="development")
    assert result.returncode != 0
    assert "portal.E001" in result.stderr


def test_redis_url_selects_the_shared_cache():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        PORTAL_ENV="development",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.stdout.strip().splitlines()[-1] == "django.core.cache.backends.redis.RedisCache", result.stderr


def test_database_url_selects_postgresql():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])",
        PORTAL_ENV="development",
        DATABASE_URL="postgresql://u:p@db.internal:5432/portal",
    )
    assert result.stdout.strip().splitlines()[-1] == "django.db.backends.postgresql", result.stderr
