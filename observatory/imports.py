"""Importing observations into a new dataset version: the template (CSV, XLSX), SDMX-ML, SDMX-CSV.

``import_dataset`` is the one service: the admin upload, the ``import_indicators`` command and
the demo seeder call it. The rules it enforces:

- **All or nothing.** The whole import runs in one transaction. Any row error, any problem
  with the file, and nothing is kept: the previously published version stays what the
  public sees. A dry run does the same work and always rolls back; its report says what the
  import would change (new, changed and removed observations against the version the public
  sees now) and lists the row errors.
- **Rows are checked**: the indicator must exist in the dataset's observatory; countries are
  ISO 3166-1 alpha-2 or alpha-3 codes (alpha-3 is stored as alpha-2); periods are years
  (``2024``), quarters (``2024-Q2``, ``2024Q2``) or months (``2024-05``, ``2024-M05``, ``2024M05``)
  of the indicator's frequency; values are finite numbers; breakdowns are codes (``_T`` the
  total); status flags are P (provisional), B (break in series), E (estimate) or empty; the
  same observation twice is an error.
- **Countries outside the bloc are valid data** (a comparison with the OECD average, an
  observer state): any ISO 3166-1 country is accepted and stored; the pages show the member
  countries by default and offer the others.
- **The unit may not change**: an indicator's ``unit_code`` is set by the first import that
  names a unit (the template's ``unit`` column, SDMX's ``UNIT_MEASURE``); a file with another
  unit for it is refused, since its values would not compare with the published ones.
- **Size**: files larger than ``OBSERVATORY_DATA_MAX_BYTES`` (SDMX:
  ``OBSERVATORY_SDMX_MAX_BYTES``, since sdmx1 reads a whole message into memory) are refused
  before they are read.

The template is streamed row by row and written in batches of 5,000 (``write_observations``),
so an import of a million observations runs in constant memory (docs/indicators.md has the format;
docs/performance.md the measured time). What the pages show at a glance (latest value per
country, the small trend) is computed here, once per version (IndicatorSummary).
"""

import csv
import io
import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zipfile import BadZipFile

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from iso3166 import countries_by_alpha2, countries_by_alpha3
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from observatory.models import Dataset, Indicator, IndicatorSummary, Observation, Observatory

BATCH = 5000
ERRORS_SHOWN = 200
EXAMPLES_SHOWN = 10
TREND_POINTS = {"Y": 10, "Q": 12, "M": 24}
TEMPLATE_COLUMNS = (
    "indicator", "country", "period", "value", "sex", "age", "education", "status", "footnote", "unit", "coverage",
)  # fmt: skip
REQUIRED_COLUMNS = ("indicator", "country", "period", "value")
BREAKDOWNS = ("sex", "age", "education")

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.+<>-]{0,19}$")
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-?M?(0[1-9]|1[0-2])$")
_TOTALS = {"", "_T", "T", "TOTAL", "_Z", "ALL"}
_FLAGS = {"": "", "A": "", "P": "P", "B": "B", "E": "E", "PROVISIONAL": "P", "BREAK": "B", "ESTIMATE": "E"}
_SEXES = {"F": "F", "M": "M", "FEMALE": "F", "MALE": "M", "WOMEN": "F", "MEN": "M"}

# SDMX component ids → the template's columns (ILO, OECD and Eurostat spellings).
_SDMX_COLUMNS = {
    "REF_AREA": "country", "COUNTRY": "country", "GEO": "country", "LOCATION": "country",
    "TIME_PERIOD": "period", "TIME": "period",
    "INDICATOR": "indicator", "MEASURE": "indicator", "SERIES": "indicator",
    "SEX": "sex", "AGE": "age",
    "EDUCATION": "education", "EDUCATION_LEV": "education", "EDU_LEVEL": "education", "ISCED11": "education",
    "OBS_VALUE": "value", "OBS_STATUS": "status", "UNIT_MEASURE": "unit", "UNIT": "unit",
    "COMMENT_OBS": "footnote", "OBS_NOTE": "footnote", "NOTE_OBS": "footnote",
}  # fmt: skip
_SDMX_ATTRIBUTES = {"OBS_STATUS", "UNIT_MEASURE", "UNIT_MULT", "DECIMALS", "OBS_CONF", "COMMENT_OBS", "OBS_NOTE",
                    "NOTE_OBS", "BASE_PER", "TIME_FORMAT", "SOURCE", "NOTE_SOURCE", "NOTE_INDICATOR",
                    "NOTE_CLASSIF", "UNIT"}  # fmt: skip
