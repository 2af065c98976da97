"""Reading OCDS files, staging their releases on disk and compiling them per contracting process.

Nothing here touches the portal's database or translations, so that the compiling can run in
worker processes (``procurement.imports`` drives it). The steps:

1. ``read_releases`` streams a release package, a record package or JSON Lines (each line a
   release, a record or a package) with bounded memory: ijson for packages, line by line for
   JSON Lines. A problem with the file as a whole raises ``FileProblem`` (its ``code`` and
   ``params`` are translated by the caller).
2. ``Staging`` writes each release to a temporary SQLite file and gives them back grouped by
   ``ocid`` in file order, so a file of gigabytes is never held in memory.
3. ``compile_process`` checks each release against the OCDS 1.1 release schema shipped in
   ``procurement/schema/`` (jsonschema-rs), refuses duplicate release ids and periods that end
   before they start, merges the rest with ``ocdsmerge`` (the standard's merge rules, from the
   same schema: nothing is downloaded) and turns the compiled release into the store's rows
   (``normalise``).
"""

import json
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import ijson
import jsonschema_rs
import ocdsmerge

SCHEMA_PATH = Path(__file__).parent / "schema" / "release-schema-1__1__5.json"
SCHEMA_VERSION = "1.1.5"
PROBLEMS_PER_RELEASE = 3
PERIODS = (
    ("tender", "tenderPeriod"),
    ("tender", "awardPeriod"),
    ("tender", "contractPeriod"),
)  # fmt: skip
#: Awards that did not happen are left out of every figure.
IGNORED_AWARD_STATUSES = {"cancelled", "unsuccessful"}
#: The OCDS partyScale codes that mean a small or medium-sized enterprise.
SME_SCALES = {"micro", "sme", "selfEmployed"}
PROCESS_FIELDS = ("buyer_country", "procurement_method", "main_category", "tender_period", "value", "tenderers")
AWARD_FIELDS = ("supplier_country", "supplier_scale", "award_value", "award_date")


class FileProblem(Exception):
    """The file as a whole cannot be read. ``code`` names the problem, ``params`` its details."""

    def __init__(self, code: str, **params):
        super().__init__(code, params)
        self.code, self.params = code, params


# --- Reading -----------------------------------------------------------------------------------


@dataclass
class Package:
    """What a file says about itself: its kind and the metadata of its packages (publisher, licence)."""

    kind: str = ""  # "release-package", "record-package" or "json-lines"
    metadata: list[dict] = field(default_factory=list)

    def note(self, data: dict) -> None:
        publisher = data.get("publisher") if isinstance(data.get("publisher"), dict) else {}
        entry = {
            "publisher": str(publisher.get("name") or "")[:300],
            "license": str(data.get("license") or "")[:500],
            "uri": str(data.get("uri") or "")[:500],
            "published": str(data.get("publishedDate") or "")[:40],
            "version": str(data.get("version") or "1.0")[:10],
        }
        is_new = entry not in self.metadata and len(self.metadata) < 50
        if is_new and any(entry[name] for name in ("publisher", "license", "uri")):
            self.metadata.append(entry)


def detect_kind(path: Path, file_name: str) -> str:
    """``json-lines`` or ``package``, from the extension and the first line."""
    suffix = Path(file_name).suffix.lower()
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not text:
        raise FileProblem("empty")
    if not text.startswith((b"{", b"[")):
        raise FileProblem("not_json")
    if suffix in (".jsonl", ".ndjson", ".jl"):
        return "json-lines"
    first, _newline, rest = text.partition(b"\n")
    if rest.lstrip().startswith(b"{"):
        try:
            json.loads(first)
        except ValueError:
            return "package"
        return "json-lines"
    return "package"


def read_releases(path: Path, kind: str, package: Package):
    """Yield ``(number, release, text)``: each release of the file, numbered in file order, and its JSON
    text when the file has it as it is (a line of JSON Lines), else None.

    A record yields its embedded releases, or its compiled release when it only links to them.
    """
    path = Path(path)
    if kind == "json-lines":
        package.kind = "json-lines"
        yield from _json_lines(path, package)
    else:
        yield from _package(path, package)


