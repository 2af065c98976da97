"""What the feature apps tell ``following``: what a person can follow, and what each app published.

``following`` imports none of the feature apps; each registers from its AppConfig.ready():

- a **followable** model: ``register_followable(Followable("observatory", Observatory, ...))``.
  Its objects get a Follow button (``{% follow_button observatory %}``, following's template
  tag) and a place in "What I follow"; ``choices()`` lists those a person may pick.
- a **digest section**: ``register_digest_section(DigestSection("publications", ...))``.
  ``collect(period, only=None)`` returns the section's items for the period (what was
  published in it, or what is open at its end: upcoming events, consultations closing soon),
  or, with ``only`` (primary keys), those items whatever the period (the web version of a
  digest sent earlier). It must run a fixed number of queries whatever the number of items,
  and give each item the **tags** it matches: ``tag(obj)`` of the observatory, countries,
  bodies, topics… it belongs to. A person receives an item when one of its tags is one of
  the things they follow (or when they follow everything).
- **tags for another app's items**: ``register_tags("portal.news", tags_for)`` where
  ``tags_for(pks) -> {pk: {tag, …}}`` (one query): what an app knows about items it does not
  own (the observatory a news item or an event is linked to).

The arrows point from the feature apps to ``following`` (never back) because the knowledge
is theirs: what an observatory is, what an event "with registration open" means. A new app
joins the digests by registering, and following does not change; the feature templates use
following's template tag for the button, which is a dependency in the same direction.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


def tag(obj) -> str:
    """What a follow of ``obj`` matches: ``"observatory.observatory:3"``."""
    return f"{obj._meta.label_lower}:{obj.pk}"


def tag_of(label: str, pk) -> str:
    return f"{label}:{pk}"


@dataclass(frozen=True)
class Followable:
    key: str  # in URLs and forms: "observatory", "topic"
    model: type
    label: str  # plural, for "What I follow": "Observatories"
    choices: Callable  # () -> QuerySet of the objects a person may follow (public ones)
    order: int = 100


@dataclass(frozen=True)
class Period:
    """What a digest covers: ``start`` ≤ published < ``end``; ``end`` is also "now" for the sections
    that show what is open (events with registration open, consultations closing soon)."""

    start: datetime
    end: datetime
    frequency: str


@dataclass
class DigestItem:
    obj: object  # the item, rendered in each recipient's language by the section's template
    tags: set = field(default_factory=set)


@dataclass(frozen=True)
class DigestSection:
    key: str
    label: str
    collect: Callable  # (period: Period, only: list[int] | None) -> list[DigestItem]
    template: str  # renders one item as ``item``, with ``format``: "email" (inline styles), "text" or "web"
    order: int = 100


_followables: dict[str, Followable] = {}
_sections: dict[str, DigestSection] = {}
_tags: dict[str, list[Callable]] = {}


def register_followable(followable: Followable) -> None:
    _followables[followable.key] = followable


def followables() -> list[Followable]:
    return sorted(_followables.values(), key=lambda followable: (followable.order, followable.key))


def followable_for_model(model) -> Followable | None:
    for followable in _followables.values():
        if followable.model is model or followable.model._meta.label_lower == model._meta.label_lower:
            return followable
    return None


def followable(key: str) -> Followable | None:
    return _followables.get(key)


def register_digest_section(section: DigestSection) -> None:
    _sections[section.key] = section


def digest_sections() -> list[DigestSection]:
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))


def register_tags(model_label: str, tags_for: Callable) -> None:
    _tags.setdefault(model_label.lower(), []).append(tags_for)


def extra_tags(model_label: str, pks: list) -> dict:
    """``{pk: {tag, …}}`` from every app that registered tags for ``model_label`` (one query each)."""
    found: dict = {}
    for tags_for in _tags.get(model_label.lower(), []):
        for pk, tags in tags_for(pks).items():
            found.setdefault(pk, set()).update(tags)
    return found
