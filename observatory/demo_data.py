"""Generated demo series for the observatories' data pages (``manage.py seed_indicators``).

NOT OFFICIAL STATISTICS. The values follow the shapes one would expect (the levels of each
member country, the 2020 shock and its recovery, wider gaps for women where they are wider,
lower unemployment for graduates in Chile…) from anchor values per country and year, with
interpolation, a little seeded noise and provisional flags for the latest year; but no
statistical office produced them. Every dataset made from them is marked ``is_demo``, so every
page, chart and download that shows them says so.
"""

import random
from collections.abc import Iterator

COUNTRIES = ("CL", "CO", "MX", "PE")
YEARS = range(2010, 2026)
LATEST = 2025  # flagged provisional
#: Changed when the generator changes, so that the demo data are imported again.
GENERATOR_VERSION = "demo-generator-1"

LABOUR_INDICATORS = [
    {
        "code": "UNE_EDU_RT", "slug": "unemployment-rate-by-education",
        "name": ("Unemployment rate by level of education", "Tasa de desempleo por nivel educativo"),
        "definition": (
            "Unemployed persons aged 15 and over as a share of the labour force of the same education level.",
            "Personas desempleadas de 15 años o más como proporción de la fuerza de trabajo del mismo nivel educativo.",
        ),
        "unit": ("% of the labour force", "% de la fuerza de trabajo"), "unit_symbol": "%",
        "methodology": (
            "Labour force surveys of the member countries, harmonised to the ILO's definition of unemployment "
            "(without work, available and seeking work). Education levels follow ISCED 2011. Demo data: values "
            "generated for the demonstration.",
            "Encuestas de fuerza de trabajo de los países miembros, armonizadas con la definición de desempleo de "
            "la OIT (sin trabajo, disponible y buscando trabajo). Los niveles educativos siguen la CINE 2011. Datos "
            "de demostración: valores generados para la demostración.",
        ),
        "higher_is_better": False, "position": 1,
    },
    {
        "code": "EMP_TER_RT", "slug": "employment-rate-of-tertiary-graduates",
        "name": ("Employment rate of tertiary graduates", "Tasa de empleo de titulados de educación superior"),
        "definition": (
            "Employed persons aged 25 to 64 with a tertiary degree as a share of all persons of that age with one.",
            "Personas ocupadas de 25 a 64 años con título de educación superior como proporción de todas las "
            "personas de esa edad que lo tienen.",
        ),
        "unit": ("% of tertiary graduates aged 25–64", "% de titulados de 25 a 64 años"), "unit_symbol": "%",
        "methodology": (
            "Labour force surveys; tertiary education is ISCED 2011 levels 5 to 8. Demo data: values generated "
            "for the demonstration.",
            "Encuestas de fuerza de trabajo; la educación superior corresponde a los niveles 5 a 8 de la CINE 2011. "
            "Datos de demostración: valores generados para la demostración.",
        ),
        "higher_is_better": True, "position": 2,
    },
    {
        "code": "INF_EMP_SH", "slug": "informal-employment-share",
        "name": ("Informal employment share", "Proporción de empleo informal"),
        "definition": (
            "Persons in informal employment as a share of all employed persons.",
            "Personas con empleo informal como proporción del total de personas ocupadas.",
        ),
        "unit": ("% of employment", "% del empleo"), "unit_symbol": "%",
        "methodology": (
            "Informal employment as defined by the 17th International Conference of Labour Statisticians. Demo "
            "data: values generated for the demonstration; the break in 2012 for Peru is simulated.",
            "Empleo informal según la definición de la 17.ª Conferencia Internacional de Estadísticos del Trabajo. "
            "Datos de demostración: valores generados para la demostración; la ruptura de 2012 en Perú es simulada.",
        ),
        "higher_is_better": False, "position": 3,
    },
    {
        "code": "UNE_Q_RT", "slug": "unemployment-rate-quarterly",
        "name": ("Unemployment rate, quarterly", "Tasa de desempleo trimestral"),
        "definition": (
            "Unemployed persons aged 15 and over as a share of the labour force, per quarter.",
            "Personas desempleadas de 15 años o más como proporción de la fuerza de trabajo, por trimestre.",
        ),
        "unit": ("% of the labour force", "% de la fuerza de trabajo"), "unit_symbol": "%", "frequency": "Q",
        "methodology": (
            "Quarterly labour force surveys, not seasonally adjusted. Demo data: values generated for the "
            "demonstration.",
            "Encuestas trimestrales de fuerza de trabajo, sin desestacionalizar. Datos de demostración: valores "
            "generados para la demostración.",
        ),
        "higher_is_better": False, "position": 4,
    },
]  # fmt: skip

