"""Importing observations: formats, checks, dry run, all or nothing, versions and summaries."""

from datetime import date

import pytest
from django.db import connection

from observatory.imports import breakdown_code, country_code, import_dataset, parse_period
from observatory.models import Dataset, Indicator, IndicatorSummary, Observation
from portal import services
from portal.models import Status
from tests.observatory.factories import IndicatorFactory, import_rows, published_import, template_csv, write

pytestmark = pytest.mark.django_db

ROWS = [
    ["UNE", "CL", 2023, "8.7", "_T", "", "", "", "", "PT"],
    ["UNE", "CL", 2024, "8.5", "_T", "", "", "P", "Provisional figure", "PT"],
    ["UNE", "CHL", 2022, "7.9", "F", "", "", "", "", "PT"],  # alpha-3 is stored as alpha-2
    ["UNE", "PE", 2024, "6.1", "_T", "", "", "", "", "PT"],
    ["UNE", "DE", 2024, "3.2", "_T", "", "", "", "", "PT"],  # a country outside the bloc is valid data
]


@pytest.fixture
def indicator(db):
    return IndicatorFactory(code="UNE", slug="unemployment-rate")


def test_a_template_csv_becomes_a_draft_version_with_its_observations(tmp_path, indicator, editor):
    report = import_rows(tmp_path, indicator, ROWS, actor=editor)
    assert report.is_valid, report.errors
    dataset = report.dataset
    assert (dataset.version, dataset.status, dataset.observation_count) == (1, Status.DRAFT, 5)
    assert dataset.imported_by == editor and dataset.author == editor
    chile_women = Observation.objects.get(dataset=dataset, country="CL", sex="F")
    assert (chile_women.period_type, chile_women.period_start, chile_women.value) == ("Y", date(2022, 1, 1), 7.9)
    provisional = Observation.objects.get(dataset=dataset, country="CL", period_start=date(2024, 1, 1), sex="_T")
    assert (provisional.flag, provisional.footnote) == ("P", "Provisional figure")
    assert Observation.objects.filter(dataset=dataset, country="DE").exists()
    indicator.refresh_from_db()
    assert indicator.unit_code == "PT"  # set by the first import that names a unit
    assert report.new == 5 and report.changed == report.removed == 0


def test_the_summary_holds_the_latest_headline_value_and_trend_per_country(tmp_path, indicator):
    report = import_rows(tmp_path, indicator, ROWS)
    summary = IndicatorSummary.objects.get(dataset=report.dataset, indicator=indicator)
    assert summary.headline == {"sex": "_T", "age": "_T", "education": "_T"}
    assert summary.breakdowns["sex"] == ["_T", "F"]
    assert summary.latest["CL"] == {"period": "2024-01-01", "value": 8.5, "flag": "P"}
    assert summary.trend_periods == ["2023-01-01", "2024-01-01"]
    assert summary.trend["CL"] == [8.7, 8.5] and summary.trend["PE"] == [None, 6.1]
    assert summary.countries == ["CL", "DE", "PE"]
    assert (summary.first_period, summary.last_period, summary.observation_count) == (
        date(2022, 1, 1), date(2024, 1, 1), 5,
    )  # fmt: skip


def test_a_dry_run_reports_what_would_change_and_keeps_nothing(tmp_path, indicator, editor):
    first = published_import(tmp_path, indicator, ROWS, editor=editor)
    changed = [row[:] for row in ROWS[:4]]
    changed[0][3] = "8.8"  # one value revised; the German row removed
    changed.append(["UNE", "MX", 2024, "2.7", "_T", "", "", "", "", "PT"])
    report = import_rows(tmp_path, indicator, changed, actor=editor, dry_run=True)
    assert report.is_valid and report.dry_run and report.dataset is None
    assert (report.new, report.changed, report.removed, report.unchanged) == (1, 1, 1, 3)
    assert report.previous_version == 1 and report.version == 2
    assert report.examples["changed"][0]["before"]["value"] == 8.7
    assert report.examples["removed"][0]["country"] == "DE"
    assert list(Dataset.objects.values_list("pk", flat=True)) == [first.pk]
    assert Observation.objects.count() == 5


