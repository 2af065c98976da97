"""Reading, checking and merging real OCDS records (tests/procurement/fixtures: their source is in README.md)."""

import json
from pathlib import Path

import pytest
import requests

from procurement import ocds
from tests.procurement.builders import award, tender

FIXTURES = Path(__file__).parent / "fixtures"
CDMX = "OCDS-87SD3T-AD-SF-DRM-063-2015"


@pytest.fixture(scope="module")
def compiler():
    return ocds.Compiler(country_names={"MEXICO": "MX", "CHILE": "CL", "PERU": "PE"}, default_country="MX")


def read(name):
    package = ocds.Package()
    path = FIXTURES / name
    found = [
        (number, release) for number, release, _text in ocds.read_releases(path, ocds.detect_kind(path, name), package)
    ]
    return found, package


def test_the_schema_and_merge_rules_come_from_the_shipped_file(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the schema must not be fetched")

    monkeypatch.setattr(requests, "get", no_network)
    compiler = ocds.Compiler(country_names={}, default_country="")
    assert json.loads(ocds.SCHEMA_PATH.read_text())["id"].endswith("/1__1__5/release-schema.json")
    assert compiler.merger.merge_rules  # built from the local schema


def test_real_releases_are_merged_with_the_standards_rules(compiler):
    releases, package = read("release-package-1-2.json")
    assert package.kind == "release-package" and package.metadata[0]["publisher"] == "CDMX-SEFIN"
    ours = [release for _number, release in releases if release["ocid"] == CDMX]
    compiled = compiler.merger.create_compiled_release(ours)
    # The publisher's own compiled release of the same process (a record package of CDMX-SEFIN).
    records = json.loads((FIXTURES / "record-package_linked-releases.json").read_text())["records"]
    published = next(record["compiledRelease"] for record in records if record["ocid"] == CDMX)
    assert compiled["tag"] == ["compiled"]
    assert compiled["date"] == "2017-06-05T00:00:00-06:00"  # the latest release's
    assert compiled["id"] == f"{CDMX}-2017-06-05T00:00:00-06:00"
    assert len(compiled["awards"]) == 1  # both releases hold award "1": merged by its id
    for part in ("buyer", "planning", "contracts", "parties"):
        assert compiled.get(part) == published.get(part), part
    assert {key: value for key, value in compiled["tender"].items() if key != "tenderers"} == {
        key: value for key, value in published["tender"].items() if key != "tenderers"
    }


def test_a_real_process_becomes_a_row_of_the_store(compiler):
    releases, _package = read("release-package-1-2.json")
    bodies = [(number, json.dumps(release)) for number, release in releases if release["ocid"] == CDMX]
    result = compiler.compile(CDMX, bodies)
    assert result["rejected"] == []
    process = result["process"]
    assert process["buyer_country"] == "MX" and not process["buyer_country_published"]  # the publisher's country
    assert process["procurement_method"] == "selective"
    assert process["tenderers"] == 2 and process["value_currency"] == "MXN" and process["year"] == 2015
    assert result["awards"][0]["amount"] == 1311264.0 and result["awards"][0]["supplier_country"] == ""


def test_a_real_release_failing_the_schema_is_refused_with_its_reason(compiler):
    releases, package = read("record-package-1.json")
    assert package.kind == "record-package" and package.metadata[0]["license"] == "https://datos.gob.mx/libreusomx"
    ((number, release),) = releases
    result = compiler.compile(release["ocid"], [(number, json.dumps(release))])
    assert result["process"] is None
    (code, params), *_rest = result["rejected"][0]["problems"]
    assert code == "schema" and params["where"] == "tender/submissionMethod/0"
    assert "null" in params["message"]


def test_records_that_only_link_their_releases_give_their_compiled_release(compiler):
    releases, _package = read("record-package_linked-releases.json")
    assert [release["tag"] for _number, release in releases] == [["compiled"], ["compiled"]]
    assert compiler.compile(CDMX, [(1, json.dumps(releases[0][1]))])["process"]["ocid"] == CDMX


def test_metadata_after_the_releases_is_read_too():
    _releases, package = read("release-package_1.1-2.json")
    assert package.metadata[0]["publisher"] == "DNCP - Paraguay"
    assert package.metadata[0]["license"] == "https://creativecommons.org/licenses/by/4.0/"


def bodies(*releases):
    return [(number, json.dumps(release)) for number, release in enumerate(releases, start=1)]


def test_bad_releases_are_refused_with_a_reason_each(compiler):
    twice = tender("ocds-x-1")
    reversed_period = tender("ocds-x-2", days=-3)
    unknown_currency = tender("ocds-x-3", currency="XYZ")
    result = compiler.compile("ocds-x-1", bodies(twice, dict(twice, date="2024-03-02T10:00:00Z")))
    assert result["rejected"][0]["problems"][0][0] == "duplicate_id"
    assert result["process"] is not None  # the first one stays
    assert compiler.compile("ocds-x-2", bodies(reversed_period))["rejected"][0]["problems"][0][0] == "period_reversed"
    problem = compiler.compile("ocds-x-3", bodies(unknown_currency))["rejected"][0]["problems"][0]
    assert problem == ("unknown_currency", {"where": "tender/value/currency", "value": "XYZ"})


def test_countries_are_found_from_names_in_any_language_and_from_registers():
    names = {"PERU": "PE", "MEXICO": "MX", "CHILE": "CL"}
    assert ocds.party_country({"address": {"countryName": "Perú"}}, names) == "PE"
    assert ocds.party_country({"address": {"countryName": "  méxico "}}, names) == "MX"
    assert ocds.party_country({"identifier": {"scheme": "CL-RUT", "id": "1"}}, names) == "CL"
    assert ocds.party_country({"address": {"countryName": "Atlantis"}}, names) == ""


def test_the_supplier_country_stays_unknown_when_nothing_says_it(compiler):
    result = compiler.compile("ocds-x-4", bodies(tender("ocds-x-4"), award("ocds-x-4", supplier_country=None)))
    assert result["awards"][0]["supplier_country"] == ""  # never the buyer's or the publisher's


def test_an_invalid_json_line_names_its_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(tender("ocds-x-5")) + "\n{not json\n")
    with pytest.raises(ocds.FileProblem) as problem:
        list(ocds.read_releases(path, "json-lines", ocds.Package()))
    assert problem.value.code == "invalid_json_line" and problem.value.params["line"] == 2


def test_a_truncated_package_is_invalid_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"releases": [' + json.dumps(tender("ocds-x-6")) + ', {"ocid": ')
    with pytest.raises(ocds.FileProblem) as problem:
        list(ocds.read_releases(path, ocds.detect_kind(path, "bad.json"), ocds.Package()))
    assert problem.value.code == "invalid_json"


def test_staging_gives_releases_back_grouped_by_ocid_in_file_order(tmp_path):
    staging = ocds.Staging(tmp_path)
    for number, ocid in enumerate(["b", "a", "b", "c", "a"], start=1):
        staging.add(number, {"ocid": ocid, "id": str(number)})
    groups = [(ocid, [number for number, _body in group]) for ocid, group in staging.groups()]
    staging.close()
    assert groups == [("a", [2, 5]), ("b", [1, 3]), ("c", [4])]