PROCUREMENT_INDICATORS = [
    {
        "code": "PP_GDP_SH", "slug": "public-procurement-share-of-gdp",
        "name": ("Public procurement spending", "Gasto en compras públicas"),
        "definition": (
            "Goods, services and works bought by the general government, as a share of gross domestic product.",
            "Bienes, servicios y obras adquiridos por el gobierno general, como proporción del producto interno "
            "bruto.",
        ),
        "unit": ("% of GDP", "% del PIB"), "unit_symbol": "%",
        "methodology": (
            "Intermediate consumption, gross fixed capital formation and social transfers in kind of the general "
            "government (national accounts). Demo data: values generated for the demonstration.",
            "Consumo intermedio, formación bruta de capital fijo y transferencias sociales en especie del gobierno "
            "general (cuentas nacionales). Datos de demostración: valores generados para la demostración.",
        ),
        "higher_is_better": None, "position": 1,
    },
    {
        "code": "PP_SME_SH", "slug": "contracts-awarded-to-smes",
        "name": ("Share of public contracts awarded to SMEs", "Proporción de contratos públicos adjudicados a mipymes"),
        "definition": (
            "Value of the public contracts awarded to micro, small and medium-sized enterprises, as a share of the "
            "value of all contracts awarded.",
            "Valor de los contratos públicos adjudicados a micro, pequeñas y medianas empresas, como proporción del "
            "valor de todos los contratos adjudicados.",
        ),
        "unit": ("% of contract value", "% del valor contratado"), "unit_symbol": "%",
        "methodology": (
            "Electronic procurement systems of the member countries. Demo data: values generated for the "
            "demonstration.",
            "Sistemas electrónicos de compras públicas de los países miembros. Datos de demostración: valores "
            "generados para la demostración.",
        ),
        "higher_is_better": True, "position": 2,
    },
]  # fmt: skip

# Anchor values (year → value) per country; years between anchors are interpolated.
UNEMPLOYMENT = {
    "CL": {2010: 8.4, 2013: 6.0, 2016: 6.7, 2019: 7.2, 2020: 10.8, 2021: 8.9, 2022: 7.9, 2023: 8.7, 2025: 8.5},
    "CO": {2010: 11.8, 2013: 9.6, 2016: 9.2, 2019: 10.5, 2020: 15.9, 2021: 13.8, 2022: 11.2, 2023: 10.2, 2025: 9.4},
    "MX": {2010: 5.3, 2013: 4.9, 2016: 3.9, 2019: 3.5, 2020: 4.4, 2021: 4.1, 2022: 3.3, 2023: 2.8, 2025: 2.7},
    "PE": {2010: 4.1, 2013: 4.0, 2016: 4.2, 2019: 3.9, 2020: 7.4, 2021: 5.7, 2022: 4.4, 2023: 5.4, 2025: 5.1},
}
WOMEN_GAP = {"CL": 1.0, "CO": 3.9, "MX": 0.2, "PE": 0.6}  # points above the total
EDUCATION = {  # multiplier of the total rate per ISCED group
    "CL": {"ISCED11_0T2": 0.85, "ISCED11_3T4": 1.12, "ISCED11_5T8": 0.82},
    "CO": {"ISCED11_0T2": 0.88, "ISCED11_3T4": 1.15, "ISCED11_5T8": 0.93},
    "MX": {"ISCED11_0T2": 0.86, "ISCED11_3T4": 1.10, "ISCED11_5T8": 1.06},
    "PE": {"ISCED11_0T2": 0.68, "ISCED11_3T4": 1.12, "ISCED11_5T8": 1.14},
}
TERTIARY_EMPLOYMENT = {"CL": 84.0, "CO": 80.5, "MX": 79.0, "PE": 82.5}
TERTIARY_WOMEN_GAP = {"CL": 7.0, "CO": 8.0, "MX": 12.5, "PE": 8.5}  # points below the total
INFORMALITY = {
    "CL": {2010: 30.2, 2015: 29.1, 2019: 28.2, 2020: 26.1, 2022: 27.6, 2025: 26.8},
    "CO": {2010: 65.1, 2015: 63.0, 2019: 62.1, 2020: 61.0, 2022: 58.6, 2025: 57.4},
    "MX": {2010: 59.3, 2015: 57.8, 2019: 56.5, 2020: 55.5, 2022: 55.8, 2025: 54.6},
    "PE": {2010: 77.1, 2012: 74.3, 2015: 73.2, 2019: 72.7, 2020: 75.3, 2022: 75.7, 2025: 71.0},
}
INFORMALITY_WOMEN_GAP = {"CL": 2.1, "CO": 2.8, "MX": 1.9, "PE": 4.2}
PROCUREMENT_GDP = {
    "CL": {2010: 4.1, 2016: 4.3, 2020: 4.9, 2025: 4.4},
    "CO": {2010: 5.6, 2016: 6.0, 2020: 6.6, 2025: 6.1},
    "MX": {2010: 5.2, 2016: 5.0, 2020: 5.3, 2025: 4.8},
    "PE": {2010: 6.9, 2016: 7.3, 2020: 7.9, 2025: 7.4},
}
SME_SHARE = {
    "CL": {2010: 43.0, 2016: 48.5, 2020: 52.0, 2025: 55.0},
    "CO": {2010: 31.0, 2016: 34.0, 2020: 36.5, 2025: 39.0},
    "MX": {2010: 19.0, 2016: 22.5, 2020: 24.0, 2025: 27.5},
    "PE": {2010: 38.0, 2016: 42.0, 2020: 44.5, 2025: 47.0},
}
SHARE_OF_WOMEN_IN_LABOUR_FORCE = 0.42


