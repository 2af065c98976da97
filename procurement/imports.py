"""Importing an OCDS file as a new version of the procurement dataset: ``import_ocds``, the one service.

The admin upload, the ``import_ocds`` command and the demo seeder call it. The rules:

- **All or nothing.** A file that cannot be read (invalid JSON, not a package, too large,
  empty) imports nothing. A release that is refused (it fails the OCDS 1.1 release schema, an
  unknown currency, a release id seen before for the same ocid, a period that ends before it
  starts) is listed in the report with its reason, and by default the whole import is refused
  too; with ``leave_out_rejected`` the other releases are imported and the version's report
  keeps the list. Everything runs in one transaction: the version the public sees stays
  until the new one is published.
- **A version is the whole picture.** The file's processes replace those of the countries it
  covers (by buyer country); the other countries are carried over from the version the public
  sees (``carry_over``), so one country's publisher can be imported at a time.
- **Bounded memory.** Releases are streamed (ijson, or line by line) into a temporary SQLite
  file and given back grouped by ocid (``procurement.ocds.Staging``); compiling runs in worker
  processes for large files; rows go to the database in batches (COPY on PostgreSQL).
- **Computed once.** The indicators and the coverage of each field are computed from the store
  (``procurement.figures``) and handed to the framework's import (``observatory.imports``) as
  the version's observations.
"""

import multiprocessing
import os
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from iso3166 import countries as iso_countries

from observatory.imports import import_dataset
from observatory.models import Dataset, Observatory
from portal.models import Country
from procurement import figures, ocds
from procurement.definitions import SPECS, currency_spec, ensure_indicators
from procurement.models import Award, FieldCoverage, Process, ProcurementImport

DATASET_KEY = "public-procurement-ocds"
DATASET_TITLE = ("Public procurement data of the member countries (OCDS)",
                 "Datos de compras públicas de los países miembros (OCDS)")  # fmt: skip
REJECTIONS_SHOWN = 200
BATCH = 5000
CHUNK = 400  # processes per task handed to a worker
POOL_FROM = 20_000  # processes: fewer are compiled in this process (a pool costs a second to start)

#: Other names of countries as publishers write them (Spanish, short forms); ISO 3166 names are known already.
COUNTRY_ALIASES = {
    "MEXICO": "MX", "PERU": "PE", "ESTADOS UNIDOS": "US", "ESTADOS UNIDOS DE AMERICA": "US", "EEUU": "US",
    "USA": "US", "UNITED STATES": "US", "ESPANA": "ES", "ALEMANIA": "DE", "FRANCIA": "FR", "BRASIL": "BR",
    "CANADA": "CA", "JAPON": "JP", "REINO UNIDO": "GB", "ITALIA": "IT", "PAISES BAJOS": "NL", "HOLANDA": "NL",
    "SUIZA": "CH", "SUECIA": "SE", "BELGICA": "BE", "COREA DEL SUR": "KR", "COREA": "KR", "REPUBLICA DE COREA": "KR",
    "PANAMA": "PA", "REPUBLICA DOMINICANA": "DO", "ECUADOR": "EC", "BOLIVIA": "BO", "VENEZUELA": "VE",
    "URUGUAY": "UY", "PARAGUAY": "PY", "COSTA RICA": "CR", "GUATEMALA": "GT", "INDIA": "IN", "CHINA": "CN",
    "REPUBLICA POPULAR CHINA": "CN", "TURQUIA": "TR", "AUSTRALIA": "AU", "NUEVA ZELANDA": "NZ", "SINGAPUR": "SG",
    "ISRAEL": "IL", "DINAMARCA": "DK", "NORUEGA": "NO", "FINLANDIA": "FI", "AUSTRIA": "AT", "PORTUGAL": "PT",
    "POLONIA": "PL", "IRLANDA": "IE", "RUSIA": "RU", "SUDAFRICA": "ZA", "MARRUECOS": "MA", "EGIPTO": "EG",
}  # fmt: skip
PROCESS_COLUMNS = (
    "id", "run_id", "ocid", "buyer_id", "buyer_name", "buyer_country", "buyer_country_published",
    "procurement_method", "main_category", "tender_start", "tender_end", "tender_days", "value_amount",
    "value_currency", "tenderers", "year",
)  # fmt: skip
AWARD_COLUMNS = (
    "run_id", "process_id", "award_id", "supplier_id", "supplier_name", "supplier_country", "supplier_scale",
    "supplier_count", "amount", "currency", "amount_usd", "date", "year",
)  # fmt: skip


