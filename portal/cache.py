"""Whole-page caching for anonymous visitors, invalidated the moment what a page shows changes,
and only where it changes.

A cached page remembers the *tags* of what it shows and the version each tag had when the
page was made; a hit is served only while those versions still hold. The tags:

- ``item(obj)`` (``portal.news:12``): one item, on its own page and in the cards of pages
  that show it;
- ``kind(Model)`` (``portal.news``): the lists of a type, where any of its items may appear
  (the news list, the library, the events list, the home's blocks, an observatory's list);
- ``related(Model, obj)`` (``portal.news@portal.topic:5``): the set of items of ``Model``
  linked to ``obj`` (the news of a topic, the events a publication came out of), which a
  page's "related" block and a list filtered by that term (``/news/?topic=…``) show;
- ``LISTS``: every type's lists at once (``lists_tags()``): what a page that declares nothing
  depends on (search, the sitemap), so it is turned by every change of any type's lists;
- ``EVERY_PAGE``: on every page (the taxonomy's names, a bulk rewrite).

Views declare what their page shows in one call, ``shows(response, *tags)``: a detail page
its item and the related sets it shows, a list page the types it lists (or the related set
of the term it is filtered by); a page that declares nothing depends on ``LISTS``. Each app
declares, in its ``apps.py``, which of its models and fields public pages show (``watch``):
a save or delete that changes one of those on a row that pages show turns the row's tags (its
item and its type, the related sets of what it is linked to; a part's item and type, e.g. a
speaker's event), so only the pages that show it are stale; the next visitor gets a fresh
one. A save that no page shows (a draft's edit, an email stamp, a comment waiting for
moderation) turns nothing. Items scheduled for later go live by time, not by a save: the
soonest scheduled time is kept with the version, and when it passes the items that went live
turn their tags as a publish would (``content_version``).

A tag's version is the time it turned (nanoseconds), so that a page whose rendering overlaps
a change is not kept (``page_versions``). Every process keeps the versions it has read until
the content version (turned by every change) moves: a hit costs one cache read, as before.
"""

import hashlib
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from django.apps import apps
from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from portal.models import Publishable
from portal.search import translated_fields
from portal.status import Status

#: Turned by every watched change: tells each process that the tag versions it read may be old.
VERSION_KEY = "portal:content-version"
#: ``(version, epoch seconds)``: when the soonest scheduled item goes live, as computed for that
#: version (0: nothing is scheduled). Tagged with the version so that a value computed just
#: before a change is never taken for the new version's.
NEXT_LIVE_KEY = "portal:next-live"
TAG_KEY = "portal:tag:"
PAGE_TTL = 300  # seconds; an upper bound, the tags do the real invalidation
_MISSING = object()

#: On every page: what turns it makes every cached page and content-cache entry stale.
EVERY_PAGE = "*"
#: Every type's lists (``lists_tags()``): what a page that declares no tags depends on. Not a
#: key of its own: on a page, in ``remember`` and in ``bump`` it stands for every watched type's
#: tag, so any change that shows on a list turns such a page, and a change turns only its type.
LISTS = "lists"


def item(obj) -> str | None:
    """The tag of one item: its own page and every card of it (``None`` for no item: an
    optional link left empty, which ``shows`` skips)."""
    return None if obj is None else f"{obj._meta.label_lower}:{obj.pk}"


def kind(model) -> str:
    """The tag of a type's items as a whole (its lists)."""
    return model._meta.label_lower


def related(model, obj) -> str:
    """The tag of the set of ``model``'s items linked to ``obj`` (a topic's news, a publication's events)."""
    return f"{model._meta.label_lower}@{obj._meta.label_lower}:{obj.pk}"


def years(model) -> str:
    """The tag of the years a type's items were published in (a list's year filter, which a
    list filtered by a term shows for every item of the type)."""
    return f"{model._meta.label_lower}#years"


def shows(response, *tags: str | None):
    """Declare what ``response``'s page shows: it is kept until one of ``tags`` turns (or
    ``EVERY_PAGE``). Without it, a page depends on ``LISTS`` (every type's lists)."""
    response.page_tags = tuple(dict.fromkeys(tag for tag in tags if tag))
    return response


def page_tags(response) -> tuple[str, ...]:
    return expand((EVERY_PAGE, *(getattr(response, "page_tags", None) or (LISTS,))))


def lists_tags() -> tuple[str, ...]:
    """What ``LISTS`` stands for: the tag of every type a change may show on lists (each
    watched model's but the parts', which turn their item's type, and the taxonomy's, which
    turns ``EVERY_PAGE``)."""
    return tuple(sorted(kind(model) for model, spec in _watches.items() if not spec.part_of and not spec.everywhere))


