"""What other apps add to an organisation's page without organisations importing them.

From its AppConfig.ready(), an app registers an ``OrganisationSection``: the organisation
page includes ``template`` with ``section_context(organisation, membership)`` as ``data``
(``membership`` is the viewer's active membership, None for staff). Each must run a fixed
number of queries.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class OrganisationSection:
    key: str
    label: str
    template: str
    section_context: Callable
    order: int = 100


_sections: dict[str, OrganisationSection] = {}


def register_section(section: OrganisationSection) -> None:
    _sections[section.key] = section


def sections() -> list[OrganisationSection]:
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))