@dataclass
class Rejection:
    number: int  # the release's place in the file (1 is the first release)
    ocid: str
    release_id: str
    reasons: list[str]


@dataclass
class OcdsReport:
    """What an import did (or a dry run would do). Nothing was kept unless ``dataset`` is set."""

    file_name: str
    file_kind: str = ""
    dry_run: bool = False
    leave_out_rejected: bool = False
    problems: list[str] = field(default_factory=list)
    releases_read: int = 0
    processes: int = 0
    processes_carried: int = 0
    awards: int = 0
    rejected_count: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    carried_countries: list[str] = field(default_factory=list)
    missing: dict[str, dict] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    packages: list[dict] = field(default_factory=list)
    observations: int = 0
    new: int = 0
    changed: int = 0
    removed: int = 0
    version: int | None = None
    previous_version: int | None = None
    seconds: float = 0.0
    dataset: Dataset | None = None
    run: ProcurementImport | None = None

    @property
    def is_valid(self) -> bool:
        return not self.problems and (self.leave_out_rejected or not self.rejected_count)

    def reject(self, item: dict) -> None:
        self.rejected_count += 1
        if len(self.rejected) < REJECTIONS_SHOWN:
            reasons = [reason_text(code, params) for code, params in item["problems"]]
            self.rejected.append(Rejection(item["number"], item["ocid"], item["id"], reasons))


class _Rollback(Exception):
    pass


# --- Messages -------------------------------------------------------------------------------------


def problem_text(problem: ocds.FileProblem) -> str:
    params = problem.params
    texts = {
        "empty": _("The file is empty."),
        "not_json": _("The file is not JSON: send an OCDS release package, record package or JSON Lines file."),
        "not_a_package": _("The file is JSON but not an OCDS package: it has no “releases” or “records” array."),
        "invalid_json": _("The file is not valid JSON (after %(number)s releases): %(error)s."),
        "invalid_json_line": _("Line %(line)s is not valid JSON: %(error)s."),
    }
    return texts.get(problem.code, problem.code) % params if params else texts.get(problem.code, problem.code)


def reason_text(code: str, params: dict) -> str:
    texts = {
        "not_an_object": _("the release is not a JSON object"),
        "linked_only": _("a record that only links to its releases, without them or a compiled release"),
        "schema": _("%(where)s: %(message)s (OCDS 1.1 release schema)"),
        "unknown_currency": _("%(where)s: “%(value)s” is not an ISO 4217 currency code"),
        "duplicate_id": _("the release id “%(id)s” appears twice for this ocid (first as release %(first)s)"),
        "period_reversed": _("%(where)s ends (%(end)s) before it starts (%(start)s)"),
        "merge": _("the releases of this ocid cannot be merged: %(message)s"),
    }
    text = texts.get(code, code)
    return text % params if params else text


# --- The service ---------------------------------------------------------------------------------