def expand(tags: Iterable[str]) -> tuple[str, ...]:
    """``tags`` with ``LISTS`` replaced by the tags it stands for (``lists_tags()``)."""
    tags = tuple(tags)
    if LISTS not in tags:
        return tags
    return tuple(dict.fromkeys(expanded for tag in tags for expanded in (lists_tags() if tag == LISTS else (tag,))))


# --- Versions -----------------------------------------------------------------------------------

#: This process's last read of the content version: (version, until when it may be reused, monotonic s).
_recent = [None, 0.0]
#: The tag versions this process has read, valid while the content version is ``_seen[0]``.
_seen: list = [None, {}]


def content_version() -> int:
    """The content version: changes on every watched change, and when a scheduled item goes live.

    Read from the shared cache at most once per ``CONTENT_VERSION_REUSE_SECONDS`` per process
    (one ``get_many`` of both keys): a change made in another process shows within that time,
    one made in this process at once. The soonest scheduled time is looked up in the database
    once per version; when it has passed, the items that went live turn their tags.
    """
    version, until = _recent
    if version is not None and time.monotonic() < until:
        return version
    values = cache.get_many([VERSION_KEY, NEXT_LIVE_KEY])
    version = values.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, int(timezone.now().timestamp() * 1000), None)
        version = cache.get(VERSION_KEY)
    next_live = values.get(NEXT_LIVE_KEY)
    if not next_live or next_live[0] != version:
        cache.set(NEXT_LIVE_KEY, (version, _soonest_scheduled()), None)
    elif next_live[1] and timezone.now().timestamp() >= next_live[1]:
        _go_live(since=next_live[1])
        return content_version()
    if _seen[0] != version:
        _seen[:] = [version, {}]
    _recent[:] = [version, time.monotonic() + settings.CONTENT_VERSION_REUSE_SECONDS]
    return version


def versions(tags: Iterable[str]) -> tuple:
    """The current versions of ``tags``: from this process's memory while the content version
    holds, else one ``get_many``."""
    content_version()
    known = _seen[1]
    tags = tuple(tags)
    missing = [tag for tag in tags if tag not in known]
    if missing:
        known.update(_read(missing))
    return tuple(known[tag] for tag in tags)


def page_versions(tags: Iterable[str], *, since_ns: int) -> tuple | None:
    """The versions of ``tags`` read now from the shared cache, for a page rendered from
    ``since_ns`` on; ``None`` if one of them turned since (the page may show what was there
    before the change, under the version after it: it is not kept)."""
    tags = tuple(tags)
    read = _read(tags)
    current = tuple(read[tag] for tag in tags)
    if any(value >= since_ns for value in current):
        return None
    return current


def _read(tags) -> dict[str, int]:
    keys = {TAG_KEY + tag: tag for tag in tags}
    values = cache.get_many(list(keys))
    absent = [key for key in keys if key not in values]
    if absent:
        # Never turned (or evicted): a version older than any page being made now, unlike any earlier one.
        start = time.time_ns() - 3_600 * 10**9
        for key in absent:
            cache.add(key, start - random.randrange(10**9), None)
        values.update(cache.get_many(absent))
    return {tag: values[key] for key, tag in keys.items()}


def bump(tags: Iterable[str]) -> None:
    """Turn ``tags`` now (and the content version, so that every process rereads them);
    ``LISTS`` turns every type's lists."""
    tags = set(expand(tags))
    if not tags:
        return
    now = time.time_ns()
    cache.set_many({TAG_KEY + tag: now for tag in tags}, None)
    _recent[:] = [None, 0.0]
    _seen[:] = [None, {}]
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted): any new value invalidates
        cache.set(VERSION_KEY, int(timezone.now().timestamp() * 1000), None)


def changed(tags: Iterable[str]) -> None:
    """What a watched change calls: ``tags`` turn now (this process's next page is fresh) and
    again once the transaction commits (another process may have cached the old content in
    between)."""
    tags = frozenset(tags)
    bump(tags)
    transaction.on_commit(partial(bump, tags))


def bump_content_version(**kwargs) -> None:
    """Every cached page and content-cache entry is stale (a bulk rewrite no ``watch`` sees)."""
    bump({EVERY_PAGE})


def content_changed() -> None:
    """A change no ``watch`` sees (an UPDATE) that may show on any page: now and on commit."""
    changed({EVERY_PAGE})


