"""The OCDS import: bad input changes nothing, versions switch whole, large files stay in bounded memory."""

import json
import tracemalloc
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from observatory.models import Dataset, Observation
from portal import services
from procurement import demo, imports, ocds
from procurement.imports import DATASET_KEY, import_ocds
from procurement.models import Award, ExchangeRate, FieldCoverage, Process, ProcurementImport
from tests.factories import EditorFactory
from tests.procurement.builders import award, tender
from tests.procurement.conftest import write_lines

FIXTURES = Path(__file__).parent / "fixtures"


def country_releases(country, count=6, *, supplier="CL", currency="CLP", year=2024, prefix="", amount=1000.0):
    releases = []
    for number in range(count):
        ocid = f"ocds-{prefix}{country.lower()}-{number}"
        releases += [tender(ocid, country=country, currency=currency, year=year, tenderers=2),
                     award(ocid, country=country, supplier_country=supplier, currency=currency, year=year,
                           amount=amount)]  # fmt: skip
    return releases


def published(report, editor):
    assert report.is_valid, (report.problems, report.rejected[:3])
    services.publish(item=report.dataset, actor=editor, at=timezone.now() - timedelta(minutes=1))
    return report.dataset


def current_value(code="PP_OCDS_PROCESSES", country="CL"):
    return Observation.objects.public().get(indicator__code=code, country=country).value


@pytest.fixture
def editor(db):
    return EditorFactory()


@pytest.fixture
def first_version(members, observatory, rates, tmp_path, editor):
    report = import_ocds(path=write_lines(tmp_path, country_releases("CL"), "v1.jsonl"), observatory=observatory)
    return published(report, editor)


def assert_nothing_kept(first_version):
    assert ProcurementImport.objects.count() == 1
    assert Process.objects.exclude(run=first_version.procurement_import).count() == 0
    assert Dataset.objects.filter(key=DATASET_KEY).count() == 1
    assert Dataset.objects.current().get(key=DATASET_KEY) == first_version
    assert current_value() == 6


def test_a_real_release_package_imports_as_a_draft_version(members, observatory, rates):
    report = import_ocds(path=FIXTURES / "release-package-1-2.json", observatory=observatory, default_country="MX")
    assert report.is_valid and report.releases_read == 4 and report.processes == 2 and report.awards == 2
    assert report.dataset.status == "draft" and report.dataset.file_format == Dataset.Format.OCDS
    assert report.dataset.procurement_import.packages[0]["publisher"] == "CDMX-SEFIN"
    assert report.missing["MX"]["fields"]["supplier_country"] == 2
    assert Observation.objects.public().count() == 0  # nothing public until it is published


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"releases": [{"ocid": "ocds-1", ', "not valid JSON"),
        ("[1, 2, 3]", "not an OCDS package"),
        ("", "empty"),
        ("hello", "not JSON"),
        ('{"publisher": {"name": "x"}}', "not an OCDS package"),
    ],
)
def test_a_file_that_cannot_be_read_changes_nothing(first_version, observatory, tmp_path, content, expected):
    path = tmp_path / "bad.json"
    path.write_text(content)
    report = import_ocds(path=path, observatory=observatory)
    assert not report.is_valid and report.dataset is None
    assert expected in report.problems[0]
    assert_nothing_kept(first_version)


def test_an_invalid_json_line_changes_nothing(first_version, observatory, tmp_path):
    path = write_lines(tmp_path, country_releases("CL", prefix="b"))
    path.write_text(path.read_text() + '{"ocid": "ocds-broken", \n')
    report = import_ocds(path=path, observatory=observatory)
    assert "Line 13 is not valid JSON" in report.problems[0]
    assert_nothing_kept(first_version)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"tender": {"id": "T", "procurementMethod": "auction"}}, "tender/procurementMethod"),
        ({"date": "yesterday"}, "date"),
        ({"tender": {"id": "T", "value": {"amount": 5, "currency": "XYZ"}}}, "“XYZ” is not an ISO 4217 currency"),
        ({"tender": {"id": "T", "tenderPeriod": {"startDate": "2024-05-02T00:00:00Z",
                                                  "endDate": "2024-05-01T00:00:00Z"}}}, "ends (2024-05-01"),
    ],
)  # fmt: skip
def test_a_refused_release_is_reported_and_by_default_nothing_is_imported(
    first_version, observatory, tmp_path, bad, reason
):
    releases = country_releases("CL", prefix="r")
    releases.append({**tender("ocds-bad-1"), **bad})
    report = import_ocds(path=write_lines(tmp_path, releases), observatory=observatory)
    assert not report.is_valid and report.rejected_count == 1
    (rejection,) = report.rejected
    assert rejection.ocid == "ocds-bad-1" and rejection.number == 13 and reason in rejection.reasons[0]
    assert_nothing_kept(first_version)