def test_a_new_import_is_a_new_version_and_the_public_sees_the_latest_published(tmp_path, indicator, editor):
    first = published_import(tmp_path, indicator, ROWS, editor=editor)
    second = import_rows(tmp_path, indicator, ROWS[:2], actor=editor).dataset
    assert second.version == 2
    assert list(Dataset.objects.current()) == [first]  # the new version is a draft
    services.publish(item=second, actor=editor)
    assert list(Dataset.objects.current()) == [second]
    assert Observation.objects.public().count() == 2
    services.unpublish(item=second, actor=editor)
    assert list(Dataset.objects.current()) == [first]  # the earlier version comes back


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["NOPE", "CL", 2024, "1", "", "", "", "", "", ""], "unknown indicator “NOPE”"),
        (["UNE", "XX", 2024, "1", "", "", "", "", "", ""], "“XX” is not an ISO 3166-1 country code"),
        (["UNE", "CHILE", 2024, "1", "", "", "", "", "", ""], "“CHILE” is not an ISO 3166-1 country code"),
        (["UNE", "CL", "2024-13", "1", "", "", "", "", "", ""], "“2024-13” is not a year, quarter"),
        (["UNE", "CL", "2024-Q1", "1", "", "", "", "", "", ""], "is not a period of this indicator, which is annual"),
        (["UNE", "CL", 2024, "n/a", "", "", "", "", "", ""], "the value “n/a” is not a number"),
        (["UNE", "CL", 2024, "inf", "", "", "", "", "", ""], "is not a number"),
        (["UNE", "CL", 2024, "1", "X", "", "", "", "", ""], "“X” is not a valid code in the column sex"),
        (["UNE", "CL", 2024, "1", "", "", "", "Z", "", ""], "the status “Z” is not P"),
    ],
)
def test_a_bad_row_is_reported_with_its_line_and_nothing_is_imported(tmp_path, indicator, row, message):
    report = import_rows(tmp_path, indicator, [ROWS[0], row])
    assert not report.is_valid and report.dataset is None
    assert report.errors[0].row == 3 and message in report.errors[0].message
    assert not Dataset.objects.exists() and not Observation.objects.exists()


def test_a_duplicate_observation_names_the_first_row(tmp_path, indicator):
    report = import_rows(tmp_path, indicator, [ROWS[0], ROWS[1], ["UNE", "CHL", 2023, "9.0", "", "", "", "", "", ""]])
    assert [(error.row, error.message) for error in report.errors] == [(4, "the same observation as row 2.")]
    assert not Observation.objects.exists()


def test_a_unit_change_between_versions_is_refused(tmp_path, indicator, editor):
    published = published_import(tmp_path, indicator, ROWS, editor=editor)
    other_unit = [row[:9] + ["PS"] for row in ROWS]  # persons instead of percent
    report = import_rows(tmp_path, indicator, other_unit, actor=editor)
    assert not report.is_valid
    assert "the unit of “UNE” was PT and this file gives PS" in report.errors[0].message
    assert list(Dataset.objects.current()) == [published] and Dataset.objects.count() == 1


def test_two_units_for_one_indicator_in_one_file_are_refused(tmp_path, indicator):
    report = import_rows(tmp_path, indicator, [ROWS[0], ROWS[1][:9] + ["PS"]])
    assert "one unit per indicator" in report.errors[0].message


def test_a_failure_late_in_a_large_file_leaves_nothing_and_the_published_version_served(tmp_path, indicator, editor):
    published = published_import(tmp_path, indicator, ROWS, editor=editor)
    rows = [["UNE", "CO", 1950 + n % 70, str(n), "_T", f"Y{n // 70}", "", "", "", "PT"] for n in range(12_000)]
    rows.append(["UNE", "CO", 2024, "oops", "", "", "", "", "", ""])
    report = import_rows(tmp_path, indicator, rows, actor=editor)
    assert report.error_count == 1 and report.rows == 12_001
    assert Observation.objects.count() == 5  # the batches already written were rolled back
    assert list(Dataset.objects.current()) == [published]


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path, indicator, settings):
    settings.OBSERVATORY_DATA_MAX_BYTES = 1024
    path = write(tmp_path, "big.csv", template_csv(ROWS * 30))
    report = import_dataset(path=path, observatory=indicator.observatory, key="big", title="Big")
    assert not report.is_valid and "The file is too large" in report.errors[0].message
    assert report.rows == 0 and not Dataset.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("data.csv", b"", "The file is empty."),
        ("data.csv", b"country,value\nCL,1\n", "has no column indicator, period"),
        ("data.csv", "indicator,country,period,value\nUNE,CL,2024,1\n".encode("utf-16"), "not UTF-8"),
        ("data.csv", b"indicator,country,period,value\n", "The file has no observations."),
        ("data.xlsx", b"not a workbook", "is not an Excel workbook"),
        ("data.xml", b"<nope/>", "The SDMX-ML file cannot be read"),
        ("data.xml", b"\x00\x01binary", "is not XML"),
        ("data.json", b"{}", "Send a .csv or .xlsx file"),
        ("data.csv", b"STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA\n", "has no OBS_VALUE column"),
    ],
)
def test_a_malformed_file_gets_a_clear_report(tmp_path, indicator, name, content, message):
    path = write(tmp_path, name, content)
    report = import_dataset(path=path, observatory=indicator.observatory, key="bad", title="Bad")
    assert not report.is_valid and message in report.errors[0].message
    assert not Dataset.objects.exists()


