"""The procurement indicators: what each one is, how it is computed, in both languages.

These texts become the framework's Indicator rows (name, definition, methodology, unit) the
first time an import needs them; editors may then reword them in the admin (an import never
overwrites an indicator that exists). ``procurement.figures`` computes them from the store.
"""

from dataclasses import dataclass

from observatory.models import Indicator, Observatory

#: A tender period shorter than this many days counts as short, per procurement method. The
#: observatory's choice, after the time limits of the WTO Agreement on Government Procurement
#: (Article XI: in general at least 40 days for open tendering, which may be cut to no fewer
#: than 10 days in the cases it lists) and the shorter periods the members' laws allow.
SHORT_TENDER_DAYS = {"open": 30, "selective": 25, "limited": 10}
#: A share or an average computed from fewer records than this is not published.
MIN_RECORDS = 5
COMPETITIVE = ("open", "selective")
CATEGORIES = ("goods", "services", "works")
CATEGORY_NAMES = {"goods": ("goods", "bienes"), "services": ("services", "servicios"), "works": ("works", "obras")}
METHOD_NAMES = {
    "open": ("open", "abiertos"),
    "selective": ("selective", "selectivos"),
    "limited": ("limited", "limitados"),
}

SOURCE = (
    "Computed by the observatory from the OCDS data published by the member countries' procurement systems",
    "Calculado por el observatorio a partir de los datos OCDS que publican los sistemas de compras públicas de los "
    "países miembros",
)
LICENCE = ("The publishers' licences (see “About the procurement data”)",
           "Las licencias de quienes publican los datos (véase «Acerca de los datos de compras públicas»)")  # fmt: skip
COMMON_METHOD = (
    " Per buyer country and year. Processes are compiled from their OCDS releases with the standard's merge rules; "
    "the buyer's country is its address (or its register), else the publisher's country. A value computed from "
    f"fewer than {MIN_RECORDS} records is not published. Coverage, beside each value, is the share of the records "
    "that publish what the value needs.",
    " Por país comprador y año. Los procesos se compilan a partir de sus entregas OCDS con las reglas de fusión del "
    "estándar; el país del comprador es el de su dirección (o su registro) o, en su defecto, el del publicador. No "
    f"se publica un valor calculado con menos de {MIN_RECORDS} registros. La cobertura, junto a cada valor, es la "
    "proporción de registros que publican lo que el valor necesita.",
)
PROCESS_YEAR = (
    " A process's year is that of its tender period's start, else of its first award, else of its first release.",
    " El año de un proceso es el del inicio de su periodo de licitación o, en su defecto, el de su primera "
    "adjudicación o el de su primera entrega.",
)
AWARD_YEAR = (
    " An award's year is that of its date (else of its first contract's signature, else its process's year); "
    "cancelled and unsuccessful awards are left out; an award with several suppliers counts by its first one.",
    " El año de una adjudicación es el de su fecha (o, en su defecto, el de la firma de su primer contrato o el año "
    "de su proceso); se excluyen las adjudicaciones canceladas o fallidas; una adjudicación con varios proveedores "
    "cuenta por el primero.",
)


@dataclass(frozen=True)
class Spec:
    code: str
    slug: str
    name: tuple[str, str]
    definition: tuple[str, str]
    method: tuple[str, str]
    unit: tuple[str, str]
    unit_symbol: str = "%"
    unit_code: str = "PT"
    decimals: int = 1
    higher_is_better: bool | None = None
    position: int = 0

    @property
    def methodology(self) -> tuple[str, str]:
        return self.method[0] + COMMON_METHOD[0], self.method[1] + COMMON_METHOD[1]


PERCENT = ("% of records", "% de los registros")