TRAILING_METADATA_MAX_BYTES = 50 * 1024 * 1024


def _package(path, package):
    array = _package_kind(path, package)
    number = 0
    with open(path, "rb") as handle:
        try:
            for item in ijson.items(handle, f"{array}.item", use_float=True):
                if array == "releases":
                    number += 1
                    yield number, item, None
                else:
                    for release in _record_releases(item):
                        number += 1
                        yield number, release, None
        except ijson.JSONError as error:
            raise FileProblem("invalid_json", error=_short(error), number=number) from None
    if not package.metadata and path.stat().st_size <= TRAILING_METADATA_MAX_BYTES:
        _package_kind(path, package, after_array=True)  # the metadata may follow the releases


def _package_kind(path, package, *, after_array: bool = False) -> str:
    """Reads the package's metadata and says whether it holds releases or records.

    Only what comes before the array is read (a single pass over the file's head), unless
    ``after_array``: then the whole file is read for metadata written after it (small files).
    """
    metadata: dict = {}
    builder = None
    array = ""
    with open(path, "rb") as handle:
        try:
            for prefix, event, value in ijson.parse(handle, use_float=True):
                if prefix in ("releases", "records") and event == "start_array":
                    array = prefix
                    if after_array:
                        continue
                    package.kind = "release-package" if prefix == "releases" else "record-package"
                    package.note(metadata)
                    return prefix
                if prefix == "" and event == "start_array":
                    raise FileProblem("not_a_package")
                top = prefix.split(".", 1)[0]
                if top in ("publisher", "license", "uri", "publishedDate", "version"):
                    if prefix == top and event in ("string", "number"):
                        metadata[top] = value
                    elif top == "publisher":
                        if prefix == "publisher" and event == "start_map":
                            builder = {}
                        elif builder is not None and event in ("string", "number"):
                            builder[prefix.split(".")[-1]] = value
                        elif prefix == "publisher" and event == "end_map":
                            metadata["publisher"], builder = builder, None
        except ijson.JSONError as error:
            raise FileProblem("invalid_json", error=_short(error), number=0) from None
    if after_array and array:
        package.note(metadata)
        return array
    raise FileProblem("not_a_package")


def _record_releases(record):
    if not isinstance(record, dict):
        yield record
        return
    # Linked releases are only a url, a date and a tag; embedded ones are whole releases.
    embedded = [item for item in record.get("releases") or [] if isinstance(item, dict) and "id" in item]
    if embedded:
        yield from embedded
    elif isinstance(record.get("compiledRelease"), dict):
        yield record["compiledRelease"]
    else:
        yield {"ocid": record.get("ocid"), "_linked_only": True}


def _json_lines(path, package):
    number = 0
    with open(path, "rb") as handle:
        for line_number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line:
                continue
            if line_number == 1:
                line = line.lstrip(b"\xef\xbb\xbf")
            try:
                data = json.loads(line)
            except ValueError as error:
                raise FileProblem("invalid_json_line", line=line_number, error=_short(error)) from None
            if isinstance(data, dict) and isinstance(data.get("releases"), list) and "ocid" not in data:
                package.note(data)
                for release in data["releases"]:
                    number += 1
                    yield number, release, None
            elif isinstance(data, dict) and isinstance(data.get("records"), list):
                package.note(data)
                for record in data["records"]:
                    for release in _record_releases(record):
                        number += 1
                        yield number, release, None
            elif isinstance(data, dict) and ("compiledRelease" in data or isinstance(data.get("releases"), list)):
                for release in _record_releases(data):
                    number += 1
                    yield number, release, None
            else:
                number += 1
                yield number, data, line.decode("utf-8", "replace")


def _short(error) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) <= 200 else text[:200] + "…"


# --- Staging on disk ---------------------------------------------------------------------------