def _soonest_scheduled() -> float:
    """Epoch seconds at which the next scheduled item goes live, 0 if none is scheduled.

    One query whatever the number of publishable types: the scheduled times of every type in
    one UNION ALL (scheduled items are few), the soonest taken here.
    """
    reads = [
        model.objects.scheduled().order_by().values_list("published_at", flat=True)
        for model in apps.get_models()
        if issubclass(model, Publishable)
    ]
    if not reads:
        return 0
    times = list(reads[0].union(*reads[1:], all=True)) if len(reads) > 1 else list(reads[0])
    return min(times).timestamp() if times else 0


def _go_live(*, since: float) -> None:
    """The scheduled items whose time came (from ``since``, the soonest scheduled time) turn
    their tags, as their publish would have; nothing was saved."""
    start = datetime.fromtimestamp(since, tz=UTC) - timedelta(seconds=1)
    tags = set()
    for model, spec in _watches.items():
        if issubclass(model, Publishable) and not spec.part_of:
            for row in model.objects.published().filter(published_at__gte=start):
                tags |= spec.tags_of(row)
    # None found (deleted meanwhile): every list, so that the version moves on all the same.
    bump(tags or {LISTS})


def remember(name: str, compute, *vary_on, tags: Iterable[str] = (LISTS,)):
    """``compute()``, kept in the content cache until one of ``tags`` turns.

    For data shown to everyone that only published content decides (a list of years, a
    facet's choices): computed once per change instead of once per request. With
    ``CONTENT_CACHE`` off (no cache shared by every process; tests) it simply computes.
    """
    if not settings.CONTENT_CACHE:
        return compute()
    store = caches["content"]
    tags = expand((EVERY_PAGE, *tags))
    variant = hashlib.sha256("\x1f".join(map(str, vary_on)).encode()).hexdigest()[:32]
    key = f"data:{name}:{variant}"
    # Read before computing: a change during the computation leaves an entry that is already stale.
    current = versions(tags)
    entry = store.get(key, _MISSING)
    if entry is not _MISSING and entry[0] == tags and entry[1] == current:
        return entry[2]
    value = compute()
    store.set(key, (tags, current, value), PAGE_TTL)
    return value


# --- What public pages show: declared per app with ``watch`` ---------------------------------

#: ``fields=ALL``: every field of the model but those in ``ignore``.
ALL = "__all__"
#: ``shown_when`` of a publishable type: it is on public pages once published (a scheduled item
#: too: its tags turn again when it goes live, see ``content_version``).
PUBLISHED = {"status": Status.PUBLISHED}
#: A publishable type's own bookkeeping, which no page shows.
BOOKKEEPING = ("search_document", "created_at", "updated_at")