def _specs() -> list[Spec]:
    specs = [
        Spec("PP_OCDS_PROCESSES", "procurement-processes",
             ("Contracting processes", "Procesos de contratación"),
             ("Number of contracting processes (distinct OCDS ocid) per buyer country and year.",
              "Número de procesos de contratación (ocid OCDS distintos) por país comprador y año."),
             ("Count of the compiled processes." + PROCESS_YEAR[0], "Recuento de los procesos compilados." +
              PROCESS_YEAR[1]),
             ("processes", "procesos"), unit_symbol="", unit_code="NUM", decimals=0, position=10),
        Spec("PP_OCDS_AWARDED_USD", "procurement-awarded-value-usd",
             ("Total awarded value (US dollars)", "Valor total adjudicado (dólares estadounidenses)"),
             ("Sum of the values of the awards, in millions of US dollars.",
              "Suma de los valores de las adjudicaciones, en millones de dólares estadounidenses."),
             ("Each award's value is converted at the yearly average rate of its currency in the observatory's "
              "exchange-rate table (units per US dollar, the award's year); awards without a value or without a rate "
              "for their currency and year are left out, and coverage says how many." + AWARD_YEAR[0],
              "El valor de cada adjudicación se convierte al tipo de cambio medio anual de su moneda en la tabla del "
              "observatorio (unidades por dólar, año de la adjudicación); se excluyen las adjudicaciones sin valor o "
              "sin tipo de cambio para su moneda y año, y la cobertura indica cuántas." + AWARD_YEAR[1]),
             ("millions of US dollars", "millones de dólares estadounidenses"), unit_symbol="", unit_code="USD",
             position=11),
        Spec("PP_OCDS_OPEN_SH", "procurement-open-procedures",
             ("Share of open procedures", "Proporción de procedimientos abiertos"),
             ("Processes whose procurement method is open, as a share of the processes that publish their method.",
              "Procesos cuyo método de contratación es abierto, como proporción de los procesos que publican su "
              "método."),
             ("OCDS tender.procurementMethod = open, among the processes where it is given." + PROCESS_YEAR[0],
              "OCDS tender.procurementMethod = open, entre los procesos que lo indican." + PROCESS_YEAR[1]),
             PERCENT, higher_is_better=True, position=20),
        Spec("PP_OCDS_TENDERERS_AVG", "procurement-average-tenderers",
             ("Average number of tenderers", "Número medio de oferentes"),
             ("Average number of tenderers in open and selective procedures that publish it.",
              "Número medio de oferentes en los procedimientos abiertos y selectivos que lo publican."),
             ("OCDS tender.numberOfTenderers (else the length of tender.tenderers), in processes whose method is "
              "open or selective." + PROCESS_YEAR[0],
              "OCDS tender.numberOfTenderers (o, en su defecto, el número de tender.tenderers), en los procesos cuyo "
              "método es abierto o selectivo." + PROCESS_YEAR[1]),
             ("tenderers per procedure", "oferentes por procedimiento"), unit_symbol="", unit_code="NUM",
             higher_is_better=True, position=21),
        Spec("PP_OCDS_SINGLE_SH", "procurement-single-tenderer",
             ("Competitive procedures with a single tenderer", "Procedimientos competitivos con un solo oferente"),
             ("Open and selective procedures that received exactly one tender, as a share of those that publish "
              "their number of tenderers.",
              "Procedimientos abiertos y selectivos que recibieron una sola oferta, como proporción de los que "
              "publican su número de oferentes."),
             ("numberOfTenderers = 1 (as for the average number of tenderers)." + PROCESS_YEAR[0],
              "numberOfTenderers = 1 (como para el número medio de oferentes)." + PROCESS_YEAR[1]),
             PERCENT, higher_is_better=False, position=22),
    ]  # fmt: skip
    for position, (method, days) in enumerate(SHORT_TENDER_DAYS.items(), start=30):
        en, es = METHOD_NAMES[method]
        specs.append(Spec(
            f"PP_OCDS_SHORT_{method.upper()}_SH", f"procurement-short-tender-periods-{method}",
            (f"Tender periods shorter than {days} days ({en} procedures)",
             f"Periodos de licitación de menos de {days} días (procedimientos {es})"),
            (f"{en.capitalize()} procedures whose tender period lasted less than {days} days, as a share of the {en} "
             "procedures that publish both dates of their tender period.",
             f"Procedimientos {es} cuyo periodo de licitación duró menos de {days} días, como proporción de los "
             f"procedimientos {es} que publican ambas fechas de su periodo de licitación."),
            (f"tender.tenderPeriod.endDate − startDate < {days} days. Thresholds per method: open 30, selective 25, "
             "limited 10 days: the observatory's choice, after the WTO Agreement on Government Procurement "
             "(Article XI: in general at least 40 days for open tendering, which may be cut to no fewer than 10)."
             + PROCESS_YEAR[0],
             f"tender.tenderPeriod.endDate − startDate < {days} días. Umbrales por método: abierto 30, selectivo 25, "
             "limitado 10 días: elección del observatorio, a partir del Acuerdo sobre Contratación Pública de la OMC "
             "(artículo XI: en general al menos 40 días para la licitación abierta, que pueden reducirse hasta no "
             "menos de 10)." + PROCESS_YEAR[1]),
            PERCENT, higher_is_better=False, position=position,
        ))  # fmt: skip
    origin_method = (
        "The supplier's country is its address's country (OCDS parties/address/countryName, in any language), else "
        "the country of its identifier's register (CL-RUT, MX-RFC…); member countries are those of the bloc's "
        "country list with the status member.",
        "El país del proveedor es el de su dirección (OCDS parties/address/countryName, en cualquier idioma) o, en "
        "su defecto, el del registro de su identificador (CL-RUT, MX-RFC…); los países miembros son los de la lista "
        "de países del bloque con la condición de miembro.",
    )
    for position, (key, who_en, who_es) in enumerate(
        (("MEMBER", "from another member country", "de otro país miembro"),
         ("OUTSIDE", "from outside the bloc", "de fuera del bloque")), start=40,
    ):  # fmt: skip
        specs.append(Spec(
            f"PP_OCDS_{key}_SUPPLIER_SH", f"procurement-awards-{key.lower()}-suppliers",
            (f"Awards won by suppliers {who_en}", f"Adjudicaciones ganadas por proveedores {who_es}"),
            (f"Awards won by a supplier {who_en}, as a share of the awards whose supplier's country is known.",
             f"Adjudicaciones ganadas por un proveedor {who_es}, como proporción de las adjudicaciones cuyo país del "
             "proveedor se conoce."),
            (origin_method[0] + AWARD_YEAR[0], origin_method[1] + AWARD_YEAR[1]),
            ("% of awards", "% de las adjudicaciones"), higher_is_better=True if key == "MEMBER" else None,
            position=position * 2,
        ))  # fmt: skip
        specs.append(Spec(
            f"PP_OCDS_{key}_SUPPLIER_VAL_SH", f"procurement-value-{key.lower()}-suppliers",
            (f"Awarded value won by suppliers {who_en}", f"Valor adjudicado a proveedores {who_es}"),
            (f"Value of the awards won by a supplier {who_en}, as a share of the value of the awards whose supplier's "
             "country and value (in US dollars) are known.",
             f"Valor de las adjudicaciones ganadas por un proveedor {who_es}, como proporción del valor de las "
             "adjudicaciones cuyo país del proveedor y valor (en dólares) se conocen."),
            (origin_method[0] + " Values in US dollars as for the total awarded value." + AWARD_YEAR[0],
             origin_method[1] + " Valores en dólares como para el valor total adjudicado." + AWARD_YEAR[1]),
            ("% of awarded value", "% del valor adjudicado"), higher_is_better=True if key == "MEMBER" else None,
            position=position * 2 + 1,
        ))  # fmt: skip
    for position, category in enumerate(CATEGORIES, start=90):
        en, es = CATEGORY_NAMES[category]
        specs.append(Spec(
            f"PP_OCDS_MEMBER_SUPPLIER_{category.upper()}_SH", f"procurement-awards-member-suppliers-{category}",
            (f"Awards won by suppliers from another member country ({en})",
             f"Adjudicaciones ganadas por proveedores de otro país miembro ({es})"),
            (f"As the share of awards won by suppliers from another member country, for the processes whose main "
             f"procurement category is {en}.",
             f"Como la proporción de adjudicaciones ganadas por proveedores de otro país miembro, para los procesos "
             f"cuya categoría principal de contratación es {es}."),
            (f"OCDS tender.mainProcurementCategory = {category}. " + origin_method[0] + AWARD_YEAR[0],
             f"OCDS tender.mainProcurementCategory = {category}. " + origin_method[1] + AWARD_YEAR[1]),
            ("% of awards", "% de las adjudicaciones"), higher_is_better=True, position=position,
        ))  # fmt: skip
    specs.append(Spec(
        "PP_OCDS_SME_SH", "procurement-awards-to-smes",
        ("Awards won by SMEs", "Adjudicaciones ganadas por mipymes"),
        ("Awards won by a micro, small or medium-sized enterprise, as a share of the awards whose supplier's scale "
         "is published.",
         "Adjudicaciones ganadas por una micro, pequeña o mediana empresa, como proporción de las adjudicaciones cuya "
         "escala del proveedor se publica."),
        ("OCDS parties/details/scale of the supplier: micro, sme and selfEmployed count as SMEs, large does not; "
         "each publisher applies its own national definition of an SME." + AWARD_YEAR[0],
         "OCDS parties/details/scale del proveedor: micro, sme y selfEmployed cuentan como mipymes, large no; cada "
         "publicador aplica su propia definición nacional de mipyme." + AWARD_YEAR[1]),
        ("% of awards", "% de las adjudicaciones"), higher_is_better=True, position=95,
    ))  # fmt: skip
    return specs