class Staging:
    """Releases in a temporary SQLite file, given back grouped by ocid (in file order within one).

    Grouping a file of millions of releases in memory would need gigabytes; SQLite sorts on
    disk with a small cache. The file is deleted with its folder by the caller.
    """

    BATCH = 10_000

    def __init__(self, folder: Path):
        self.path = Path(folder) / "staging.sqlite3"
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("PRAGMA cache_size = -65536")  # 64 MB
        self.db.execute("CREATE TABLE release (number INTEGER PRIMARY KEY, ocid TEXT NOT NULL, body TEXT NOT NULL)")
        self._batch: list[tuple] = []
        self.count = 0

    def add(self, number: int, release, text: str | None = None) -> None:
        """Stage a release; ``text`` is its JSON as read, when there is one (saves writing it again)."""
        ocid = release.get("ocid") if isinstance(release, dict) else None
        body = text if text is not None else json.dumps(release, ensure_ascii=False)
        self._batch.append((number, ocid if isinstance(ocid, str) else "", body))
        self.count += 1
        if len(self._batch) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self._batch:
            self.db.executemany("INSERT INTO release VALUES (?, ?, ?)", self._batch)
            self._batch = []

    def groups(self):
        """Yield ``(ocid, [(number, body), …])`` per ocid, in ocid order."""
        self.flush()
        self.db.execute("CREATE INDEX release_ocid ON release (ocid, number)")
        self.db.commit()
        ocid, bodies = None, []
        for row_ocid, number, body in self.db.execute("SELECT ocid, number, body FROM release ORDER BY ocid, number"):
            if row_ocid != ocid and bodies:
                yield ocid, bodies
                bodies = []
            ocid = row_ocid
            bodies.append((number, body))
        if bodies:
            yield ocid, bodies

    def ocid_count(self) -> int:
        self.flush()
        return self.db.execute("SELECT COUNT(DISTINCT ocid) FROM release").fetchone()[0]

    def close(self) -> None:
        self.db.close()


# --- Checking and compiling -------------------------------------------------------------------


class Compiler:
    """The schema validator and the merger, built once per process from the shipped schema."""

    def __init__(self, *, country_names: dict[str, str], default_country: str = ""):
        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
        self.validator = jsonschema_rs.Draft4Validator(schema, validate_formats=True)
        self.merger = ocdsmerge.Merger(schema=schema)
        self.country_names = country_names
        self.default_country = default_country

    def problems(self, release) -> list[tuple[str, dict]]:
        """Why a release is refused: schema errors (a few), periods that end before they start."""
        if not isinstance(release, dict):
            return [("not_an_object", {})]
        if release.get("_linked_only"):
            return [("linked_only", {})]
        found = []
        if not self.validator.is_valid(release):
            for error in self.validator.iter_errors(release):
                where = "/".join(str(part) for part in error.instance_path) or "release"
                if where.endswith("currency"):
                    found.append(("unknown_currency", {"where": where, "value": str(error.instance)[:20]}))
                else:
                    found.append(("schema", {"where": where, "message": _short(error.message)}))
                if len(found) >= PROBLEMS_PER_RELEASE:
                    break
            return found
        for path, start, end in _periods(release):
            if start and end and _is_before(end, start):
                found.append(("period_reversed", {"where": path, "start": start, "end": end}))
        return found

    def compile(self, ocid: str, bodies: list[tuple[int, str]]) -> dict:
        """One contracting process: the rows of the store, and the releases refused with their reasons."""
        rejected, kept, ids = [], [], {}
        for number, body in bodies:
            release = json.loads(body)
            release_id = release.get("id") if isinstance(release, dict) else None
            problems = self.problems(release)
            if not problems and release_id in ids:
                problems = [("duplicate_id", {"id": str(release_id)[:100], "first": ids[release_id]})]
            if problems:
                rejected.append({"number": number, "ocid": ocid, "id": str(release_id or "")[:100],
                                 "problems": problems})  # fmt: skip
                continue
            ids[release_id] = number
            kept.append(release)
        if not kept:
            return {"ocid": ocid, "process": None, "awards": [], "rejected": rejected}
        try:
            compiled = self.merger.create_compiled_release(kept)
        except ocdsmerge.exceptions.OCDSMergeError as error:
            for release in kept:
                rejected.append({"number": 0, "ocid": ocid, "id": str(release.get("id") or "")[:100],
                                 "problems": [("merge", {"message": _short(error)})]})  # fmt: skip
            return {"ocid": ocid, "process": None, "awards": [], "rejected": rejected}
        first_date = min(str(release.get("date") or "") for release in kept)
        process, awards = normalise(compiled, first_date=first_date, country_names=self.country_names,
                                    default_country=self.default_country)  # fmt: skip
        return {"ocid": ocid, "process": process, "awards": awards, "rejected": rejected}


