"""Each indicator's value and coverage on a small hand-built dataset whose answer is worked out by hand."""

import pytest

from observatory.models import Observation
from procurement.imports import import_ocds
from procurement.models import FieldCoverage
from tests.procurement.builders import award, tender
from tests.procurement.conftest import write_lines

# Chile 2024: ten processes (six open, two selective, one limited, one direct) and eight awards.
# (ocid, method, category, tender days, tenderers)
PROCESSES = [
    ("ocds-t-01", "open", "goods", 10, 1), ("ocds-t-02", "open", "goods", 20, 3),
    ("ocds-t-03", "open", "goods", 35, 4), ("ocds-t-04", "open", "goods", 40, 2),
    ("ocds-t-05", "open", "goods", 45, None), ("ocds-t-06", "open", "goods", None, 1),
    ("ocds-t-07", "selective", "services", 20, 2), ("ocds-t-08", "selective", "services", 30, None),
    ("ocds-t-09", "limited", "works", 5, 1), ("ocds-t-10", "direct", "goods", None, None),
]  # fmt: skip
# (ocid, supplier country, scale, amount, currency); the test rate is 800 CLP per US dollar.
AWARDS = [
    ("ocds-t-01", "CL", "sme", 800_000, "CLP"), ("ocds-t-02", "CO", "large", 1_600_000, "CLP"),
    ("ocds-t-03", "PE", "sme", 800_000, "CLP"), ("ocds-t-04", "US", None, 4_000, "USD"),
    ("ocds-t-05", None, "sme", 800_000, "CLP"), ("ocds-t-06", "CL", "micro", 800_000, "CLP"),
    ("ocds-t-07", "ES", "large", 2_400_000, "CLP"), ("ocds-t-08", "CL", None, None, "CLP"),
]  # fmt: skip
EXPECTED = {  # code: (value, coverage)
    "PP_OCDS_PROCESSES": (10, None),
    "PP_OCDS_OPEN_SH": (60.0, 100.0),
    "PP_OCDS_TENDERERS_AVG": (13 / 6, 75.0),  # 1+3+4+2+1+2 over the 6 of 8 competitive ones that say
    "PP_OCDS_SINGLE_SH": (100 * 2 / 6, 75.0),
    "PP_OCDS_SHORT_OPEN_SH": (40.0, 100 * 5 / 6),  # 10 and 20 days of the 5 dated open procedures
    "PP_OCDS_MEMBER_SUPPLIER_SH": (100 * 2 / 7, 87.5),  # CO and PE, of 7 awards with a known country
    "PP_OCDS_OUTSIDE_SUPPLIER_SH": (100 * 2 / 7, 87.5),  # US and ES
    "PP_OCDS_MEMBER_SUPPLIER_VAL_SH": (25.0, 75.0),  # 3,000 of 12,000 dollars
    "PP_OCDS_OUTSIDE_SUPPLIER_VAL_SH": (100 * 7 / 12, 75.0),
    "PP_OCDS_AWARDED_USD": (0.013, 87.5),  # 13,000 dollars
    "PP_OCDS_AWARDED_IN_CLP": (7.2, 87.5),
    "PP_OCDS_AWARDED_IN_USD": (0.004, 87.5),
    "PP_OCDS_SME_SH": (100 * 4 / 6, 75.0),  # sme, sme, sme, micro of 6 with a scale
    "PP_OCDS_MEMBER_SUPPLIER_GOODS_SH": (40.0, 100 * 5 / 6),
}


def hand_built():
    releases = []
    for ocid, method, category, days, tenderers in PROCESSES:
        releases.append(tender(ocid, method=method, category=category, days=days, tenderers=tenderers))
    for ocid, country, scale, amount, currency in AWARDS:
        releases.append(award(ocid, supplier_country=country, scale=scale, amount=amount, currency=currency))
    return releases


@pytest.fixture
def imported(members, observatory, rates, tmp_path):
    report = import_ocds(path=write_lines(tmp_path, hand_built()), observatory=observatory)
    assert report.is_valid, (report.problems, report.rejected)
    return report


def test_each_indicator_has_its_known_value_and_coverage(imported):
    found = {
        code: (value, coverage)
        for code, value, coverage in Observation.objects.filter(dataset=imported.dataset, country="CL").values_list(
            "indicator__code", "value", "coverage"
        )
    }
    for code, (value, coverage) in EXPECTED.items():
        assert found[code][0] == pytest.approx(value, abs=1e-4), code
        assert (found[code][1] is None) if coverage is None else found[code][1] == pytest.approx(coverage, abs=1e-3)
    # Too few records to say anything: 2 dated selective procedures, 1 limited, 2 awards in services.
    for code in ("PP_OCDS_SHORT_SELECTIVE_SH", "PP_OCDS_SHORT_LIMITED_SH", "PP_OCDS_MEMBER_SUPPLIER_SERVICES_SH"):
        assert code not in found
    assert set(found) == set(EXPECTED)
    assert imported.dataset.observations.get(indicator__code="PP_OCDS_PROCESSES").period_start.year == 2024


def test_the_coverage_of_each_field_is_counted_per_country_and_year(imported):
    coverage = {
        row.field: (row.present, row.total)
        for row in FieldCoverage.objects.filter(run=imported.dataset.procurement_import)
    }
    assert coverage == {
        "buyer_country": (10, 10), "procurement_method": (10, 10), "main_category": (10, 10),
        "tender_period": (8, 10), "value": (10, 10), "tenderers": (7, 10),
        "supplier_country": (7, 8), "supplier_scale": (6, 8), "award_value": (7, 8), "award_date": (8, 8),
    }  # fmt: skip


def test_the_report_counts_the_missing_fields_per_country(imported):
    missing = imported.missing["CL"]
    assert missing["processes"] == 10 and missing["awards"] == 8
    assert missing["fields"] == {"tender_period": 2, "tenderers": 3, "supplier_country": 1, "supplier_scale": 2,
                                 "award_value": 1}  # fmt: skip


def test_an_award_to_the_buyers_own_country_is_domestic_and_a_member_is_the_bloc(members, observatory, rates, tmp_path):
    releases = []
    for number in range(6):
        ocid = f"ocds-p-{number}"
        releases += [tender(ocid, country="PE", currency="PEN"), award(ocid, country="PE", supplier_country="CL",
                                                                       currency="PEN")]  # fmt: skip
    report = import_ocds(path=write_lines(tmp_path, releases), observatory=observatory)
    value = report.dataset.observations.get(indicator__code="PP_OCDS_MEMBER_SUPPLIER_SH", country="PE").value
    assert value == 100.0  # Chile is another member for a Peruvian buyer
