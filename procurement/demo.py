"""Generated OCDS releases for the demo and the benchmark: four member countries, 2018 to last year.

Demo data, not official statistics. Each contracting process has a tender release and, for
most, an award release (a few get a third, amending release), written as JSON Lines and
imported through the same service as a real file (``procurement.imports.import_ocds``). The
shares below are the generator's parameters per country, chosen so that the figures differ
between countries and over the years (a slow opening to suppliers of the other members); they
describe no real country.
"""

import json
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

GENERATOR_VERSION = "procurement-demo-2"
#: 2018 to the last full year (a year under way would show half a year's processes as a fall).
YEARS = range(2018, date.today().year)
COUNTRIES = {
    "CL": {"name": "Chile", "currency": "CLP", "scale": 1.0, "rate": 800, "open": 0.55, "tenderers": 4.6,
           "other_member": 0.030, "outside": 0.050, "country_missing": 0.08, "scale_published": 0.9,
           "tenderers_published": 0.95, "short_open": 0.10, "sme": 0.55},
    "CO": {"name": "Colombia", "currency": "COP", "scale": 1.1, "rate": 3900, "open": 0.38, "tenderers": 3.4,
           "other_member": 0.018, "outside": 0.035, "country_missing": 0.25, "scale_published": 0.5,
           "tenderers_published": 0.8, "short_open": 0.22, "sme": 0.48},
    "MX": {"name": "México", "currency": "MXN", "scale": 1.4, "rate": 19.5, "open": 0.30, "tenderers": 2.9,
           "other_member": 0.010, "outside": 0.060, "country_missing": 0.35, "scale_published": 0.0,
           "tenderers_published": 0.6, "short_open": 0.30, "sme": 0.40},
    "PE": {"name": "Perú", "currency": "PEN", "scale": 0.9, "rate": 3.7, "open": 0.45, "tenderers": 3.8,
           "other_member": 0.022, "outside": 0.030, "country_missing": 0.15, "scale_published": 0.7,
           "tenderers_published": 0.9, "short_open": 0.15, "sme": 0.60},
}  # fmt: skip
MEMBER_NAMES = {code: spec["name"] for code, spec in COUNTRIES.items()}
OUTSIDE = ["Estados Unidos", "España", "China", "Alemania", "Brasil", "Canadá", "Francia", "Japón", "Argentina"]
CATEGORIES = (("goods", 0.5), ("services", 0.35), ("works", 0.15))
GOODS = ["Medical supplies", "Office furniture", "School meals", "Laboratory equipment", "Computers", "Fuel"]
SERVICES = ["Cleaning services", "Software maintenance", "Security services", "Consulting", "Training"]
WORKS = ["Road maintenance", "School building", "Water network", "Hospital wing", "Bridge repair"]
#: Rounded yearly averages (units per US dollar) from 2018, for the demo only; later years repeat the last.
DEMO_RATES = {
    "CLP": [641, 703, 792, 759, 873, 840, 944, 950],
    "COP": [2956, 3281, 3693, 3743, 4255, 4325, 4071, 4150],
    "MXN": [19.24, 19.26, 21.49, 20.27, 20.13, 17.76, 18.30, 19.50],
    "PEN": [3.29, 3.34, 3.49, 3.88, 3.84, 3.74, 3.76, 3.70],
}
RATES_SOURCE = "Rounded yearly averages for the demo (check them against the central banks before real use)"
BUYERS = ["Ministry of Health", "Ministry of Education", "Ministry of Public Works", "Municipality", "Hospital",
          "University", "Water utility", "Police", "Tax agency", "Ministry of Transport"]  # fmt: skip


def demo_rates() -> Iterator[tuple[str, int, float]]:
    """``(currency, year, units per US dollar)`` for every currency and year of the demo."""
    for currency, values in DEMO_RATES.items():
        for index, year in enumerate(YEARS):
            yield currency, year, values[min(index, len(values) - 1)]


