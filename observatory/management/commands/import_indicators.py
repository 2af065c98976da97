"""Import a file of observations as a new version of a dataset, all or nothing (observatory.imports).

    manage.py import_indicators labour.csv --observatory regional-labor-observatory \\
        --dataset labour-market-indicators --title "Labour market indicators" [--dry-run] [--publish]

The template (CSV, XLSX), SDMX-ML and SDMX-CSV are read as in the admin. A progress bar goes
to stderr; the report (new, changed, removed observations, row errors) to stdout. Exits with
an error, having imported nothing, when any row is wrong.
"""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from observatory.imports import import_dataset
from observatory.models import Observatory
from portal import services


class Progress:
    """A progress bar on stderr (one line per tenth when stderr is not a terminal)."""

    def __init__(self, total: int, stream: OutputWrapper):
        self.total, self.stream = max(total, 1), stream
        self.started = time.monotonic()
        self.tty = stream.isatty()
        self._tenth = -1

    def _write(self, text):
        self.stream.write(text, ending="")
        self.stream.flush()

    def __call__(self, done: int) -> None:
        fraction = min(done / self.total, 1.0)
        line = f"  [{'#' * int(fraction * 30):<30}] {done:>10,} rows {time.monotonic() - self.started:7.1f} s"
        if self.tty:
            self._write("\r" + line)
        elif int(fraction * 10) != self._tenth:
            self._tenth = int(fraction * 10)
            self._write(line + "\n")

    def close(self):
        if self.tty:
            self._write("\n")


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


class Command(BaseCommand):
    help = "Import a file of observations (template CSV/XLSX, SDMX-ML, SDMX-CSV) as a new dataset version."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--observatory", required=True, help="The observatory's slug.")
        parser.add_argument("--dataset", required=True, help="The dataset's key; the same key makes a new version.")
        parser.add_argument("--title", required=True)
        parser.add_argument("--title-es", default="")
        parser.add_argument("--source", default="", help="Where the file comes from (shown on the pages).")
        parser.add_argument("--notes", default="")
        parser.add_argument("--indicator", default="", help="The indicator of an SDMX file without INDICATOR.")
        parser.add_argument("--user", default="", help="Email of the person importing (needed for --publish).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; keep nothing.")
        parser.add_argument("--publish", action="store_true", help="Publish the new version at once (editors).")
        parser.add_argument(
            "--demo", action="store_true", help="Generated data: every page, chart and download says it is demo data."
        )

    def handle(self, *args, **options):
        path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        observatory = Observatory.objects.filter(slug=options["observatory"]).first()
        if observatory is None:
            raise CommandError(f"Unknown observatory {options['observatory']!r}.")
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(email__iexact=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user with the email {options['user']!r}.")
        if options["publish"] and actor is None:
            raise CommandError("--publish needs --user: the editor who publishes it.")
        total = count_lines(path) - 1 if path.suffix.lower() == ".csv" else 0
        progress = Progress(total, self.stderr) if options["verbosity"] >= 1 else None
        started = time.monotonic()
        report = import_dataset(
            path=path, observatory=observatory, key=options["dataset"], title=options["title"],
            title_es=options["title_es"], source=options["source"], notes=options["notes"], actor=actor,
            dry_run=options["dry_run"], default_indicator=options["indicator"], progress=progress,
            is_demo=options["demo"],
        )  # fmt: skip
        if progress:
            progress.close()
        seconds = time.monotonic() - started
        if not report.is_valid:
            for error in report.errors:
                where = f"{report.row_word} {error.row}: " if error.row else ""
                self.stderr.write(f"  {where}{error.message}")
            if report.error_count > len(report.errors):
                self.stderr.write(f"  … and {report.error_count - len(report.errors)} more.")
            raise CommandError(f"{report.error_count} error(s): nothing was imported.")
        self.stdout.write(
            f"{report.rows:,} observations read in {seconds:.1f} s: {report.new:,} new, {report.changed:,} changed, "
            f"{report.removed:,} removed, {report.unchanged:,} unchanged (against version "
            f"{report.previous_version or '—'})."
        )
        if report.dry_run:
            self.stdout.write(self.style.WARNING(f"Dry run: nothing was kept (it would be version {report.version})."))
            return
        if options["publish"]:
            try:
                services.publish(
                    item=report.dataset, actor=actor, comment="Imported and published from the command line"
                )
            except services.WorkflowError as error:
                raise CommandError(f"Imported as a draft (version {report.version}), not published: {error}") from None
            self.stdout.write(self.style.SUCCESS(f"Version {report.version} imported and published."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Version {report.version} imported as a draft."))
