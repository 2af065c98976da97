"""Where the feature apps plug into site-wide pages without portal importing them.

From its AppConfig.ready(), an app may register:

- a **search provider**: ``register_search(SearchProvider(...))``; /search/ lists each
  provider's results under its label. ``search(text)`` returns a queryset of public items
  only (use the app's ``published()`` read and ``portal.search.search``). Its ``vocabulary()``
  gives the titles of those public items (every language), from which "Did you mean …?"
  suggestions are drawn (portal.vocabulary); only what it gives can ever be suggested.
- a **home block**: ``register_home_block(HomeBlock(...))``; the home page includes its
  template with ``block_context(request)`` as ``data``, in ``order``. Its ``tags`` say what
  it shows (``portal.cache`` tags, e.g. ``kind(Event)``), so that the cached home turns when
  that changes; a block without them makes the home turn with every type's lists.
- a **sitemap**: ``register_sitemap("events", EventSitemap)``.
- an **API endpoint**: ``register_api("events", EventViewSet, basename="event")`` under /api/v1/.
- a **sweep**: ``register_sweep(Sweep(key, run))``, run by the task workers on a schedule.
- an **object action**: ``register_object_action(key, render)``; ``{% object_actions obj %}``
  (portal's ``object_actions`` tag library) shows what ``render(context, obj)`` returns (safe
  HTML, or "" when it has nothing for that object) on the pages of portal's own objects (the
  Follow button of a topic, country or body on the lists they filter).

Each must run a fixed number of queries whatever the amount of content.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SearchProvider:
    key: str
    label: str
    search: Callable  # (text: str) -> QuerySet of public items, best first
    result_template: str  # renders one result as ``item``
    more_url: Callable | None = None  # (text) -> URL of the full, filterable list for this text
    order: int = 100
    vocabulary: Callable | None = None  # () -> iterable of the public items' titles (str), any language


@dataclass(frozen=True)
class HomeBlock:
    key: str
    template: str
    block_context: Callable  # (request) -> dict
    order: int = 100
    #: What the block shows (portal.cache tags: the types it lists); None: every type's lists.
    tags: tuple[str, ...] | None = None


_search: dict[str, SearchProvider] = {}
_home: dict[str, HomeBlock] = {}
_sitemaps: dict[str, type] = {}
_object_actions: dict[str, Callable] = {}


def register_object_action(key: str, render: Callable) -> None:
    """``render(template_context, obj) -> str`` (safe HTML, "" for nothing)."""
    _object_actions[key] = render


def object_actions() -> list[Callable]:
    return list(_object_actions.values())


def register_search(provider: SearchProvider) -> None:
    _search[provider.key] = provider


def search_providers() -> list[SearchProvider]:
    return sorted(_search.values(), key=lambda provider: (provider.order, provider.key))


def register_home_block(block: HomeBlock) -> None:
    _home[block.key] = block


def home_blocks() -> list[HomeBlock]:
    return sorted(_home.values(), key=lambda block: (block.order, block.key))


def register_sitemap(key: str, sitemap: type) -> None:
    _sitemaps[key] = sitemap


def sitemaps() -> dict[str, type]:
    return dict(_sitemaps)


_api: dict[str, tuple[type, str]] = {}


def register_api(prefix: str, viewset: type, *, basename: str) -> None:
    _api[prefix] = (viewset, basename)


def api_endpoints() -> dict[str, tuple[type, str]]:
    return dict(_api)


_api_paths: list = []


def register_api_paths(patterns: list) -> None:
    """Extra /api/v1/ URL patterns (for endpoints that are not a router's viewset)."""
    _api_paths.extend(patterns)


def api_paths() -> list:
    return list(_api_paths)


# --- Sweeps ---------------------------------------------------------------------------------
# Work that the task workers do by themselves on a schedule (portal.workers): each app
# registers what it owes and finds by looking at its own state (an email not yet sent for a
# change, a reminder due). Every sweep must be safe to run at any time, on several workers at once.


@dataclass(frozen=True)
class Sweep:
    key: str
    run: Callable  # () -> int: how many things it did
    order: int = 100


_sweeps: dict[str, Sweep] = {}


def register_sweep(sweep: Sweep) -> None:
    _sweeps[sweep.key] = sweep


def sweeps() -> list[Sweep]:
    return sorted(_sweeps.values(), key=lambda sweep: (sweep.order, sweep.key))
