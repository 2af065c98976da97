import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, var_dir=None, **env_overrides):
    """``manage.py *args`` in a clean environment, with its own empty VAR_DIR unless given one
    (so that a checkout where `make run` wrote var/demo.env does not change the outcome)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTAL_", "DJANGO_", "DATABASE_", "SECRET_", "ALLOWED_", "SITE_", "VAR_"))
    }
    with tempfile.TemporaryDirectory() as empty:
        env["VAR_DIR"] = str(var_dir or empty)
        env.update(env_overrides)
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )


PRINT_PROFILE = (
    "from django.conf import settings; "
    "print(settings.PORTAL_ENV, settings.DEBUG, settings.SITE_URL, ','.join(settings.ALLOWED_HOSTS))"
)


def write_demo_env(var_dir: Path, text: str) -> None:
    (var_dir / "demo.env").write_text(text, encoding="utf-8")


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
    assert result.stdout.strip().splitlines()[-1] == "portal.cache_backend.RedisCache", result.stderr


def test_database_url_selects_postgresql():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])",
        PORTAL_ENV="development",
        DATABASE_URL="postgresql://u:p@db.internal:5432/portal",
    )
    assert result.stdout.strip().splitlines()[-1] == "django.db.backends.postgresql", result.stderr


# --- The demo's profile, remembered by `make run` (var/demo.env) ---------------------------------


def test_make_run_remembers_the_demo_profile_and_its_address_for_every_command(tmp_path):
    """`make run PORT=8101` writes var/demo.env; a command run afterwards as README writes it
    (no PORTAL_ENV) gets the demo's profile and the address on port 8101."""
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8101"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    written = re.search(r"printf '%s\\n' (.+?) > var/demo\.env", dry_run, re.DOTALL)
    assert written, dry_run
    lines = re.findall(r"'([^']*)'", written.group(1))
    assert lines[1:] == ["PORTAL_ENV=development", "SITE_URL=http://127.0.0.1:8101"]
    write_demo_env(tmp_path, "\n".join(lines) + "\n")

    result = run_manage("shell", "-c", PRINT_PROFILE, var_dir=tmp_path)

    assert result.returncode == 0, result.stderr
    profile, debug, site_url, hosts = result.stdout.splitlines()[-1].split()
    assert (profile, debug, site_url) == ("development", "True", "http://127.0.0.1:8101")
    assert "127.0.0.1" in hosts.split(",")


def test_the_demo_address_follows_another_host(tmp_path):
    write_demo_env(tmp_path, "PORTAL_ENV=development\nSITE_URL=http://portal-demo.local:8101\n")
    result = run_manage("shell", "-c", PRINT_PROFILE, var_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "portal-demo.local" in result.stdout.splitlines()[-1].split()[3].split(",")


def test_a_documented_command_works_as_written_in_a_checkout_set_up_by_make_run(tmp_path):
    """Before: "SECRET_KEY is required" unless PORTAL_ENV=development was typed too."""
    write_demo_env(tmp_path, "PORTAL_ENV=development\nSITE_URL=http://127.0.0.1:8101\n")
    result = run_manage("send_event_reminders", "--help", var_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "SECRET_KEY" not in result.stderr


def test_production_ignores_the_demo_profile_and_still_refuses_to_start_without_its_settings(tmp_path):
    write_demo_env(tmp_path, "PORTAL_ENV=development\nSITE_URL=http://127.0.0.1:8101\n")
    result = run_manage("check", var_dir=tmp_path, PORTAL_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


@pytest.mark.parametrize(
    "text, message",
    [
        ("PORTAL_ENV=production\n", "it must say PORTAL_ENV=development"),
        ("PORTAL_ENV=development\nDEBUG=false\nSECRET_KEY=x\n", "only PORTAL_ENV, SITE_URL may be set there"),
    ],
)
def test_the_demo_file_cannot_choose_another_profile_nor_other_settings(tmp_path, text, message):
    write_demo_env(tmp_path, text)
    result = run_manage("check", var_dir=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr


def test_every_command_the_docs_name_exists():
    """README and docs/ name commands as `manage.py <command>`: each is a command of the project."""
    commands = get_commands()
    named = set()
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        named |= set(re.findall(r"manage\.py ([a-z_]+)", path.read_text(encoding="utf-8")))
    assert named, "no command found in the docs"
    unknown = sorted(name for name in named if name not in commands)
    assert not unknown, f"commands named in the docs that do not exist: {unknown}"


def test_a_log_line_of_the_task_worker_is_printed_once_in_the_demo(tmp_path):
    """django.tasks (the worker's "Task … state=SUCCESSFUL" lines) went to Django's console handler
    and to the root's: every line twice in `make run`."""
    write_demo_env(tmp_path, "PORTAL_ENV=development\nSITE_URL=http://127.0.0.1:8000\n")
    code = (
        "import logging; "
        "logging.getLogger('django.tasks').info('task line'); "
        "logging.getLogger('django.request').warning('request line'); "
        "logging.getLogger('portal.outbox').warning('outbox line')"
    )
    result = run_manage("shell", "-c", code, var_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    printed = result.stdout + result.stderr
    assert [printed.count(line) for line in ("task line", "request line", "outbox line")] == [1, 1, 1], printed