@dataclass(frozen=True)
class Watch:
    model: type
    #: Stored fields pages show: (name, attname), every language of a translated field.
    columns: tuple[tuple[str, str], ...]
    #: Many-to-many fields pages show.
    many_to_many: tuple[str, ...]
    #: Field → the value (or, with a ``__in`` suffix, the values) a row must have to be shown.
    shown_when: Mapping[str, object]
    #: The foreign key to the item this row is part of (shown when that item is).
    part_of: str | None
    #: Whether the row shows on lists (else on its item's page only: ``part_of``'s item).
    on_lists: bool = True
    #: Whether the row shows on every page (the taxonomy's names).
    everywhere: bool = False
    #: ``also(row)``: more tags a change of the row turns (what it carries that no link says).
    also: Callable[[object], Iterable[str]] | None = None

    def read(self) -> set[str]:
        """What a change must touch to matter: the fields shown and those that decide whether
        the row is shown (a save of other fields, e.g. a stamp, needs no look)."""
        names = {name for name, _attname in self.columns} | {key.split("__")[0] for key in self.shown_when}
        return names | ({self.part_of} if self.part_of else set())

    def attnames(self) -> list[str]:
        shown = [self.model._meta.get_field(key.split("__")[0]).attname for key in self.shown_when]
        part = [self.model._meta.get_field(self.part_of).attname] if self.part_of else []
        links = [field.attname for field in self._foreign_keys()]
        return list(dict.fromkeys([attname for _name, attname in self.columns] + shown + part + links))

    def is_shown(self, row) -> bool:
        """Whether pages show ``row`` (an instance, or a dict of the stored values)."""
        for key, wanted in self.shown_when.items():
            name, _sep, lookup = key.partition("__")
            value = _stored(row, self.model._meta.get_field(name).attname)
            if (value not in wanted) if lookup == "in" else (value != wanted):
                return False
        if self.part_of and self.on_lists:
            field = self.model._meta.get_field(self.part_of)
            parent_id = _stored(row, field.attname)
            parent = _watches.get(field.related_model)
            if parent_id is None or parent is None:
                return False
            stored = field.related_model._base_manager.filter(pk=parent_id).values(*parent.attnames()).first()
            return stored is not None and parent.is_shown(stored)
        return True

    def tags_of(self, instance, before=None) -> set[str]:
        """The tags a change of ``instance`` (stored as ``before``) turns: see the module's docstring."""
        if self.everywhere:
            return {EVERY_PAGE}
        also = set(self.also(instance) if self.also else ())
        if self.part_of:
            field = self.model._meta.get_field(self.part_of)
            parent_ids = {_stored(instance, field.attname)} | ({_stored(before, field.attname)} if before else set())
            parent_ids.discard(None)
            tags = {f"{field.related_model._meta.label_lower}:{pk}" for pk in parent_ids}
            return tags | also | ({kind(field.related_model)} if self.on_lists else set())
        tags = {item(instance)} | ({kind(self.model)} if self.on_lists else set())
        mine = self.model._meta.label_lower
        for field in self._foreign_keys():
            for row in (instance, before) if before else (instance,):
                if (pk := _stored(row, field.attname)) is not None:
                    tags.add(f"{mine}@{field.related_model._meta.label_lower}:{pk}")
        for accessor, other in self._links():
            for pk in getattr(instance, accessor).values_list("pk", flat=True):
                tags.add(f"{mine}@{other._meta.label_lower}:{pk}")
        return tags | also

    def _foreign_keys(self):
        """Foreign keys to what pages show (not the item this row is part of)."""
        return [
            field
            for field in self.model._meta.concrete_fields
            if field.many_to_one and field.name != self.part_of and field.related_model in _watches
        ]

    def _links(self):
        """(accessor, model) of every many-to-many link, either side, to what pages show."""
        opts = self.model._meta
        forward = [(field.name, field.related_model) for field in opts.many_to_many]
        backward = [
            (rel.get_accessor_name(), rel.related_model)
            for rel in opts.related_objects
            if rel.many_to_many and not rel.get_accessor_name().endswith("+")
        ]
        return [(accessor, model) for accessor, model in forward + backward if model in _watches]


_watches: dict[type, Watch] = {}


def watch(
    model,
    *,
    fields: Iterable[str] | str = ALL,
    ignore: Iterable[str] = (),
    shown_when: Mapping[str, object] | None = None,
    part_of: str | None = None,
    on_lists: bool = True,
    everywhere: bool = False,
    also: Callable[[object], Iterable[str]] | None = None,
) -> None:
    """Declare that public pages show ``fields`` of ``model`` (from the app's ``apps.py``).

    A row's tags turn when a row that pages show (before or after the change) is created,
    deleted, becomes shown or stops being shown, or has one of ``fields`` changed (a
    translated field in either language; a many-to-many field by an add, remove or clear).
    Which tags: its item's and its type's, and the related sets of what it links to
    (``related(Model, obj)`` for each foreign key and many-to-many link, either side, to a
    watched model).

    - ``fields``: the names pages show, or ``ALL`` (every field but ``ignore``).
    - ``shown_when``: which rows pages show, e.g. ``PUBLISHED`` (``{"status": "published"}``)
      or ``{"status__in": (...)}``; without it, every row.
    - ``part_of``: the foreign key of a row shown as part of another watched model's item (a
      news item's links, an event's speakers): it is shown when that item is, and turns that
      item's tags.
    - ``on_lists=False`` (with ``part_of``): the row shows on its item's page only (an
      approved comment, the seats a registration takes): it turns that item's tag alone,
      without a look at whether the item is shown (a tag no cached page holds costs nothing).
    - ``everywhere``: the row shows on every page (the taxonomy's names): it turns them all.
    - ``also``: ``also(row)`` gives more tags to turn, for what a row carries that no link
      says (a dataset version: the pages of the indicators it has figures for).

    Costs one query per save of a watched model (its stored values, to compare), none for a
    save whose ``update_fields`` touch nothing ``watch`` reads; a change that matters costs one
    query per many-to-many link (the related sets it turns).
    """
    if not on_lists and not part_of:
        raise ValueError("on_lists=False needs part_of: the item whose page shows the row.")
    opts = model._meta
    ignored = set(ignore)
    if fields == ALL:
        names = [
            field.name
            for field in (*opts.concrete_fields, *opts.many_to_many)
            if not field.primary_key and field.name not in ignored
        ]
        # A translated field's own column mirrors one language; its languages' columns are listed.
        names = [name for name in names if translated_fields(model, (name,)) == (name,)]
    else:
        names = list(fields)
    stored = translated_fields(model, names)
    columns = tuple((name, opts.get_field(name).attname) for name in stored if not opts.get_field(name).many_to_many)
    many_to_many = tuple(name for name in stored if opts.get_field(name).many_to_many)
    _watches[model] = Watch(model, columns, many_to_many, dict(shown_when or {}), part_of, on_lists, everywhere, also)
    label = opts.label
    pre_save.connect(_before_save, sender=model, dispatch_uid=f"portal.cache.pre_save.{label}")
    post_save.connect(_after_save, sender=model, dispatch_uid=f"portal.cache.save.{label}")
    pre_delete.connect(_before_delete, sender=model, dispatch_uid=f"portal.cache.pre_delete.{label}")
    post_delete.connect(_after_delete, sender=model, dispatch_uid=f"portal.cache.delete.{label}")
    for name in many_to_many:
        m2m_changed.connect(
            _after_many_to_many,
            sender=opts.get_field(name).remote_field.through,
            dispatch_uid=f"portal.cache.m2m.{label}.{name}",
        )