def test_a_semicolon_csv_with_decimal_commas_as_spanish_spreadsheets_save_it(tmp_path, indicator):
    text = "indicator;country;period;value\nUNE;CL;2024;8,5\n"
    report = import_dataset(path=write(tmp_path, "d.csv", text), observatory=indicator.observatory, key="k", title="T")
    assert report.is_valid, report.errors
    assert Observation.objects.get().value == 8.5


def test_an_xlsx_template(tmp_path, indicator):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Indicator", "Country", "Period", "Value", "Sex"])
    workbook.active.append(["UNE", "MEX", 2024, 2.7, "M"])
    workbook.save(tmp_path / "d.xlsx")
    report = import_dataset(path=tmp_path / "d.xlsx", observatory=indicator.observatory, key="k", title="T")
    assert report.is_valid, report.errors
    assert Observation.objects.filter(country="MX", sex="M", value=2.7).exists()


SDMX_ML = """<?xml version="1.0" encoding="UTF-8"?>
<message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
  xmlns:generic="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
  xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
<message:Header><message:ID>UNE_2024</message:ID><message:Test>false</message:Test>
<message:Prepared>2025-01-15T00:00:00</message:Prepared><message:Sender id="ILO"/>
<message:Structure structureID="DF_UNE" dimensionAtObservation="TIME_PERIOD">
<common:Structure><Ref agencyID="ILO" id="DSD_UNE" version="1.0"/></common:Structure></message:Structure>
</message:Header>
<message:DataSet structureRef="DF_UNE">
<generic:Series>
<generic:SeriesKey><generic:Value id="REF_AREA" value="COL"/><generic:Value id="INDICATOR" value="UNE"/>
<generic:Value id="SEX" value="SEX_F"/><generic:Value id="CLASSIF1" value="AGE_YTHADULT_Y15-24"/></generic:SeriesKey>
<generic:Attributes><generic:Value id="UNIT_MEASURE" value="PT"/></generic:Attributes>
<generic:Obs><generic:ObsDimension value="2023"/><generic:ObsValue value="21.4"/></generic:Obs>
<generic:Obs><generic:ObsDimension value="2024"/><generic:ObsValue value="20.9"/>
<generic:Attributes><generic:Value id="OBS_STATUS" value="P"/></generic:Attributes></generic:Obs>
</generic:Series>
</message:DataSet></message:GenericData>
"""

SDMX_ML_STRUCTURE_SPECIFIC = """<?xml version="1.0" encoding="UTF-8"?>
<message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
  xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
  xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
<message:Header><message:ID>UNE</message:ID><message:Test>false</message:Test>
<message:Prepared>2025-01-15T00:00:00</message:Prepared><message:Sender id="ILO"/>
<message:Structure structureID="ILO_DSD"
  namespace="urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_UNE(1.0)"
  dimensionAtObservation="TIME_PERIOD">
<common:Structure><Ref agencyID="ILO" id="DSD_UNE" version="1.0"/></common:Structure>
</message:Structure></message:Header>
<message:DataSet ss:structureRef="ILO_DSD">
<Series REF_AREA="PER" INDICATOR="UNE" SEX="SEX_T" UNIT_MEASURE="PT">
<Obs TIME_PERIOD="2023" OBS_VALUE="6.8"/><Obs TIME_PERIOD="2024" OBS_VALUE="6.4" OBS_STATUS="E"/>
</Series></message:DataSet></message:StructureSpecificData>
"""


def test_sdmx_ml_generic_data_as_the_ilo_publishes_it(tmp_path, indicator):
    path = write(tmp_path, "ilo.xml", SDMX_ML)
    report = import_dataset(path=path, observatory=indicator.observatory, key="ilo", title="ILO")
    assert report.is_valid, report.errors
    assert report.file_format == "sdmx-ml" and report.rows == 2
    latest = Observation.objects.get(period_start=date(2024, 1, 1))
    assert (latest.country, latest.sex, latest.age, latest.value, latest.flag) == (
        "CO",
        "F",
        "YTHADULT_Y15-24",
        20.9,
        "P",
    )