def compile_chunk(chunk: list[tuple[str, list]]) -> list[dict]:
    """A worker process's share: a list of ``(ocid, bodies)`` groups (``start_worker`` set it up)."""
    return [_COMPILER.compile(ocid, bodies) for ocid, bodies in chunk]


_COMPILER: Compiler | None = None


def start_worker(country_names: dict[str, str], default_country: str) -> None:
    global _COMPILER
    _COMPILER = Compiler(country_names=country_names, default_country=default_country)


def _periods(release):
    for section, name in PERIODS:
        period = (release.get(section) or {}).get(name) if isinstance(release.get(section), dict) else None
        if isinstance(period, dict):
            yield f"{section}/{name}", period.get("startDate"), period.get("endDate")
    for index, award in enumerate(release.get("awards") or []):
        if isinstance(award, dict) and isinstance(award.get("contractPeriod"), dict):
            period = award["contractPeriod"]
            yield f"awards/{index}/contractPeriod", period.get("startDate"), period.get("endDate")
    for index, contract in enumerate(release.get("contracts") or []):
        if isinstance(contract, dict) and isinstance(contract.get("period"), dict):
            period = contract["period"]
            yield f"contracts/{index}/period", period.get("startDate"), period.get("endDate")


def parse_datetime(text) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _is_before(end: str, start: str) -> bool:
    end_at, start_at = parse_datetime(end), parse_datetime(start)
    if end_at is None or start_at is None:
        return False
    if (end_at.tzinfo is None) != (start_at.tzinfo is None):
        end_at, start_at = end_at.replace(tzinfo=None), start_at.replace(tzinfo=None)
    return end_at < start_at


# --- Normalising a compiled release -------------------------------------------------------------