def watched() -> dict[type, Watch]:
    """What each app declared (for tests and the curious)."""
    return dict(_watches)


def _stored(row, attname):
    value = row.get(attname) if isinstance(row, dict) else getattr(row, attname)
    return value.name if isinstance(value, FieldFile) else value


def _touches(spec: Watch, update_fields) -> bool:
    return update_fields is None or bool(set(update_fields) & spec.read())


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    spec = _watches[sender]
    instance._cache_watch_before = None
    if raw or instance._state.adding or instance.pk is None or not _touches(spec, update_fields):
        return
    instance._cache_watch_before = sender._base_manager.filter(pk=instance.pk).values(*spec.attnames()).first()


def _after_save(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    spec = _watches[sender]
    if raw:  # fixtures, a revision's revert: no earlier state to compare with
        changed({EVERY_PAGE})
        return
    if not _touches(spec, update_fields):
        return
    before = getattr(instance, "_cache_watch_before", None)
    instance._cache_watch_before = None
    was_shown = before is not None and spec.is_shown(before)
    is_shown = spec.is_shown(instance)
    if not (was_shown or is_shown):
        return
    if was_shown != is_shown or any(
        _stored(before, attname) != _stored(instance, attname) for _name, attname in spec.columns
    ):
        changed(spec.tags_of(instance, before))


def _before_delete(sender, instance, **kwargs):
    # The links are deleted before the row: its related sets are read while they are there.
    spec = _watches[sender]
    instance._cache_watch_tags = spec.tags_of(instance) if spec.is_shown(instance) else None


def _after_delete(sender, instance, **kwargs):
    tags = getattr(instance, "_cache_watch_tags", None)
    if tags:
        changed(tags)


def _after_many_to_many(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action == "pre_clear":
        # ``clear`` names no rows: the linked ones, read before they go.
        mine, theirs = _through_fields(sender, type(instance), model)
        instance._cache_watch_cleared = set(
            sender.objects.filter(**{mine.attname: instance.pk}).values_list(theirs.attname, flat=True)
        )
        return
    if not action.startswith("post_"):
        return
    # From the side that declares the field (a news item's countries): when pages show the row.
    # From the other side (a country's news), rows of the watched model changed: always.
    spec = _watches.get(type(instance))
    if not reverse and spec is not None and not spec.is_shown(instance):
        return
    linked = set(pk_set or ()) | (getattr(instance, "_cache_watch_cleared", None) or set())
    instance._cache_watch_cleared = None
    tags = _link_tags(type(instance), instance.pk, model, linked)
    for pk in linked:
        tags |= _link_tags(model, pk, type(instance), {instance.pk})
    changed(tags)


def _through_fields(through, model, other):
    """The through model's foreign keys to ``model`` and to ``other``."""
    keys = [field for field in through._meta.fields if field.many_to_one]
    mine = next(field for field in keys if field.related_model is model)
    return mine, next(field for field in keys if field.related_model is other and field is not mine)


def _link_tags(model, pk, other, other_pks) -> set[str]:
    """What a change of ``model`` row ``pk``'s links to ``other_pks`` turns on its side: its
    item (its page shows the links), its lists, the related sets of ``other``'s rows."""
    spec = _watches.get(model)
    if spec is None:
        return set()
    mine = model._meta.label_lower
    tags = {f"{mine}:{pk}"} | ({mine} if spec.on_lists else set())
    return tags | {f"{mine}@{other._meta.label_lower}:{other_pk}" for other_pk in other_pks}
