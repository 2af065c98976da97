import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backups import BackupError, make_backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, custom format, row counts from the dumped snapshot) and the "
        "uploaded files (with their checksums) into a new folder under --output (portal/backups.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, required=True, help="Folder that receives the backup's folder")
        parser.add_argument("--keep", type=int, default=0, help="Then delete all but the newest KEEP backups there")

    def handle(self, *args, output, keep, **options):
        output.mkdir(parents=True, exist_ok=True)
        try:
            folder = make_backup(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backup written to {folder}")
        if keep:
            backups = sorted(path for path in output.iterdir() if path.is_dir() and not path.name.startswith("."))
            for old in backups[:-keep]:
                shutil.rmtree(old)
                self.stdout.write(f"Removed the old backup {old}")