def import_ocds(
    *,
    path: str | Path,
    observatory: Observatory,
    actor=None,
    file_name: str = "",
    title: str = "",
    title_es: str = "",
    source: str = "",
    notes: str = "",
    default_country: str = "",
    dry_run: bool = False,
    leave_out_rejected: bool = False,
    carry_over: bool = True,
    is_demo: bool = False,
    max_bytes: int | None = None,
    workers: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> OcdsReport:
    """Import the OCDS file at ``path`` as the next version (a draft) of the procurement dataset.

    Never raises for bad input: the report says what was wrong, and nothing was kept unless
    ``report.dataset`` is set. ``default_country`` (ISO 3166-1 alpha-2) is the publisher's
    country, given to buyers whose address names none. ``workers``: processes that compile
    releases (default: the machine's cores, for files of more than ``POOL_FROM`` processes).
    """
    started = time.monotonic()
    path = Path(path)
    file_name = file_name or path.name
    report = OcdsReport(file_name=file_name, dry_run=dry_run, leave_out_rejected=leave_out_rejected)
    limit = settings.PROCUREMENT_OCDS_MAX_BYTES if max_bytes is None else max_bytes
    size = path.stat().st_size if path.is_file() else 0
    if size > limit:  # before anything is read: a sparse file of 5 GB is refused at once
        report.problems.append(
            _("The file is too large (%(size)s MB; at most %(limit)s MB). Nothing was imported.")
            % {"size": round(size / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024, 1)}
        )
        return report
    if default_country and default_country not in _iso_codes():
        report.problems.append(_("“%(code)s” is not an ISO 3166-1 country code.") % {"code": default_country})
        return report
    with tempfile.TemporaryDirectory(prefix="ocds-", dir=settings.PROCUREMENT_STAGING_DIR or None) as folder:
        staging = ocds.Staging(Path(folder))
        try:
            _stage(report, path, file_name, staging, progress)
            if not report.problems:
                _import_staged(
                    report, staging, observatory=observatory, actor=actor, title=title or DATASET_TITLE[0],
                    title_es=title_es or (DATASET_TITLE[1] if not title else ""), source=source, notes=notes,
                    default_country=default_country, carry_over=carry_over, is_demo=is_demo, workers=workers,
                    progress=progress,
                )  # fmt: skip
        finally:
            staging.close()
    report.seconds = round(time.monotonic() - started, 1)
    if report.run is not None and report.dataset is not None:
        ProcurementImport.objects.filter(pk=report.run.pk).update(seconds=report.seconds)
    return report


def _stage(report, path, file_name, staging, progress):
    package = ocds.Package()
    try:
        kind = ocds.detect_kind(path, file_name)
        for number, release, text in ocds.read_releases(path, kind, package):
            staging.add(number, release, text)
            if progress and number % 50_000 == 0:
                progress("read", number, 0)
        staging.flush()
    except ocds.FileProblem as problem:
        report.problems.append(problem_text(problem) + " " + _("Nothing was imported."))
    except OSError as error:
        report.problems.append(_("The file cannot be read: %(error)s.") % {"error": error.strerror or error})
    report.releases_read = staging.count
    report.file_kind = package.kind
    report.packages = package.metadata
    if not report.problems and not staging.count:
        report.problems.append(_("The file has no releases. Nothing was imported."))
    if progress:
        progress("read", staging.count, staging.count)


def _import_staged(report, staging, *, observatory, actor, title, title_es, source, notes, default_country,
                   carry_over, is_demo, workers, progress):  # fmt: skip
    try:
        with transaction.atomic():
            # Imports of the dataset run one at a time: the version they carry over from is decided under the lock.
            list(Dataset.objects.select_for_update().filter(key=DATASET_KEY).values_list("pk", flat=True))
            current = Dataset.objects.current().filter(key=DATASET_KEY).select_related("procurement_import").first()
            base = getattr(current, "procurement_import", None) if (carry_over and current) else None
            run = ProcurementImport.objects.create(
                file_name=report.file_name[:255], file_kind=report.file_kind, schema_version=ocds.SCHEMA_VERSION,
                packages=report.packages, releases_read=report.releases_read, base=base, imported_by=actor,
            )  # fmt: skip
            report.run = run
            _compile_and_store(report, staging, run, default_country=default_country, workers=workers,
                               progress=progress)  # fmt: skip
            if not report.processes and not report.problems:
                report.problems.append(_("No contracting process could be compiled from the file."))
            if not report.is_valid:
                raise _Rollback
            if base is not None:
                _carry_over(report, run, base)
                if report.carried_countries:  # their publishers and licences stay those of the pages
                    report.packages += [package for package in base.packages if package not in report.packages]
                    run.packages = report.packages
                    figures.apply_exchange_rates(run)  # the carried awards at today's rates too
            figures.analyse_store()
            for currency, year, count in figures.missing_rates(run):
                report.notices.append(
                    _("%(count)s awards in %(currency)s in %(year)s have no exchange rate to US dollars: they are "
                      "left out of the figures in dollars (add the rate in the admin and import again).")
                    % {"count": count, "currency": currency, "year": year}
                )  # fmt: skip
            members = set(Country.objects.filter(status=Country.Status.MEMBER).values_list("code", flat=True))
            values, coverage = figures.compute(run, members=members)
            FieldCoverage.objects.bulk_create(coverage, batch_size=2000)
            specs = [*SPECS.values(), *(currency_spec(code) for code in figures.currencies_in(run))]
            ensure_indicators(observatory, specs)
            framework = import_dataset(
                path="", rows=((number, value.as_row()) for number, value in enumerate(values, start=1)),
                rows_format=Dataset.Format.OCDS, observatory=observatory, key=DATASET_KEY, title=title,
                title_es=title_es, source=source or _sources_text(report.packages), notes=notes, actor=actor,
                is_demo=is_demo, file_name=report.file_name,
            )  # fmt: skip
            report.observations = framework.rows
            report.new, report.changed, report.removed = framework.new, framework.changed, framework.removed
            report.version, report.previous_version = framework.version, framework.previous_version
            if not framework.is_valid:
                report.problems.extend(error.message for error in framework.errors)
                raise _Rollback
            run.dataset = framework.dataset
            run.countries, run.carried_countries = report.countries, report.carried_countries
            run.processes, run.processes_carried, run.awards = report.processes, report.processes_carried, report.awards
            run.releases_rejected = report.rejected_count
            run.rejected = [vars(item) for item in report.rejected]
            run.missing, run.notices = report.missing, report.notices
            run.save()
            report.dataset = framework.dataset
            if report.dry_run:
                raise _Rollback
    except _Rollback:
        report.dataset = None
        report.run = None


def _iso_codes() -> set[str]:
    return {country.alpha2 for country in iso_countries}


def country_names() -> dict[str, str]:
    """Country names (English, ISO short forms, Spanish and other spellings publishers use) → alpha-2."""
    names = {}
    for country in iso_countries:
        for name in (country.name, country.apolitical_name, country.alpha2, country.alpha3):
            names[ocds.country_key(name)] = country.alpha2
    for country in Country.objects.all():  # the taxonomy's names in every language
        for language, _label in settings.LANGUAGES:
            name = getattr(country, f"name_{language}", None)
            if name:
                names[ocds.country_key(name)] = country.code
    names.update(COUNTRY_ALIASES)
    return names


def _sources_text(packages: list[dict]) -> str:
    publishers = sorted({package["publisher"] for package in packages if package.get("publisher")})
    return "; ".join(publishers)[:300]


# --- Compiling, and writing the store -------------------------------------------------------------


def _results(staging, *, names, default_country, workers):
    """The compiled processes, in ocid order: in this process, or in a pool for large files."""
    groups = staging.groups()
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or staging.ocid_count() < POOL_FROM:
        compiler = ocds.Compiler(country_names=names, default_country=default_country)
        for ocid, bodies in groups:
            yield compiler.compile(ocid, bodies)
        return
    # A worker that dies breaks the executor (BrokenProcessPool): the import fails and rolls back,
    # where a multiprocessing.Pool would start workers again and again and never return.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=ocds.start_worker,
                             initargs=(names, default_country)) as pool:  # fmt: skip
        pending = deque()
        chunk = []
        for group in groups:
            chunk.append(group)
            if len(chunk) >= CHUNK:
                pending.append(pool.submit(ocds.compile_chunk, chunk))
                chunk = []
                while len(pending) > 2 * workers:  # a few chunks in flight: memory stays bounded
                    yield from pending.popleft().result()
        if chunk:
            pending.append(pool.submit(ocds.compile_chunk, chunk))
        while pending:
            yield from pending.popleft().result()


