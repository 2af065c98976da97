from pathlib import Path

import dj_database_url
from django.core.management.base import BaseCommand, CommandError

from portal.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup folder (manage.py backup) into an empty database and empty folders, then check "
        "that every table's row count and every file's checksum match the backup's (portal/backups.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="The backup's folder")
        parser.add_argument("--database-url", required=True, help="The new, empty database (postgresql://…)")
        parser.add_argument("--media-root", type=Path, required=True, help="The new MEDIA_ROOT (empty or absent)")
        parser.add_argument("--files-root", type=Path, required=True, help="The new OBSERVATORY_FILES_ROOT")
        parser.add_argument("--jobs", type=int, default=2, help="pg_restore's parallel jobs")

    def handle(self, *args, backup, database_url, media_root, files_root, jobs, **options):
        try:
            report = restore_backup(
                source=backup,
                database=dj_database_url.parse(database_url),
                roots={"media": media_root, "publication-files": files_root},
                jobs=jobs,
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        for mismatch in report.mismatches:
            self.stderr.write(mismatch)
        if not report.ok:
            raise CommandError(f"The restore does not match the backup ({len(report.mismatches)} differences).")
        self.stdout.write(
            f"Restored and checked: {report.tables} tables, {report.rows} rows, "
            f"{report.files} files ({report.bytes} bytes) match the backup."
        )
