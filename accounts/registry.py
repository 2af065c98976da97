"""What other apps tell "My account" about a participant's data.

An app that stores personal data (event registrations, comments on publications)
registers a ``PersonalData`` from its AppConfig.ready():

- ``export(user)`` returns JSON-ready data for "Download my data";
- ``erase(user)`` removes or anonymises that data when the account is deleted (keep rows
  that counts depend on, without anything that identifies the person);
- ``section_template`` / ``section_context(user)`` render its section on "My account".

accounts never imports those apps: they come to it.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PersonalData:
    key: str
    label: str
    export: Callable
    erase: Callable
    section_template: str | None = None
    section_context: Callable | None = None
    order: int = 100


_sources: dict[str, PersonalData] = {}


def register(source: PersonalData) -> None:
    _sources[source.key] = source


def sources() -> list[PersonalData]:
    return sorted(_sources.values(), key=lambda source: (source.order, source.key))


# --- The news opt-in ---------------------------------------------------------------------------
# Another app decides what "news by email" sends (following: the digest of everything). It is
# told, in the transaction that saves the profile, each time a participant ticks or unticks it
# (at sign-up, in "Edit my profile", through the API).

_news_listeners: list[Callable] = []


def on_news_opt_in(listener: Callable) -> None:
    """``listener(user=…, wants_news=…)``."""
    if listener not in _news_listeners:
        _news_listeners.append(listener)


def news_opt_in_changed(*, user, wants_news: bool) -> None:
    for listener in _news_listeners:
        listener(user=user, wants_news=wants_news)