def _compile_and_store(report, staging, run, *, default_country, workers, progress):
    names = country_names()
    rates = figures.rates()
    processes, awards = [], []
    countries = set()
    missing = defaultdict(lambda: {"processes": 0, "awards": 0, "fields": defaultdict(int)})
    ids = _IdBlock(Process)
    total = staging.count
    done = 0
    for result in _results(staging, names=names, default_country=default_country, workers=workers):
        for item in result["rejected"]:
            report.reject(item)
        done += len(result["rejected"])
        process = result["process"]
        if process is None:
            continue
        done += 1 + len(result["awards"])  # roughly a release per award, plus the tender
        report.processes += 1
        pk = ids.next()
        country = process["buyer_country"]
        countries.add(country)
        _count_missing(missing[country or "—"], process, result["awards"])
        processes.append(_process_row(pk, run.pk, process))
        for award in result["awards"]:
            awards.append(_award_row(run.pk, pk, award, rates))
        if len(processes) >= BATCH:
            _flush(processes, awards)
            processes, awards = [], []
            if progress:
                progress("compile", min(done, total), total)
        report.awards += len(result["awards"])
    _flush(processes, awards)
    if progress:
        progress("compile", total, total)
    report.countries = sorted(code for code in countries if code)
    report.missing = {
        country: {**counts, "fields": dict(counts["fields"])} for country, counts in sorted(missing.items())
    }
    if "" in countries:
        report.notices.append(
            _("%(count)s processes have no buyer country (neither in the data nor given as the publisher's "
              "country): they are stored but left out of the figures.") % {"count": missing["—"]["processes"]}
        )  # fmt: skip