def processes_per_country_year(total: int) -> int:
    return max(1, total // (len(COUNTRIES) * len(YEARS)))


def releases(total_processes: int, *, seed: int = 2026) -> Iterator[dict]:
    """About 1.7 releases per process, ``total_processes`` processes spread over countries and years."""
    rng = random.Random(seed)
    per = processes_per_country_year(total_processes)
    for code, spec in COUNTRIES.items():
        for year in YEARS:
            opening = (year - YEARS.start) / max(len(YEARS) - 1, 1)  # 0 in 2018, 1 in the last year
            for number in range(per):
                yield from _process(rng, code, spec, year, number, opening)


RELEASES_PER_PROCESS = 1.95  # a tender, most an award, a few an amendment


def write_json_lines(path: Path, total_processes: int, *, seed: int = 2026, limit: int | None = None) -> int:
    """Write the releases to ``path`` (one per line), at most ``limit`` of them; returns how many."""
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for release in releases(total_processes, seed=seed):
            handle.write(json.dumps(release, ensure_ascii=False, separators=(",", ":")))
            handle.write("\n")
            count += 1
            if limit is not None and count >= limit:
                break
    return count


def _pick(rng, weighted):
    roll, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if roll < total:
            return value
    return weighted[-1][0]


def _process(rng, code, spec, year, number, opening):
    ocid = f"ocds-demo00-{code}-{year}-{number:06d}"
    method = _pick(rng, [("open", spec["open"]), ("selective", 0.12), ("limited", 0.13),
                         ("direct", 1 - spec["open"] - 0.25)])  # fmt: skip
    category = _pick(rng, CATEGORIES)
    title = rng.choice({"goods": GOODS, "services": SERVICES, "works": WORKS}[category])
    # Started by early September, so that the award (and its process) falls in the same year.
    start = datetime(year, 1, 1, 9, tzinfo=timezone(timedelta(hours=-5))) + timedelta(
        days=rng.randrange(0, 250), hours=rng.randrange(0, 8)
    )
    threshold = {"open": 30, "selective": 25, "limited": 10}.get(method, 10)
    short = spec["short_open"] * (1 - 0.4 * opening) * (1 if method == "open" else 0.5)
    if method != "direct" and rng.random() < short:
        days = rng.randrange(5, threshold)
    else:
        days = threshold + rng.randrange(0, 30)
    end = start + timedelta(days=days)
    amount = round(rng.lognormvariate(10.5, 1.3) * spec["rate"] * spec["scale"], 0)
    currency = spec["currency"] if rng.random() > 0.03 else "USD"
    if currency == "USD":
        amount = round(amount / spec["rate"], 2)
    buyer_id = f"{code}-BUYER-{rng.randrange(1, 400):04d}"
    buyer = {"id": buyer_id, "name": f"{rng.choice(BUYERS)} {rng.randrange(1, 60)}", "roles": ["buyer"],
             "address": {"countryName": spec["name"]}}  # fmt: skip
    tender = {
        "id": f"{ocid}-tender", "title": title, "status": "complete" if method != "direct" else "active",
        "procurementMethod": method, "mainProcurementCategory": category,
        "value": {"amount": amount, "currency": currency},
    }  # fmt: skip
    if method != "direct":
        tender["tenderPeriod"] = {"startDate": start.isoformat(), "endDate": end.isoformat()}
    if method in ("open", "selective") and rng.random() < spec["tenderers_published"]:
        tenderers = 1 if rng.random() < 0.18 - 0.05 * opening else max(2, round(rng.gauss(spec["tenderers"], 1.6)))
        tender["numberOfTenderers"] = tenderers
    elif method in ("limited", "direct") and rng.random() < spec["tenderers_published"]:
        tender["numberOfTenderers"] = 1
    tender_release = {
        "ocid": ocid, "id": f"{ocid}-01", "date": start.isoformat(), "tag": ["tender"],
        "initiationType": "tender", "parties": [buyer], "buyer": {"id": buyer_id, "name": buyer["name"]},
        "tender": tender,
    }  # fmt: skip
    yield tender_release
    if rng.random() < 0.12:
        return  # no award yet (or none published)
    origin = rng.random()
    other_member = spec["other_member"] * (1 + 1.2 * opening)
    outside = spec["outside"] * (1 + 0.3 * opening)
    if category == "works":
        other_member, outside = other_member / 2, outside / 2
    if origin < other_member:
        country = MEMBER_NAMES[rng.choice([other for other in COUNTRIES if other != code])]
    elif origin < other_member + outside:
        country = rng.choice(OUTSIDE)
    else:
        country = spec["name"]
    supplier_id = f"SUP-{rng.randrange(1, 20000):05d}"
    supplier = {"id": supplier_id, "name": f"Supplier {supplier_id[4:]} S.A.", "roles": ["supplier"]}
    if rng.random() >= spec["country_missing"]:
        supplier["address"] = {"countryName": country}
    if rng.random() < spec["scale_published"]:
        supplier["details"] = {"scale": "sme" if rng.random() < spec["sme"] else "large"}
    awarded = round(amount * rng.uniform(0.8, 1.02), 2)
    award_date = end + timedelta(days=rng.randrange(3, 40))
    award_release = {
        "ocid": ocid, "id": f"{ocid}-02", "date": award_date.isoformat(), "tag": ["award"],
        "initiationType": "tender", "parties": [buyer, supplier], "buyer": {"id": buyer_id, "name": buyer["name"]},
        "tender": {"id": f"{ocid}-tender", "status": "complete"},
        "awards": [{"id": f"{ocid}-award-1", "status": "active", "date": award_date.isoformat(),
                    "value": {"amount": awarded, "currency": currency},
                    "suppliers": [{"id": supplier_id, "name": supplier["name"]}]}],
    }  # fmt: skip
    yield award_release
    if rng.random() < 0.08:
        amended = dict(award_release, id=f"{ocid}-03", tag=["awardUpdate"])
        amended["date"] = (award_date + timedelta(days=rng.randrange(5, 60))).isoformat()
        amended["awards"] = [dict(award_release["awards"][0], value={"amount": round(awarded * 1.1, 2),
                                                                      "currency": currency})]  # fmt: skip
        yield amended
