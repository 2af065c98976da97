"""Import an OCDS file (release package, record package, JSON Lines) as a new version of the procurement data.

    manage.py import_ocds chile.jsonl --observatory public-procurement-observatory --country CL \\
        [--dry-run] [--leave-out-rejected] [--no-carry-over] [--publish --user editor@example.org] [--workers 2]

The same service as the admin upload (procurement.imports.import_ocds), for files of gigabytes:
releases are streamed and staged on disk, memory stays bounded. A progress bar goes to stderr,
the report to stdout; the command fails, having imported nothing, when the file cannot be
read or (without --leave-out-rejected) any release is refused.
"""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from observatory.models import Observatory
from portal import services
from procurement.imports import import_ocds


class Progress:
    """A bar per phase on stderr (a line per tenth when stderr is not a terminal)."""

    PHASES = {"read": "reading and staging", "compile": "compiling and storing"}

    def __init__(self, stream):
        self.stream, self.tty = stream, stream.isatty()
        self.started = time.monotonic()
        self.phase, self._tenth = "", -1

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self.phase:
            self.close()
            self.phase, self._tenth = phase, -1
        fraction = min(done / total, 1.0) if total else 0.0
        bar = f"[{'#' * int(fraction * 30):<30}]" if total else "[" + " " * 30 + "]"
        line = (
            f"  {self.PHASES.get(phase, phase):<22} {bar} {done:>11,} releases {time.monotonic() - self.started:7.1f} s"
        )
        if self.tty:
            self.stream.write("\r" + line, ending="")
        elif total == 0 or int(fraction * 10) != self._tenth:
            self._tenth = int(fraction * 10)
            self.stream.write(line)
        self.stream.flush()

    def close(self):
        if self.tty and self.phase:
            self.stream.write("")


class Command(BaseCommand):
    help = "Import an OCDS release package, record package or JSON Lines file as a new procurement data version."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--observatory", required=True, help="The observatory's slug.")
        parser.add_argument(
            "--country", default="", help="The publisher's country (ISO alpha-2), for buyers whose address has none."
        )
        parser.add_argument("--title", default="")
        parser.add_argument("--title-es", default="")
        parser.add_argument("--source", default="", help="Where the file comes from (default: its publishers).")
        parser.add_argument("--notes", default="")
        parser.add_argument("--user", default="", help="Email of the person importing (needed for --publish).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; keep nothing.")
        parser.add_argument(
            "--leave-out-rejected", action="store_true", help="Import the valid releases; list the refused ones."
        )
        parser.add_argument(
            "--no-carry-over", action="store_true", help="The file is the whole dataset: carry no country over."
        )
        parser.add_argument("--publish", action="store_true", help="Publish the new version at once (editors).")
        parser.add_argument("--workers", type=int, default=None, help="Processes that compile (default: cores).")
        parser.add_argument("--demo", action="store_true", help="Generated data: every page says it is demo data.")

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
        progress = Progress(self.stderr) if options["verbosity"] >= 1 else None
        report = import_ocds(
            path=path, observatory=observatory, actor=actor, default_country=options["country"].upper(),
            title=options["title"], title_es=options["title_es"], source=options["source"], notes=options["notes"],
            dry_run=options["dry_run"], leave_out_rejected=options["leave_out_rejected"],
            carry_over=not options["no_carry_over"], is_demo=options["demo"], workers=options["workers"],
            progress=progress,
        )  # fmt: skip
        if progress:
            progress.close()
        self.write_report(report)
        if not report.is_valid:
            raise CommandError("Nothing was imported.")
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

    def write_report(self, report):
        for problem in report.problems:
            self.stderr.write(f"  {problem}")
        self.stdout.write(
            f"{report.file_name} ({report.file_kind or '?'}): {report.releases_read:,} releases read, "
            f"{report.rejected_count:,} rejected, {report.processes:,} processes compiled "
            f"({', '.join(report.countries) or '—'}), {report.awards:,} awards, {report.processes_carried:,} processes "
            f"carried over ({', '.join(report.carried_countries) or '—'}), {report.observations:,} observations "
            f"({report.new:,} new, {report.changed:,} changed, {report.removed:,} removed) in {report.seconds:.1f} s."
        )
        for item in report.rejected:
            self.stderr.write(f"  release {item.number} ({item.ocid} {item.release_id}): {'; '.join(item.reasons)}")
        if report.rejected_count > len(report.rejected):
            self.stderr.write(f"  … and {report.rejected_count - len(report.rejected):,} more rejected releases.")
        for country, counts in report.missing.items():
            fields = ", ".join(f"{name} {count:,}" for name, count in sorted(counts["fields"].items())) or "none"
            self.stdout.write(
                f"  {country}: {counts['processes']:,} processes, {counts['awards']:,} awards; missing: {fields}"
            )
        for notice in report.notices:
            self.stdout.write(f"  Note: {notice}")