_SDMX_SKIPPED = {"STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION", "DATAFLOW", "FREQ"}


class FileProblem(Exception):
    """The file as a whole cannot be read; ``str(error)`` says why, for the person importing it."""


@dataclass
class RowError:
    row: int  # the line of a CSV file (the header is line 1), the row of a sheet, or the SDMX observation
    message: str


@dataclass
class ImportReport:
    """What an import did (or a dry run would do). Nothing was kept unless ``dataset`` is set."""

    file_name: str
    file_format: str = ""
    dry_run: bool = False
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    examples: dict[str, list[dict]] = field(default_factory=dict)
    indicators: list[str] = field(default_factory=list)
    previous_version: int | None = None
    version: int | None = None
    dataset: Dataset | None = None

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0

    @property
    def row_word(self) -> str:
        return _("observation") if self.file_format in (Dataset.Format.SDMX_ML, Dataset.Format.SDMX_CSV) else _("row")

    def add_error(self, row: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < ERRORS_SHOWN:
            self.errors.append(RowError(row, message))


class _Rollback(Exception):
    pass


# --- The service ------------------------------------------------------------------------------


def import_dataset(
    *,
    path: str | Path,
    observatory: Observatory,
    key: str,
    title: str,
    actor=None,
    file_name: str = "",
    title_es: str = "",
    source: str = "",
    notes: str = "",
    dry_run: bool = False,
    is_demo: bool = False,
    default_indicator: str = "",
    progress: Callable[[int], None] | None = None,
    rows: Iterator[tuple[int, dict]] | None = None,
    rows_format: str = Dataset.Format.GENERATED,
) -> ImportReport:
    """Import the file at ``path`` as the next version of dataset ``key`` (a draft), all or nothing.

    Returns the report; ``report.dataset`` is the new version when it was kept. Never raises
    for bad input: every problem is in ``report.errors``. ``rows`` replaces the file with rows
    already in the template's shape (the demo generator, the OCDS import: ``rows_format`` says which).
    ``default_indicator`` names the
    indicator of an SDMX file that has no INDICATOR dimension.
    """
    file_name = file_name or Path(path).name
    report = ImportReport(file_name=file_name, dry_run=dry_run)
    try:
        if rows is None:
            report.file_format = detect_format(path, file_name)
            _check_size(path, report.file_format)
            rows = read_rows(path, report.file_format, default_indicator=default_indicator)
        else:
            report.file_format = rows_format
    except FileProblem as problem:
        report.add_error(0, str(problem))
        return report
    try:
        with transaction.atomic():
            _import(report, rows, observatory=observatory, key=key, title=title, title_es=title_es,
                    source=source, notes=notes, actor=actor, is_demo=is_demo, progress=progress)  # fmt: skip
            if dry_run or not report.is_valid:
                raise _Rollback
    except _Rollback:
        report.dataset = None
    except IntegrityError:
        # Another import of the same dataset took this version number first.
        report.dataset = None
        report.add_error(0, _("Another import of this dataset ran at the same time; nothing was imported. Try again."))
    return report


def _import(report, rows, *, observatory, key, title, title_es, source, notes, actor, is_demo, progress):
    existing = list(Dataset.objects.select_for_update().filter(key=key).values_list("version", "observatory_id"))
    if any(observatory_id != observatory.pk for _version, observatory_id in existing):
        report.add_error(0, _("The dataset “%(key)s” belongs to another observatory.") % {"key": key})
        return
    previous = Dataset.objects.current().filter(key=key).first()
    report.previous_version = previous.version if previous else None
    report.version = max((version for version, _obs in existing), default=0) + 1
    dataset = Dataset.objects.create(
        observatory=observatory, key=key, version=report.version, title_en=title, title_es=title_es or None,
        notes_en=notes, source=source, file_name=report.file_name[:255], file_format=report.file_format,
        is_demo=is_demo, imported_by=actor, author=actor,
    )  # fmt: skip
    indicators = {indicator.code: indicator for indicator in Indicator.objects.filter(observatory=observatory)}
    checker = RowChecker(indicators, report, dataset_id=dataset.pk)
    batch: list[tuple] = []
    try:
        for number, raw in rows:
            report.rows += 1
            values = checker.check(number, raw)
            if values is None or report.error_count:
                continue  # after the first error nothing more is written, but every row is still checked
            batch.append(values)
            if len(batch) >= BATCH:
                write_observations(batch)
                batch = []
                if progress:
                    progress(report.rows)
    except FileProblem as problem:
        report.add_error(0, str(problem))
    if report.rows == 0 and report.is_valid:
        report.add_error(0, _("The file has no observations."))
    if not report.is_valid:
        return
    if batch:
        write_observations(batch)
    if progress:
        progress(report.rows)
    for indicator, unit in checker.units.items():
        if unit and not indicator.unit_code:
            Indicator.objects.filter(pk=indicator.pk).update(unit_code=unit)
    dataset.observation_count = report.rows
    dataset.save(update_fields=["observation_count", "updated_at"])
    report.indicators = sorted(indicator.code for indicator in checker.units)
    summarise(dataset)
    compare(report, dataset, previous)
    report.dataset = dataset


def _check_size(path, file_format):
    limit = settings.OBSERVATORY_DATA_MAX_BYTES
    if file_format in (Dataset.Format.SDMX_ML, Dataset.Format.SDMX_CSV):
        limit = min(limit, settings.OBSERVATORY_SDMX_MAX_BYTES)
    size = os.path.getsize(path)
    if size > limit:
        raise FileProblem(
            _("The file is too large (%(size)s MB; at most %(limit)s MB for this format). Nothing was imported.")
            % {"size": round(size / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024, 1)}
        )


# --- Checking and writing rows --------------------------------------------------------------------

OBSERVATION_COLUMNS = (
    "dataset_id", "indicator_id", "country", "period_type", "period_start", "sex", "age", "education", "value",
    "flag", "footnote", "coverage",
)  # fmt: skip


def write_observations(rows: list[tuple]) -> None:
    """Insert a batch of checked rows: COPY on PostgreSQL, one executemany on SQLite.

    Not bulk_create: building 5,000 model instances and compiling their INSERT took most of
    an import's time (measured on a million rows, docs/performance.md); the rows are already
    checked and typed, so they go to the database as they are.
    """
    table = connection.ops.quote_name(Observation._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in OBSERVATION_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(OBSERVATION_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def parse_period(text: str) -> tuple[str, date] | None:
    """``("Y" | "Q" | "M", first day)`` of a period such as 2024, 2024-Q2 or 2024-05; None if it is none."""
    text = text.strip().upper()
    if match := _YEAR.match(text):
        year, kind, month = int(match[1]), "Y", 1
    elif match := _QUARTER.match(text):
        year, kind, month = int(match[1]), "Q", 3 * int(match[2]) - 2
    elif match := _MONTH.match(text):
        year, kind, month = int(match[1]), "M", int(match[2])
    else:
        return None
    if not 1900 <= year <= 2100:
        return None
    return kind, date(year, month, 1)


def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of an alpha-2 or alpha-3 code, None if it is neither."""
    code = text.strip().upper()
    if len(code) == 2 and code in countries_by_alpha2:
        return code
    if len(code) == 3 and code in countries_by_alpha3:
        return countries_by_alpha3[code].alpha2
    return None


def breakdown_code(text: str, dimension: str) -> str | None:
    """A breakdown's code with ILO's prefixes taken off (SEX_F → F); ``_T`` for the total."""
    code = text.strip().upper()
    for prefix in ("SEX_", "AGE_", "EDU_"):
        if code.startswith(prefix):
            code = code[len(prefix) :]
    if code in _TOTALS or code.endswith("_TOTAL"):
        return Observation.TOTAL
    if dimension == "sex":
        return _SEXES.get(code)
    return code if _CODE.match(code) else None


class RowChecker:
    """Checks one row at a time and turns it into an Observation's values; errors go to the report."""

    def __init__(self, indicators: dict[str, Indicator], report: ImportReport, *, dataset_id: int = 0):
        self.indicators = indicators
        self.report = report
        self.dataset_id = dataset_id
        self.units: dict[Indicator, str] = {}
        self.unit_rows: dict[Indicator, int] = {}
        self.seen: dict[int, int] = {}  # hash of an observation's key → its row (hashes keep memory small)
        self._periods: dict[str, tuple[str, date] | None] = {}
        self._countries: dict[str, str | None] = {}
        self._codes: dict[tuple[str, str], str | None] = {}
        self._refused_units: set[Indicator] = set()

    def check(self, number: int, raw: dict) -> tuple | None:
        """The row's values in the order of ``OBSERVATION_COLUMNS``, or None (its errors are in the report)."""
        errors = []
        code = (raw.get("indicator") or "").strip()
        indicator = self.indicators.get(code)
        if indicator is None:
            errors.append(
                _("unknown indicator “%(code)s” (add it to the observatory's indicators first)") % {"code": code}
                if code
                else _("the indicator is missing")
            )
        text = raw.get("country") or ""
        if text not in self._countries:
            self._countries[text] = country_code(text)
        country = self._countries[text]
        if country is None:
            errors.append(_("“%(code)s” is not an ISO 3166-1 country code") % {"code": text.strip()})
        text = str(raw.get("period") or "")
        if text not in self._periods:
            parsed = parse_period(text)
            self._periods[text] = (*parsed, parsed[1].isoformat()) if parsed else None
        period = self._periods[text]
        if period is None:
            errors.append(_("“%(period)s” is not a year, quarter (2024-Q2) or month (2024-05)") % {"period": text})
        elif indicator is not None and period[0] != indicator.frequency:
            errors.append(
                _("“%(period)s” is not a period of this indicator, which is %(frequency)s")
                % {"period": text, "frequency": indicator.get_frequency_display().lower()}
            )
        value = _number(raw.get("value"))
        if value is None:
            errors.append(_("the value “%(value)s” is not a number") % {"value": raw.get("value") or ""})
        breakdowns = {}
        for dimension in BREAKDOWNS:
            text = raw.get(dimension) or ""
            cache_key = (dimension, text)
            if cache_key not in self._codes:
                self._codes[cache_key] = breakdown_code(text, dimension)
            breakdowns[dimension] = self._codes[cache_key]
            if breakdowns[dimension] is None:
                errors.append(
                    _("“%(code)s” is not a valid code in the column %(dimension)s")
                    % {"code": text, "dimension": dimension}
                )
        flag = _FLAGS.get((raw.get("status") or "").strip().upper())
        if flag is None:
            errors.append(
                _("the status “%(flag)s” is not P (provisional), B (break in series) or E (estimate)")
                % {"flag": raw.get("status")}
            )
        footnote = (raw.get("footnote") or "").strip()
        if len(footnote) > 500:
            errors.append(_("the footnote is longer than 500 characters"))
        coverage = raw.get("coverage")
        if coverage is not None and coverage != "":
            coverage = _number(coverage)
            if coverage is None or not 0 <= coverage <= 100:
                errors.append(_("the coverage “%(value)s” is not a share from 0 to 100") % {"value": raw["coverage"]})
        else:
            coverage = None
        if indicator is not None:
            self._check_unit(number, indicator, (raw.get("unit") or "").strip())
        if errors:
            self.report.add_error(number, "; ".join(errors) + ".")
            return None
        key = (
            indicator.pk,
            country,
            period[0],
            period[1],
            breakdowns["sex"],
            breakdowns["age"],
            breakdowns["education"],
        )
        seen_at = self.seen.setdefault(hash(key), number)
        if seen_at != number:
            self.report.add_error(number, _("the same observation as row %(row)s.") % {"row": seen_at})
            return None
        return (
            self.dataset_id, indicator.pk, country, period[0], period[2], breakdowns["sex"], breakdowns["age"],
            breakdowns["education"], value, flag, footnote, coverage,
        )  # fmt: skip

    def _check_unit(self, number, indicator, unit):
        if indicator not in self.units:
            self.units[indicator], self.unit_rows[indicator] = unit, number
            if unit and indicator.unit_code and unit != indicator.unit_code:
                self._refused_units.add(indicator)
                self.report.add_error(
                    number,
                    _("the unit of “%(code)s” was %(old)s and this file gives %(new)s: a unit cannot change between "
                      "versions (create a new indicator for the new unit).")
                    % {"code": indicator.code, "old": indicator.unit_code, "new": unit},
                )  # fmt: skip
        elif unit and unit != self.units[indicator] and indicator not in self._refused_units:
            if not self.units[indicator]:
                self.units[indicator] = unit
                return
            self._refused_units.add(indicator)
            self.report.add_error(
                number,
                _("the unit of “%(code)s” is %(new)s here and %(old)s in row %(row)s: one unit per indicator.")
                % {"code": indicator.code, "new": unit, "old": self.units[indicator], "row": self.unit_rows[indicator]},
            )


def _number(raw) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        number = float(raw)
    else:
        text = str(raw or "").strip().replace("\u00a0", "").replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # a decimal comma, as Spanish spreadsheets write it
        try:
            number = float(text)
        except ValueError:
            return None
    return number if math.isfinite(number) else None


# --- Reading files ------------------------------------------------------------------------------


def detect_format(path, file_name: str) -> str:
    """The file's format from its extension, confirmed by its first bytes."""
    suffix = Path(file_name).suffix.lower()
    with open(path, "rb") as handle:
        head = handle.read(2048)
    if suffix == ".xlsx":
        if not head.startswith(b"PK\x03\x04"):
            raise FileProblem(_("The file is named .xlsx but is not an Excel workbook."))
        return Dataset.Format.XLSX
    if suffix == ".xml":
        if b"<" not in head[:200]:
            raise FileProblem(_("The file is named .xml but is not XML."))
        return Dataset.Format.SDMX_ML
    if suffix == ".csv":
        first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip().upper()
        if first.startswith((b"STRUCTURE", b"DATAFLOW", b'"STRUCTURE', b'"DATAFLOW')):
            return Dataset.Format.SDMX_CSV
        return Dataset.Format.CSV
    raise FileProblem(_("Send a .csv or .xlsx file (the template), or SDMX-ML (.xml) or SDMX-CSV (.csv)."))


def read_rows(path, file_format: str, *, default_indicator: str = "") -> Iterator[tuple[int, dict]]:
    match file_format:
        case Dataset.Format.CSV:
            return _template_csv(path)
        case Dataset.Format.XLSX:
            return _template_xlsx(path)
        case Dataset.Format.SDMX_CSV:
            return _sdmx_rows(_read_sdmx_csv(path), default_indicator)
        case Dataset.Format.SDMX_ML:
            return _sdmx_rows(_read_sdmx_ml(path), default_indicator)
    raise FileProblem(_("Unknown format."))


def _columns(header: list, *, where: str) -> dict[str, int]:
    names = [str(cell or "").strip().lower() for cell in header]
    columns = {name: index for index, name in enumerate(names) if name in TEMPLATE_COLUMNS}
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise FileProblem(
            _("The %(where)s has no column %(missing)s. The template's columns are: %(columns)s.")
            % {"where": where, "missing": ", ".join(missing), "columns": ", ".join(TEMPLATE_COLUMNS)}
        )
    return columns


def _template_csv(path) -> Iterator[tuple[int, dict]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            first_line = handle.readline()
            handle.seek(0)
            delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
            reader = csv.reader(handle, delimiter=delimiter)
            header = next(reader, None)
            if not header:
                raise FileProblem(_("The file is empty."))
            columns = list(_columns(header, where=_("first line")).items())
            for row in reader:
                if not row or not any(row):
                    continue
                yield reader.line_num, {name: row[index] if index < len(row) else "" for name, index in columns}
    except UnicodeDecodeError:
        raise FileProblem(_("The file is not UTF-8 text: save it as “CSV UTF-8”.")) from None
    except csv.Error as error:
        raise FileProblem(_("The CSV file is malformed: %(error)s.") % {"error": error}) from None


def _template_xlsx(path) -> Iterator[tuple[int, dict]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise FileProblem(_("The workbook cannot be read: save it again as .xlsx.")) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise FileProblem(_("The first sheet is empty."))
        columns = list(_columns(list(header), where=_("first row of the first sheet")).items())
        for number, row in enumerate(rows, start=2):
            if not row or all(cell is None or cell == "" for cell in row):
                continue
            values = {}
            for name, index in columns:
                cell = row[index] if index < len(row) else None
                if name == "period":
                    if hasattr(cell, "year") and hasattr(cell, "month"):
                        cell = f"{cell.year}-{cell.month:02d}"
                    elif isinstance(cell, float) and cell.is_integer():
                        cell = int(cell)
                values[name] = cell if name == "value" else ("" if cell is None else str(cell))
            yield number, values
    finally:
        workbook.close()


def _read_sdmx_ml(path):
    import sdmx  # sdmx1 pulls in pandas (half a second): imported when an SDMX file is read, not at start-up

    try:
        message = sdmx.read_sdmx(Path(path))
    except Exception as error:  # a third-party parser on untrusted input: any failure is the file's
        raise FileProblem(_("The SDMX-ML file cannot be read: %(error)s") % {"error": _short(error)}) from None
    if not getattr(message, "data", None):
        raise FileProblem(_("The SDMX-ML file has no data set (is it a structure message?)."))
    return message


def _read_sdmx_csv(path):
    """SDMX-CSV 2.0 as sdmx1 reads it; 1.0 (a first column DATAFLOW) is turned into 2.0 first.

    sdmx1 needs the data structure to read SDMX-CSV; the header gives it: OBS_VALUE is the
    measure, the known attributes are attributes and every other column is a dimension.
    """
    import sdmx  # as above: only when an SDMX file is read
    from sdmx.model import v21

    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(_("The file is not UTF-8 text.")) from None
    lines = text.splitlines()
    header = next(csv.reader(lines[:1]), [])
    if header and header[0].strip().upper() == "DATAFLOW":
        lines = ["STRUCTURE,STRUCTURE_ID,ACTION," + ",".join(header[1:])] + [
            f"dataflow,{line.split(',', 1)[0]},I,{line.split(',', 1)[1] if ',' in line else ''}"
            for line in lines[1:]
            if line.strip()
        ]
        header = next(csv.reader(lines[:1]))
    if "OBS_VALUE" not in [name.strip().upper() for name in header]:
        raise FileProblem(_("The SDMX-CSV file has no OBS_VALUE column."))
    structure = v21.DataStructureDefinition(id="IMPORT")
    for name in header:
        name = name.strip()
        if name.upper() in {"STRUCTURE", "STRUCTURE_ID", "ACTION", "STRUCTURE_NAME"}:
            continue
        if name == "OBS_VALUE":
            structure.measures.getdefault(name)
        elif name.upper() in _SDMX_ATTRIBUTES or name.upper().startswith(("NOTE_", "COMMENT")):
            structure.attributes.getdefault(name)
        else:
            structure.dimensions.getdefault(name)
    try:
        return sdmx.read_sdmx(io.BytesIO("\n".join(lines).encode()), format="csv", structure=structure)
    except Exception as error:  # a third-party parser on untrusted input: any failure is the file's
        raise FileProblem(_("The SDMX-CSV file cannot be read: %(error)s") % {"error": _short(error)}) from None


def _short(error) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) <= 300 else text[:300] + "…"


def _sdmx_rows(message, default_indicator: str) -> Iterator[tuple[int, dict]]:
    """Each SDMX observation as a row of the template: its key, series and observation attributes."""
    flow = getattr(getattr(message, "dataflow", None), "id", None) or ""
    number = 0
    for data_set in message.data:
        data_set_attributes = {
            name: str(value.value) for name, value in (getattr(data_set, "attrib", None) or {}).items()
        }
        for observation in data_set.obs:
            number += 1
            components = dict(data_set_attributes)
            series_key = observation.series_key
            if series_key is not None:
                components.update(
                    {name: str(value.value) for name, value in (getattr(series_key, "attrib", None) or {}).items()}
                )
            components.update({name: str(value.value) for name, value in observation.key.values.items()})
            components.update({name: str(value.value) for name, value in observation.attached_attribute.items()})
            components["OBS_VALUE"] = observation.value
            yield number, _sdmx_row(components, default_indicator or flow)


def _sdmx_row(components: dict, default_indicator: str) -> dict:
    row = {"indicator": default_indicator}
    for name, value in components.items():
        upper = name.upper()
        column = _SDMX_COLUMNS.get(upper)
        if column is None and upper.startswith("CLASSIF"):
            text = str(value).upper()
            column = "age" if text.startswith("AGE_") else "education" if text.startswith("EDU_") else None
        if column is None and upper.startswith(("NOTE_", "COMMENT")):
            column = "footnote"
        if column == "footnote" and row.get("footnote"):
            row["footnote"] = f"{row['footnote']} {value}"
        elif column is not None:
            row[column] = "" if value is None else value
    return row


# --- What the pages show at a glance, and what changed -------------------------------------------


def summarise(dataset: Dataset) -> None:
    """IndicatorSummary rows of a version: breakdowns, headline, latest value and trend per country."""
    observations = Observation.objects.filter(dataset=dataset)
    stats = (
        observations.order_by()
        .values("indicator")
        .annotate(total=Count("*"), first=Min("period_start"), last=Max("period_start"), kind=Max("period_type"))
    )
    summaries = []
    for row in stats:
        of_indicator = observations.filter(indicator_id=row["indicator"])
        breakdowns = {
            name: sorted(of_indicator.order_by().values_list(name, flat=True).distinct(), key=_total_first)
            for name in BREAKDOWNS
        }
        headline = {name: values[0] for name, values in breakdowns.items()}
        countries = sorted(of_indicator.order_by().values_list("country", flat=True).distinct())
        points = TREND_POINTS.get(row["kind"], 10)
        headline_rows = of_indicator.filter(**headline)
        periods = sorted(headline_rows.order_by().values_list("period_start", flat=True).distinct())[-points:]
        latest, trend = {}, {}
        at = {period: index for index, period in enumerate(periods)}
        for country, period, value, flag, coverage in headline_rows.order_by("country", "period_start").values_list(
            "country", "period_start", "value", "flag", "coverage"
        ):
            latest[country] = {"period": period.isoformat(), "value": value, "flag": flag}
            if coverage is not None:
                latest[country]["coverage"] = coverage
            if period in at:
                trend.setdefault(country, [None] * len(periods))[at[period]] = value
        summaries.append(
            IndicatorSummary(
                dataset=dataset, indicator_id=row["indicator"], observation_count=row["total"],
                period_type=row["kind"], first_period=row["first"], last_period=row["last"], countries=countries,
                breakdowns=breakdowns, headline=headline, latest=latest, trend=trend,
                trend_periods=[period.isoformat() for period in periods],
            )
        )  # fmt: skip
    IndicatorSummary.objects.bulk_create(summaries)


def _total_first(code: str):
    return (code != Observation.TOTAL, code)


_KEY = ("indicator_id", "country", "period_type", "period_start", "sex", "age", "education")
_ORDER = ("indicator_id", "sex", "age", "education", "country", "period_type", "period_start")  # the unique index


def compare(report: ImportReport, dataset: Dataset, previous: Dataset | None) -> None:
    """New, changed and removed observations of ``dataset`` against ``previous`` (what the public sees).

    Two joins of the versions on the observation's key, in SQL: the ORM's EXISTS subqueries were
    planned as a nested loop with a probe per row, minutes for a million observations.
    """
    if previous is None:
        report.new = report.rows
        report.examples = {"new": _examples([pk for (pk,) in _rows_of(dataset.pk)])}
        return
    table = connection.ops.quote_name(Observation._meta.db_table)
    on = " AND ".join(f"o.{name} = n.{name}" for name in _KEY)
    differs = "(o.value <> n.value OR o.flag <> n.flag OR o.footnote <> n.footnote)"
    order = ", ".join(f"{{side}}.{name}" for name in _ORDER)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(SUM(CASE WHEN o.id IS NULL THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN o.id IS NOT NULL AND {differs} THEN 1 ELSE 0 END), 0) "
            f"FROM {table} n LEFT JOIN {table} o ON o.dataset_id = %s AND {on} WHERE n.dataset_id = %s",
            [previous.pk, dataset.pk],
        )
        report.new, report.changed = cursor.fetchone()
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} o LEFT JOIN {table} n ON n.dataset_id = %s AND {on} "
            f"WHERE o.dataset_id = %s AND n.id IS NULL",
            [dataset.pk, previous.pk],
        )
        (report.removed,) = cursor.fetchone()
        examples = {}
        for kind, side, where in (
            ("new", "n", "o.id IS NULL"),
            ("changed", "n", f"o.id IS NOT NULL AND {differs}"),
            ("removed", "o", "n.id IS NULL"),
        ):
            if not getattr(report, kind):
                examples[kind] = []
                continue
            outer, inner = (dataset.pk, previous.pk) if side == "n" else (previous.pk, dataset.pk)
            other = "o" if side == "n" else "n"
            cursor.execute(
                f"SELECT {side}.id, {other}.value, {other}.flag FROM {table} {side} LEFT JOIN {table} {other} "
                f"ON {other}.dataset_id = %s AND {on} WHERE {side}.dataset_id = %s AND {where} "
                f"ORDER BY {order.format(side=side)} LIMIT {EXAMPLES_SHOWN}",
                [inner, outer],
            )
            found = cursor.fetchall()
            before = {pk: {"value": value, "flag": flag} for pk, value, flag in found} if kind == "changed" else {}
            examples[kind] = _examples([pk for pk, _value, _flag in found], before)
    report.unchanged = report.rows - report.new - report.changed
    report.examples = examples


def _rows_of(dataset_id):
    return Observation.objects.filter(dataset_id=dataset_id).order_by(*_ORDER).values_list("pk")[:EXAMPLES_SHOWN]


def _examples(ids: list[int], before: dict | None = None) -> list[dict]:
    rows = {
        row["pk"]: row
        for row in Observation.objects.filter(pk__in=ids).values(
            "pk",
            "indicator__code",
            "country",
            "period_type",
            "period_start",
            "sex",
            "age",
            "education",
            "value",
            "flag",
        )
    }
    examples = [rows[pk] for pk in ids if pk in rows]
    for row in examples:
        if before is not None and row["pk"] in before:
            row["before"] = before[row["pk"]]
    return examples


def prune_stale_uploads(folder: Path, older_than_seconds: int = 86400) -> None:
    """Uploads kept between a dry run and its confirmation are removed after a day."""
    if not folder.exists():
        return
    now = timezone.now().timestamp()
    for path in folder.iterdir():
        try:
            if path.is_file() and now - path.stat().st_mtime > older_than_seconds:
                path.unlink()
        except OSError:
            pass