def test_duplicate_release_ids_are_refused(first_version, observatory, tmp_path):
    releases = country_releases("CL", prefix="d")
    releases.append(dict(releases[0], date="2024-03-05T10:00:00Z"))  # the same ocid and id again
    report = import_ocds(path=write_lines(tmp_path, releases), observatory=observatory)
    assert "appears twice for this ocid (first as release 1)" in report.rejected[0].reasons[0]
    assert_nothing_kept(first_version)


def test_refused_releases_may_be_left_out_and_stay_listed(first_version, observatory, tmp_path):
    releases = [*country_releases("CL", 7, prefix="l"), {**tender("ocds-bad-2"), "date": "never"}]
    report = import_ocds(path=write_lines(tmp_path, releases), observatory=observatory, leave_out_rejected=True)
    assert report.is_valid and report.rejected_count == 1 and report.processes == 7
    run = report.dataset.procurement_import
    assert run.releases_rejected == 1 and run.rejected[0]["ocid"] == "ocds-bad-2"


def test_missing_supplier_countries_are_reported_and_shown_as_coverage(members, observatory, rates, tmp_path):
    releases = country_releases("CL", 5, supplier="CO") + country_releases("CL", 5, supplier=None, prefix="m")
    report = import_ocds(path=write_lines(tmp_path, releases), observatory=observatory)
    assert report.is_valid and report.missing["CL"]["fields"]["supplier_country"] == 5
    share = report.dataset.observations.get(indicator__code="PP_OCDS_MEMBER_SUPPLIER_SH", country="CL")
    assert (share.value, share.coverage) == (100.0, 50.0)  # 5 of 5 known, half of the awards known


def test_a_currency_without_a_rate_is_left_out_of_the_dollar_figures_with_a_notice(members, observatory, tmp_path):
    report = import_ocds(path=write_lines(tmp_path, country_releases("CL")), observatory=observatory)
    assert report.is_valid
    assert any("6 awards in CLP in 2024 have no exchange rate" in notice for notice in report.notices)
    assert not report.dataset.observations.filter(indicator__code="PP_OCDS_AWARDED_USD").exists()
    assert report.dataset.observations.get(indicator__code="PP_OCDS_AWARDED_IN_CLP").coverage == 100.0


def test_a_file_over_the_limit_is_refused_before_it_is_read(first_version, observatory, tmp_path, settings):
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:  # a sparse file of 5 GB: nothing is written to disk
        handle.truncate(5 * 1024**3)
    report = import_ocds(path=path, observatory=observatory)
    assert report.problems == ["The file is too large (5120.0 MB; at most 4096.0 MB). Nothing was imported."]
    assert report.seconds < 1
    assert_nothing_kept(first_version)


def test_a_dry_run_reports_and_keeps_nothing(first_version, observatory, tmp_path):
    report = import_ocds(path=write_lines(tmp_path, country_releases("CL", 9, prefix="y")), observatory=observatory,
                         dry_run=True)  # fmt: skip
    assert report.is_valid and report.version == 2 and report.previous_version == 1 and report.changed >= 1
    assert report.dataset is None
    assert_nothing_kept(first_version)


