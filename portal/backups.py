"""Backups of the database and the uploaded files, and their restore into a fresh place.

A backup is a folder (``manage.py backup``):

- ``database.dump``: ``pg_dump --format=custom`` of the site's database;
- ``files.tar``: the uploaded media (MEDIA_ROOT, under ``media/``) and the publication files
  (OBSERVATORY_FILES_ROOT, under ``publication-files/``);
- ``MANIFEST.sha256``: the checksum of every file in ``files.tar`` (``sha256sum -c`` format);
- ``backup.json``: when, from which server version and migrations, and the row count of every
  table *in the snapshot that was dumped* (pg_dump reads the snapshot that the counting
  transaction exported, so the counts are exactly the dump's, however busy the site was).

``manage.py restore`` puts one back into an empty database and empty folders, then checks it:
every table's row count and every file's checksum must match the backup's.

PostgreSQL only (production's database); the client programs pg_dump and pg_restore of the
server's major version or newer must be on PATH.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.conf import settings
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from psycopg import sql

FILE_ROOTS = {"media": "MEDIA_ROOT", "publication-files": "OBSERVATORY_FILES_ROOT"}
# libpq's connection keywords and the environment variables that pg_dump and pg_restore read them from.
LIBPQ_ENV = {
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "service": "PGSERVICE",
}


class BackupError(Exception):
    """A backup or restore that cannot be done (said why); nothing is left half-done."""


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    files: int = 0
    bytes: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def connection_parameters(database: dict) -> tuple[dict, dict]:
    """psycopg's connection keywords for a DATABASES entry, and the libpq environment
    (PGHOST, PGPASSWORD…) that gives pg_dump and pg_restore the same connection."""
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("Backups are made of a PostgreSQL database (DATABASE_URL=postgresql://…).")
    params = {
        "dbname": database["NAME"],
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": str(database["PORT"]) if database.get("PORT") else None,
    }
    params.update({key: str(value) for key, value in database.get("OPTIONS", {}).items() if key in LIBPQ_ENV})
    params = {key: value for key, value in params.items() if value}
    libpq_env = {LIBPQ_ENV[key]: value for key, value in params.items()}
    return params, libpq_env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
    )
    return [row[0] for row in cursor.fetchall()]


def _row_counts(cursor) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor):
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def _file_roots() -> dict[str, Path]:
    return {name: Path(getattr(settings, setting)) for name, setting in FILE_ROOTS.items()}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def make_backup(*, output: Path, database: dict | None = None, roots: dict[str, Path] | None = None) -> Path:
    """Write a backup folder under ``output`` and return it. The database is dumped from one
    snapshot, the one its row counts were read in; files are read as they are at the time."""
    database = database or settings.DATABASES["default"]
    roots = roots or _file_roots()
    params, libpq_env = connection_parameters(database)
    folder = output / timezone.now().strftime("%Y%m%dT%H%M%SZ")
    partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=output))
    try:
        with psycopg.connect(**params) as connection, connection.cursor() as cursor:
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            connection.read_only = True
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            counts = _row_counts(cursor)
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-owner",
                    f"--file={partial / 'database.dump'}",
                ],
                libpq_env,
            )
            cursor.execute(
                sql.SQL("SELECT app, max(name) FROM {} GROUP BY app ORDER BY app").format(
                    sql.Identifier(MigrationRecorder.Migration._meta.db_table)
                )
            )
            migrations = dict(cursor.fetchall())
        manifest, files, size = [], 0, 0
        with tarfile.open(partial / "files.tar", "w") as archive:
            for name, root in roots.items():
                if not root.is_dir():
                    continue
                for path in sorted(p for p in root.rglob("*") if p.is_file()):
                    relative = f"{name}/{path.relative_to(root).as_posix()}"
                    archive.add(path, arcname=relative, recursive=False)
                    manifest.append(f"{_sha256(path)}  {relative}")
                    files, size = files + 1, size + path.stat().st_size
        (partial / "MANIFEST.sha256").write_text("".join(f"{line}\n" for line in manifest))
        (partial / "backup.json").write_text(
            json.dumps(
                {
                    "created_at": timezone.now().isoformat(),
                    "server_version": server_version,
                    "migrations": migrations,
                    "row_counts": counts,
                    "files": files,
                    "bytes": size,
                },
                indent=2,
            )
            + "\n"
        )
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return folder


def restore_backup(*, source: Path, database: dict, roots: dict[str, Path], jobs: int = 2) -> RestoreReport:
    """Restore ``source`` into an empty database and empty (or absent) folders, then compare
    every table's row count and every file's checksum with the backup's."""
    meta = json.loads((source / "backup.json").read_text())
    params, libpq_env = connection_parameters(database)
    with psycopg.connect(**params) as connection, connection.cursor() as cursor:
        if _tables(cursor):
            raise BackupError(f"The database {params['dbname']} is not empty: restore into a new one.")
    for root in roots.values():
        if root.exists() and any(root.iterdir()):
            raise BackupError(f"{root} is not empty: restore into a new folder.")
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--jobs={jobs}",
            f"--dbname={params['dbname']}",
            str(source / "database.dump"),
        ],
        libpq_env,
    )
    report = RestoreReport()
    with psycopg.connect(**params) as connection, connection.cursor() as cursor:
        counts = _row_counts(cursor)
    for table in sorted(set(counts) | set(meta["row_counts"])):
        if counts.get(table) != meta["row_counts"].get(table):
            report.mismatches.append(
                f"table {table}: {counts.get(table)} rows, the backup had {meta['row_counts'].get(table)}"
            )
    report.tables, report.rows = len(counts), sum(counts.values())

    for root in roots.values():
        root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / "files.tar") as archive:
        for member in archive:
            name, _, relative = member.name.partition("/")
            if name not in roots or not member.isfile():
                raise BackupError(f"Unexpected entry in files.tar: {member.name}")
            member.name = relative
            archive.extract(member, roots[name], filter="data")
    expected = {}
    for line in (source / "MANIFEST.sha256").read_text().splitlines():
        checksum, relative = line.split("  ", 1)
        expected[relative] = checksum
    found = {}
    for name, root in roots.items():
        for path in (p for p in root.rglob("*") if p.is_file()):
            found[f"{name}/{path.relative_to(root).as_posix()}"] = _sha256(path)
            report.bytes += path.stat().st_size
    for relative in sorted(set(expected) | set(found)):
        if expected.get(relative) != found.get(relative):
            report.mismatches.append(
                f"file {relative}: checksum {found.get(relative)}, the backup had {expected.get(relative)}"
            )
    report.files = len(found)
    return report