def _count_missing(counts, process, awards):
    counts["processes"] += 1
    fields = counts["fields"]
    present = {
        "buyer_country": process["buyer_country_published"], "procurement_method": process["procurement_method"],
        "main_category": process["main_category"], "tender_period": process["tender_days"] is not None,
        "value": process["value_amount"] is not None, "tenderers": process["tenderers"] is not None,
    }  # fmt: skip
    for name, is_present in present.items():
        if not is_present:
            fields[name] += 1
    for award in awards:
        counts["awards"] += 1
        present = {
            "supplier_country": award["supplier_country"], "supplier_scale": award["supplier_scale"],
            "award_value": award["amount"] is not None, "award_date": award["date"],
        }  # fmt: skip
        for name, is_present in present.items():
            if not is_present:
                fields[name] += 1


def _moment(text):
    moment = ocds.parse_datetime(text)
    return connection.ops.adapt_datetimefield_value(moment) if moment else None


def _process_row(pk, run_id, process):
    return (
        pk, run_id, process["ocid"], process["buyer_id"], process["buyer_name"], process["buyer_country"],
        process["buyer_country_published"], process["procurement_method"], process["main_category"],
        _moment(process["tender_start"]), _moment(process["tender_end"]), process["tender_days"],
        process["value_amount"], process["value_currency"], process["tenderers"], process["year"],
    )  # fmt: skip


def _award_row(run_id, process_id, award, rates):
    amount, currency = award["amount"], award["currency"]
    rate = 1.0 if currency == "USD" else rates.get((currency, award["year"]))
    return (
        run_id, process_id, award["award_id"], award["supplier_id"], award["supplier_name"],
        award["supplier_country"], award["supplier_scale"], min(award["supplier_count"], 32767), amount,
        currency, None if amount is None or rate is None else amount / rate, award["date"], award["year"],
    )  # fmt: skip


def _flush(processes, awards):
    write_rows(Process, PROCESS_COLUMNS, processes)
    write_rows(Award, AWARD_COLUMNS, awards)


def write_rows(model, columns, rows) -> None:
    """Insert checked rows as they are: COPY on PostgreSQL, one executemany on SQLite (as observatory.imports)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)


class _IdBlock:
    """Primary keys handed out ahead, so that awards can name their process before it is written."""

    SIZE = 5000

    def __init__(self, model):
        self.table = model._meta.db_table
        self.free: deque[int] = deque()
        self.last = None

    def next(self) -> int:
        if not self.free:
            self._reserve()
        return self.free.popleft()

    def _reserve(self):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, self.SIZE],
                )
                self.free.extend(row[0] for row in cursor.fetchall())
            else:  # SQLite: one writer at a time, so the highest id is ours to follow
                if self.last is None:
                    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(self.table)}")
                    self.last = cursor.fetchone()[0]
                self.free.extend(range(self.last + 1, self.last + 1 + self.SIZE))
                self.last += self.SIZE


def _carry_over(report, run, base):
    """The base version's processes (and awards) of the countries the file does not cover."""
    process = connection.ops.quote_name(Process._meta.db_table)
    award = connection.ops.quote_name(Award._meta.db_table)
    covered = report.countries or ["--"]
    marks = ", ".join(["%s"] * len(covered))
    copied = [name for name in PROCESS_COLUMNS if name not in ("id", "run_id")]
    award_copied = [name for name in AWARD_COLUMNS if name not in ("run_id", "process_id")]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {process} (run_id, {', '.join(copied)}) "
            f"SELECT %s, {', '.join('op.' + name for name in copied)} FROM {process} op "
            f"WHERE op.run_id = %s AND op.buyer_country NOT IN ({marks}) "
            f"AND NOT EXISTS (SELECT 1 FROM {process} x WHERE x.run_id = %s AND x.ocid = op.ocid)",
            [run.pk, base.pk, *covered, run.pk],
        )
        report.processes_carried = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {award} (run_id, process_id, {', '.join(award_copied)}) "
            f"SELECT %s, np.id, {', '.join('a.' + name for name in award_copied)} FROM {award} a "
            f"JOIN {process} op ON op.id = a.process_id "
            f"JOIN {process} np ON np.run_id = %s AND np.ocid = op.ocid AND np.buyer_country = op.buyer_country "
            f"WHERE a.run_id = %s AND op.buyer_country NOT IN ({marks})",
            [run.pk, run.pk, base.pk, *covered],
        )
    report.carried_countries = sorted(
        set(Process.objects.filter(run=run).exclude(buyer_country__in=covered).values_list("buyer_country", flat=True))
        - {""}
    )