def test_sdmx_ml_structure_specific_data_without_its_structure(tmp_path, indicator):
    path = write(tmp_path, "ilo.xml", SDMX_ML_STRUCTURE_SPECIFIC)
    report = import_dataset(path=path, observatory=indicator.observatory, key="ilo", title="ILO")
    assert report.is_valid, report.errors
    assert sorted(Observation.objects.values_list("country", "value", "flag")) == [("PE", 6.4, "E"), ("PE", 6.8, "")]
    indicator.refresh_from_db()
    assert indicator.unit_code == "PT"


@pytest.mark.parametrize(
    "text",
    [
        # SDMX-CSV 1.0, as the OECD's data explorer downloads it.
        "DATAFLOW,REF_AREA,INDICATOR,SEX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MEASURE\n"
        "OECD:DF_UNE(1.0),MEX,UNE,_T,2023,2.8,,PT\nOECD:DF_UNE(1.0),MEX,UNE,_T,2024,2.7,P,PT\n",
        # SDMX-CSV 2.0.
        "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,SEX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MEASURE\n"
        "dataflow,OECD:DF_UNE(1.0),I,MEX,UNE,_T,2023,2.8,,PT\ndataflow,OECD:DF_UNE(1.0),I,MEX,UNE,_T,2024,2.7,P,PT\n",
    ],
)
def test_sdmx_csv_one_and_two(tmp_path, indicator, text):
    report = import_dataset(
        path=write(tmp_path, "oecd.csv", text), observatory=indicator.observatory, key="o", title="O"
    )
    assert report.is_valid, report.errors
    assert report.file_format == "sdmx-csv"
    assert sorted(Observation.objects.values_list("country", "value", "flag")) == [("MX", 2.7, "P"), ("MX", 2.8, "")]


def test_an_sdmx_file_with_a_bad_value_is_refused_whole(tmp_path, indicator):
    path = write(tmp_path, "ilo.xml", SDMX_ML.replace('value="21.4"', 'value="NaN"'))
    report = import_dataset(path=path, observatory=indicator.observatory, key="ilo", title="ILO")
    assert not report.is_valid and report.errors[0].row == 1 and report.row_word == "observation"
    assert not Observation.objects.exists()


def test_a_dataset_key_stays_with_its_observatory(tmp_path, indicator, editor):
    published_import(tmp_path, indicator, ROWS, editor=editor)
    other = IndicatorFactory(code="EMP")
    report = import_rows(tmp_path, other, [["EMP", "CL", 2024, "60", "", "", "", "", "", ""]])
    assert "belongs to another observatory" in report.errors[0].message


def test_codes_periods_and_breakdowns_are_normalised():
    assert country_code("chl") == "CL" and country_code(" mx ") == "MX" and country_code("ZZ") is None
    assert parse_period("2024") == ("Y", date(2024, 1, 1))
    assert parse_period("2024-Q3") == parse_period("2024Q3") == ("Q", date(2024, 7, 1))
    assert parse_period("2024-05") == parse_period("2024-M05") == parse_period("2024M05") == ("M", date(2024, 5, 1))
    assert parse_period("1850") is None and parse_period("24") is None
    assert breakdown_code("SEX_T", "sex") == breakdown_code("", "sex") == "_T"
    assert breakdown_code("sex_f", "sex") == "F" and breakdown_code("X", "sex") is None
    assert breakdown_code("EDU_AGGREGATE_TOTAL", "education") == "_T"
    assert breakdown_code("ISCED11_5T8", "education") == "ISCED11_5T8"


def test_an_import_of_many_rows_writes_in_batches(tmp_path, indicator, django_assert_max_num_queries):
    rows = [["UNE", "CO", 1950 + n % 70, str(n), "_T", f"Y{n // 70}", "", "", "", "PT"] for n in range(20_000)]
    path = write(tmp_path, "many.csv", template_csv(rows))
    # Four batches of 5,000, not 20,000 inserts (the summary and the comparison add a few).
    with django_assert_max_num_queries(40 if connection.vendor == "postgresql" else 40):
        report = import_dataset(path=path, observatory=indicator.observatory, key="many", title="Many")
    assert report.is_valid and Observation.objects.count() == 20_000
    assert Indicator.objects.get(pk=indicator.pk).unit_code == "PT"