def _path(anchors: dict[int, float], year: float) -> float:
    """The anchors joined by straight lines (flat before the first and after the last)."""
    years = sorted(anchors)
    if year <= years[0]:
        return anchors[years[0]]
    for low, high in zip(years, years[1:], strict=False):
        if year <= high:
            return anchors[low] + (anchors[high] - anchors[low]) * (year - low) / (high - low)
    return anchors[years[-1]]


def _flag(year: int) -> str:
    return "P" if year == LATEST else ""


def _split_by_sex(total: float, women_gap: float) -> dict[str, float]:
    women = total + women_gap
    men = total - women_gap * SHARE_OF_WOMEN_IN_LABOUR_FORCE / (1 - SHARE_OF_WOMEN_IN_LABOUR_FORCE)
    return {"_T": total, "F": women, "M": men}


def labour_rows(seed: int = 2026) -> Iterator[tuple[int, dict]]:
    """The labour observatory's demo series, as rows of the import template."""
    rng = random.Random(seed)
    number = 1
    for country in COUNTRIES:
        for year in YEARS:
            total = _path(UNEMPLOYMENT[country], year) + rng.gauss(0, 0.12)
            for sex, rate in _split_by_sex(total, WOMEN_GAP[country]).items():
                groups = {"_T": rate, **{code: rate * m for code, m in EDUCATION[country].items()}}
                for education, value in groups.items():
                    number += 1
                    yield number, _row("UNE_EDU_RT", country, str(year), value + rng.gauss(0, 0.08), sex,
                                       education=education, flag=_flag(year))  # fmt: skip
            covid = {2020: -5.5, 2021: -2.5, 2022: -0.8}.get(year, 0.0)
            tertiary = TERTIARY_EMPLOYMENT[country] + 0.12 * (year - 2010) + covid + rng.gauss(0, 0.3)
            gap = TERTIARY_WOMEN_GAP[country] - 0.15 * (year - 2010)
            for sex, value in {"_T": tertiary, "F": tertiary - gap * 0.55, "M": tertiary + gap * 0.45}.items():
                number += 1
                yield number, _row("EMP_TER_RT", country, str(year), value, sex, flag=_flag(year))
            informal = _path(INFORMALITY[country], year) + rng.gauss(0, 0.25)
            for sex, value in _split_by_sex(informal, INFORMALITY_WOMEN_GAP[country]).items():
                number += 1
                is_break = country == "PE" and year == 2012
                yield number, _row(
                    "INF_EMP_SH", country, str(year), value, sex, flag="B" if is_break else _flag(year),
                    footnote="Demo data: a change of survey method is simulated from 2012." if is_break else "",
                )  # fmt: skip
            for quarter in range(1, 5):
                if year == LATEST and quarter > 2:
                    break
                seasonal = {1: 0.35, 2: 0.05, 3: -0.1, 4: -0.3}[quarter]
                rate = _path(UNEMPLOYMENT[country], year + (quarter - 2.5) / 4) + seasonal + rng.gauss(0, 0.1)
                for sex, value in _split_by_sex(rate, WOMEN_GAP[country]).items():
                    number += 1
                    yield number, _row("UNE_Q_RT", country, f"{year}-Q{quarter}", value, sex, flag=_flag(year))


def procurement_rows(seed: int = 2027) -> Iterator[tuple[int, dict]]:
    """The procurement observatory's demo series, as rows of the import template."""
    rng = random.Random(seed)
    number = 1
    for country in COUNTRIES:
        for year in range(2010, LATEST):
            number += 1
            value = _path(PROCUREMENT_GDP[country], year) + rng.gauss(0, 0.08)
            yield number, _row("PP_GDP_SH", country, str(year), value, "_T", flag="P" if year == LATEST - 1 else "")
            number += 1
            value = _path(SME_SHARE[country], year) + rng.gauss(0, 0.6)
            yield number, _row("PP_SME_SH", country, str(year), value, "_T", flag="P" if year == LATEST - 1 else "")


def _row(indicator, country, period, value, sex, *, education="_T", flag="", footnote="") -> dict:
    return {
        "indicator": indicator, "country": country, "period": period, "value": round(value, 2), "sex": sex,
        "age": "_T", "education": education, "status": flag, "footnote": footnote, "unit": "PT",
    }  # fmt: skip
