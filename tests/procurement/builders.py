"""Hand-built OCDS releases whose figures are known (tests/procurement)."""

from datetime import datetime, timedelta

COUNTRY_NAMES = {"CL": "Chile", "CO": "Colombia", "MX": "México", "PE": "Perú", "US": "United States", "ES": "España"}


def tender(ocid, *, country="CL", year=2024, method="open", category="goods", days=40, tenderers=None,
           amount=1000.0, currency="CLP", release_id="1", month=3):  # fmt: skip
    """A tender release of a process whose buyer is in ``country``."""
    start = f"{year}-{month:02d}-01T10:00:00Z"
    data = {
        "ocid": ocid, "id": release_id, "date": start, "tag": ["tender"], "initiationType": "tender",
        "parties": [_buyer(country)],
        "buyer": {"id": "B1", "name": "Buyer"},
        "tender": {"id": "T1", "procurementMethod": method, "mainProcurementCategory": category,
                   "value": {"amount": amount, "currency": currency}},
    }  # fmt: skip
    if days is not None:
        data["tender"]["tenderPeriod"] = {"startDate": start, "endDate": _plus(year, month, days)}
    if tenderers is not None:
        data["tender"]["numberOfTenderers"] = tenderers
    return data


def award(ocid, *, country="CL", supplier_country="CL", scale=None, amount=1000.0, currency="CLP", year=2024,
          release_id="2"):  # fmt: skip
    supplier = {"id": "S1", "name": "Supplier", "roles": ["supplier"]}
    if supplier_country:
        supplier["address"] = {"countryName": COUNTRY_NAMES[supplier_country]}
    if scale:
        supplier["details"] = {"scale": scale}
    return {
        "ocid": ocid, "id": release_id, "date": f"{year}-06-01T10:00:00Z", "tag": ["award"], "initiationType": "tender",
        "parties": [_buyer(country), supplier],
        "awards": [{"id": "A1", "status": "active", "date": f"{year}-06-01T10:00:00Z",
                    "suppliers": [{"id": "S1", "name": "Supplier"}],
                    **({"value": {"amount": amount, "currency": currency}} if amount is not None else {})}],
    }  # fmt: skip


def _plus(year, month, days):
    moment = datetime(year, month, 1, 10) + timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _buyer(country):
    return {"id": "B1", "name": "Buyer", "roles": ["buyer"], "address": {"countryName": COUNTRY_NAMES[country]}}