@lru_cache(maxsize=4096)
def country_key(text: str) -> str:
    """Upper case, without accents or punctuation: how country names are matched."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join("".join(char if char.isalnum() else " " for char in text.upper()).split())


def party_country(party: dict | None, country_names: dict[str, str]) -> str:
    """The ISO 3166-1 alpha-2 code of a party's country: its address, else its identifier's register.

    OCDS 1.1 has only ``address.countryName`` (free text, in any language); org-id registers
    begin with the country's code (``CL-RUT``, ``MX-RFC``, ``PE-RUC``).
    """
    if not isinstance(party, dict):
        return ""
    address = party.get("address") if isinstance(party.get("address"), dict) else {}
    name = address.get("countryName")
    if name:
        code = country_names.get(country_key(str(name)))
        if code:
            return code
    identifier = party.get("identifier") if isinstance(party.get("identifier"), dict) else {}
    scheme = str(identifier.get("scheme") or "")
    if len(scheme) > 3 and scheme[2] == "-" and scheme[:2].isalpha() and scheme[:2].upper() != "XI":
        code = scheme[:2].upper()
        if code in country_names.values():
            return code
    return ""


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _value(value) -> tuple[float | None, str]:
    if not isinstance(value, dict):
        return None, ""
    return _number(value.get("amount")), str(value.get("currency") or "")[:3]


def _date(text) -> str | None:
    moment = parse_datetime(text)
    return moment.date().isoformat() if moment else None


def normalise(compiled: dict, *, first_date: str, country_names: dict[str, str], default_country: str = ""):
    """The store's rows of a compiled release: a process dict and a list of award dicts.

    The process's year is its tender period's start, else its first award's date, else the date
    of its first release. The buyer is ``buyer``, else ``tender.procuringEntity``; its country
    is its address's (or register's), else the publisher's country given at import.
    """
    parties = {}
    for party in compiled.get("parties") or []:
        if isinstance(party, dict) and party.get("id") is not None:
            parties[str(party["id"])] = party
    tender = compiled.get("tender") if isinstance(compiled.get("tender"), dict) else {}
    buyer = compiled.get("buyer") if isinstance(compiled.get("buyer"), dict) else None
    if buyer is None and isinstance(tender.get("procuringEntity"), dict):
        buyer = tender["procuringEntity"]
    buyer = buyer or {}
    buyer_party = parties.get(str(buyer.get("id"))) if buyer.get("id") is not None else None
    published_country = party_country(buyer_party, country_names)
    period = tender.get("tenderPeriod") if isinstance(tender.get("tenderPeriod"), dict) else {}
    tender_start, tender_end = parse_datetime(period.get("startDate")), parse_datetime(period.get("endDate"))
    tender_days = None
    if tender_start and tender_end and (tender_start.tzinfo is None) == (tender_end.tzinfo is None):
        tender_days = round((tender_end - tender_start).total_seconds() / 86400, 3)
    amount, currency = _value(tender.get("value"))
    tenderers = tender.get("numberOfTenderers")
    if not isinstance(tenderers, int) or isinstance(tenderers, bool):
        listed = tender.get("tenderers")
        tenderers = len(listed) if isinstance(listed, list) and listed else None

    contracts_by_award: dict[str, list[dict]] = {}
    for contract in compiled.get("contracts") or []:
        if isinstance(contract, dict) and contract.get("awardID") is not None:
            contracts_by_award.setdefault(str(contract["awardID"]), []).append(contract)
    awards = []
    for award in compiled.get("awards") or []:
        if not isinstance(award, dict) or award.get("status") in IGNORED_AWARD_STATUSES:
            continue
        suppliers = [item for item in award.get("suppliers") or [] if isinstance(item, dict)]
        supplier = suppliers[0] if suppliers else {}
        supplier_party = parties.get(str(supplier.get("id"))) if supplier.get("id") is not None else None
        details = (supplier_party or {}).get("details")
        scale = details.get("scale") if isinstance(details, dict) else None
        award_amount, award_currency = _value(award.get("value"))
        contracts = contracts_by_award.get(str(award.get("id")), [])
        if award_amount is None and contracts:
            values = [_value(contract.get("value")) for contract in contracts]
            currencies = {cur for amount_, cur in values if amount_ is not None}
            if len(currencies) == 1:
                award_amount = sum(amount_ for amount_, _cur in values if amount_ is not None)
                award_currency = currencies.pop()
        award_date = _date(award.get("date"))
        if award_date is None:
            signed = sorted(filter(None, (_date(contract.get("dateSigned")) for contract in contracts)))
            award_date = signed[0] if signed else None
        awards.append({
            "award_id": str(award.get("id") or "")[:200],
            "supplier_id": str(supplier.get("id") or "")[:200],
            "supplier_name": str(supplier.get("name") or (supplier_party or {}).get("name") or "")[:300],
            "supplier_country": party_country(supplier_party, country_names),
            "supplier_scale": str(scale)[:20] if isinstance(scale, str) else "",
            "supplier_count": len(suppliers),
            "amount": award_amount,
            "currency": award_currency if award_amount is not None else "",
            "date": award_date,
        })  # fmt: skip
    award_dates = sorted(award["date"] for award in awards if award["date"])
    if tender_start:
        year = tender_start.year
    elif award_dates:
        year = int(award_dates[0][:4])
    else:
        first = parse_datetime(first_date)
        year = first.year if first else None
    for award in awards:
        award["year"] = int(award["date"][:4]) if award["date"] else year
    process = {
        "ocid": str(compiled.get("ocid") or "")[:200],
        "buyer_id": str(buyer.get("id") or "")[:200],
        "buyer_name": str(buyer.get("name") or (buyer_party or {}).get("name") or "")[:300],
        "buyer_country": published_country or default_country,
        "buyer_country_published": bool(published_country),
        "procurement_method": str(tender.get("procurementMethod") or "")[:20],
        "main_category": str(tender.get("mainProcurementCategory") or "")[:20],
        "tender_start": tender_start.isoformat() if tender_start else None,
        "tender_end": tender_end.isoformat() if tender_end else None,
        "tender_days": tender_days,
        "value_amount": amount,
        "value_currency": currency if amount is not None else "",
        "tenderers": tenderers,
        "year": year,
    }
    return process, awards