SPECS = {spec.code: spec for spec in _specs()}


def currency_spec(currency: str) -> Spec:
    """The total awarded value in one currency (one indicator per currency found)."""
    return Spec(
        f"PP_OCDS_AWARDED_IN_{currency}", f"procurement-awarded-value-in-{currency.lower()}",
        (f"Total awarded value in {currency}", f"Valor total adjudicado en {currency}"),
        (f"Sum of the values of the awards made in {currency}, in millions of {currency}.",
         f"Suma de los valores de las adjudicaciones hechas en {currency}, en millones de {currency}."),
        (f"Awards whose value is in {currency}, not converted. Coverage: the share of all the awards of the country "
         "and year that publish a value." + AWARD_YEAR[0],
         f"Adjudicaciones cuyo valor está en {currency}, sin conversión. Cobertura: la proporción de todas las "
         "adjudicaciones del país y año que publican un valor." + AWARD_YEAR[1]),
        (f"millions of {currency}", f"millones de {currency}"), unit_symbol="", unit_code=currency, position=12,
    )  # fmt: skip


def ensure_indicators(observatory: Observatory, specs: list[Spec]) -> dict[str, Indicator]:
    """The Indicator rows of ``specs`` in the observatory, created when missing (never overwritten)."""
    found = {indicator.code: indicator for indicator in Indicator.objects.filter(code__in=[s.code for s in specs])}
    for spec in specs:
        if spec.code in found:
            continue
        found[spec.code] = Indicator.objects.create(
            observatory=observatory, code=spec.code, slug=spec.slug, name_en=spec.name[0], name_es=spec.name[1],
            definition_en=spec.definition[0], definition_es=spec.definition[1], unit_en=spec.unit[0],
            unit_es=spec.unit[1], unit_symbol=spec.unit_symbol, frequency=Indicator.Frequency.YEAR,
            decimals=spec.decimals, methodology_en=spec.methodology[0], methodology_es=spec.methodology[1],
            source_en=SOURCE[0], source_es=SOURCE[1], licence_en=LICENCE[0], licence_es=LICENCE[1],
            higher_is_better=spec.higher_is_better, position=spec.position,
        )  # fmt: skip
    return found