def test_a_failure_half_way_leaves_nothing_behind(first_version, observatory, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(imports, "import_dataset", broken)
    with pytest.raises(RuntimeError):
        import_ocds(path=write_lines(tmp_path, country_releases("CL", 8, prefix="f")), observatory=observatory)
    assert_nothing_kept(first_version)
    assert FieldCoverage.objects.exclude(run=first_version.procurement_import).count() == 0


def test_the_public_sees_a_new_version_only_once_it_is_published(first_version, observatory, tmp_path, editor):
    report = import_ocds(path=write_lines(tmp_path, country_releases("CL", 9, prefix="n")), observatory=observatory)
    assert report.is_valid and current_value() == 6  # the draft is not public
    published(report, editor)
    assert current_value() == 9
    services.unpublish(item=report.dataset, actor=editor)
    assert current_value() == 6  # the previous published version is back


def test_other_countries_are_carried_over_from_the_published_version(first_version, observatory, tmp_path, editor):
    report = import_ocds(path=write_lines(tmp_path, country_releases("CO", 7, currency="COP")), observatory=observatory)
    assert report.countries == ["CO"] and report.carried_countries == ["CL"] and report.processes_carried == 6
    published(report, editor)
    assert current_value(country="CL") == 6 and current_value(country="CO") == 7
    run = report.dataset.procurement_import
    assert Award.objects.filter(run=run, process__buyer_country="CL").count() == 6
    assert Process.objects.filter(run=first_version.procurement_import).count() == 6  # the old version is intact
    # Without carrying over, the file is the whole dataset.
    alone = import_ocds(path=write_lines(tmp_path, country_releases("PE", 5, currency="PEN"), "pe.jsonl"),
                        observatory=observatory, carry_over=False)  # fmt: skip
    assert set(alone.dataset.observations.values_list("country", flat=True)) == {"PE"}


def test_worker_processes_compile_the_same_as_this_one(members, observatory, rates, tmp_path, monkeypatch):
    releases = [*country_releases("CL", 30, prefix="w"), *country_releases("PE", 30, supplier="US", currency="PEN")]
    path = write_lines(tmp_path, releases)
    serial = import_ocds(path=path, observatory=observatory, workers=1, dry_run=True)
    monkeypatch.setattr(imports, "POOL_FROM", 1)
    monkeypatch.setattr(imports, "CHUNK", 7)
    pooled = import_ocds(path=path, observatory=observatory, workers=2)
    assert pooled.is_valid and (pooled.processes, pooled.awards) == (serial.processes, serial.awards) == (60, 60)
    assert pooled.dataset.observations.get(indicator__code="PP_OCDS_OUTSIDE_SUPPLIER_SH", country="PE").value == 100


def test_the_command_reports_and_fails_on_bad_input(first_version, observatory, tmp_path):
    path = write_lines(tmp_path, [*country_releases("CL", prefix="c"), {**tender("ocds-bad-3"), "date": "never"}])
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_ocds", str(path), "--observatory", observatory.slug, stdout=StringIO(), stderr=err)
    assert "release 13 (ocds-bad-3 1): date" in err.getvalue()
    assert_nothing_kept(first_version)


def test_the_command_imports_and_publishes(first_version, observatory, tmp_path, editor):
    path = tmp_path / "mx.json"
    path.write_text(json.dumps({"publisher": {"name": "Demo"}, "releases": country_releases("MX", 5, currency="MXN")}))
    out, err = StringIO(), StringIO()
    call_command("import_ocds", str(path), "--observatory", observatory.slug, "--publish", "--user", editor.email,
                 stdout=out, stderr=err)  # fmt: skip
    assert "10 releases read, 0 rejected, 5 processes compiled (MX)" in out.getvalue()
    # The progress bar: a line per tenth of each phase when stderr is not a terminal.
    assert "reading and staging    [##############################]          10 releases" in err.getvalue()
    assert "compiling and storing  [##############################]" in err.getvalue()
    assert "Version 2 imported and published." in out.getvalue()
    assert current_value(country="MX") == 5 and current_value(country="CL") == 6


def test_carried_over_awards_are_converted_at_the_rates_of_the_new_import(members, observatory, tmp_path, editor):
    first = import_ocds(path=write_lines(tmp_path, country_releases("CO", 6, currency="COP", amount=4e8), "co.jsonl"),
                        observatory=observatory)  # fmt: skip
    published(first, editor)
    assert not first.dataset.observations.filter(indicator__code="PP_OCDS_AWARDED_USD").exists()  # no COP rate yet
    ExchangeRate.objects.create(currency="COP", year=2024, units_per_usd=4000, source="Banco de la República")
    ExchangeRate.objects.create(currency="CLP", year=2024, units_per_usd=800, source="Banco Central de Chile")
    second = import_ocds(
        path=write_lines(tmp_path, country_releases("CL", 6, amount=8e7), "cl.jsonl"), observatory=observatory
    )
    assert second.carried_countries == ["CO"]
    dollars = dict(second.dataset.observations.filter(indicator__code="PP_OCDS_AWARDED_USD").values_list(
        "country", "value"))  # fmt: skip
    # Six awards of 400 million COP at 4,000 and six of 80 million CLP at 800: 0.6 million dollars each.
    assert dollars == {"CO": pytest.approx(0.6), "CL": pytest.approx(0.6)}


def _peak_memory_of_import(tmp_path, observatory, processes, name):
    path = tmp_path / name
    with path.open("w", encoding="utf-8") as handle:  # a release package, streamed by ijson
        handle.write('{"publisher": {"name": "Demo"}, "releases": [\n')
        for number, release in enumerate(demo.releases(processes, seed=7)):
            handle.write(("," if number else "") + json.dumps(release) + "\n")
        handle.write("]}\n")
    tracemalloc.start()
    try:
        report = import_ocds(path=path, observatory=observatory, workers=1, dry_run=True, carry_over=False)
        return report, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_file(members, observatory, rates, tmp_path, monkeypatch):
    # Small batches, so that both files span many of them (as a file of gigabytes spans the real ones).
    monkeypatch.setattr(imports, "BATCH", 200)
    monkeypatch.setattr(ocds.Staging, "BATCH", 200)
    small, small_peak = _peak_memory_of_import(tmp_path, observatory, 500, "small.json")
    large, large_peak = _peak_memory_of_import(tmp_path, observatory, 2_000, "large.json")
    assert small.is_valid and large.is_valid and large.releases_read > 3.5 * small.releases_read
    assert large_peak < 1.3 * small_peak, (small_peak, large_peak)
