"""manage.py backup and restore: a PostgreSQL dump and the files, restored into new places and checked."""

import json

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from portal.backups import connection_parameters
from tests.factories import PublishedNewsFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="backups are of PostgreSQL databases (pg_dump)"),
]


@pytest.fixture
def roots(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OBSERVATORY_FILES_ROOT = tmp_path / "publication-files"
    (settings.MEDIA_ROOT / "news").mkdir(parents=True)
    (settings.MEDIA_ROOT / "news" / "cover.jpg").write_bytes(b"\xff\xd8 a cover image")
    settings.OBSERVATORY_FILES_ROOT.mkdir()
    (settings.OBSERVATORY_FILES_ROOT / "report.pdf").write_bytes(b"%PDF-1.7 a report")
    return tmp_path


@pytest.fixture
def new_database():
    params, _ = connection_parameters(settings.DATABASES["default"])
    name = f"{settings.DATABASES['default']['NAME']}_restored"
    admin = {**params, "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield {**settings.DATABASES["default"], "NAME": name}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def url_of(database: dict) -> str:
    params, _ = connection_parameters(database)
    query = f"?host={params['host']}" if params.get("host", "").startswith("/") else ""
    host = "" if query else params.get("host", "localhost")
    port = f":{params['port']}" if "port" in params else ""
    user = params.get("user", "")
    password = f":{params['password']}" if "password" in params else ""
    return f"postgresql://{user}{password}@{host}{port}/{params['dbname']}{query}"


def test_a_backup_restores_into_a_new_database_and_folders_with_every_row_and_file(roots, new_database, capsys):
    PublishedNewsFactory.create_batch(3)
    call_command("backup", "--output", str(roots / "backups"))
    (backup,) = (roots / "backups").iterdir()
    meta = json.loads((backup / "backup.json").read_text())
    assert meta["row_counts"]["portal_news"] == 3
    assert meta["files"] == 2
    assert (backup / "MANIFEST.sha256").read_text().count("\n") == 2

    call_command(
        "restore",
        str(backup),
        "--database-url",
        url_of(new_database),
        "--media-root",
        str(roots / "restored-media"),
        "--files-root",
        str(roots / "restored-files"),
    )
    assert "files (" in capsys.readouterr().out
    assert (roots / "restored-media" / "news" / "cover.jpg").read_bytes() == b"\xff\xd8 a cover image"
    assert (roots / "restored-files" / "report.pdf").read_bytes() == b"%PDF-1.7 a report"
    params, _ = connection_parameters(new_database)
    with psycopg.connect(**params) as conn:
        assert conn.execute("SELECT count(*) FROM portal_news").fetchone()[0] == 3


def test_restore_refuses_a_database_that_is_not_empty(roots, capsys):
    call_command("backup", "--output", str(roots / "backups"))
    (backup,) = (roots / "backups").iterdir()
    with pytest.raises(CommandError, match="is not empty"):
        call_command(
            "restore",
            str(backup),
            "--database-url",
            url_of(settings.DATABASES["default"]),
            "--media-root",
            str(roots / "m"),
            "--files-root",
            str(roots / "f"),
        )


def test_a_file_changed_after_the_backup_is_reported(roots, new_database):
    call_command("backup", "--output", str(roots / "backups"))
    (backup,) = (roots / "backups").iterdir()
    manifest = backup / "MANIFEST.sha256"
    manifest.write_text(manifest.read_text().replace("news/cover.jpg", "news/other.jpg"))
    with pytest.raises(CommandError, match="does not match"):
        call_command(
            "restore",
            str(backup),
            "--database-url",
            url_of(new_database),
            "--media-root",
            str(roots / "m"),
            "--files-root",
            str(roots / "f"),
        )


def test_keep_removes_older_backups(roots, settings):
    output = roots / "backups"
    for stamp in ("20260101T000000Z", "20260102T000000Z"):
        (output / stamp).mkdir(parents=True)
    call_command("backup", "--output", str(output), "--keep", "2")
    assert len(list(output.iterdir())) == 2
    assert not (output / "20260101T000000Z").exists()
