"""Whole-page caching for anonymous visitors, invalidated the moment what a page shows changes.

Every public page is built from published content. Instead of tracking which page shows
which item, the cache key carries a *content version*. Each app declares, in its
``apps.py``, which of its models and fields public pages show (``watch``); a save or delete
that changes one of those on a row that pages show turns the version, so every cached page
is stale at once and the next visitor gets a fresh one (publish, unpublish and edits are
visible immediately). A save that no page shows (a draft's edit, an email stamp, a comment
waiting for moderation) leaves the cache alone. Items scheduled for later go live by time,
not by a save, so a cached page never outlives the next scheduled publication (see
``content_version``).
"""

import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

from portal.models import Publishable
from portal.search import translated_fields
from portal.status import Status

VERSION_KEY = "portal:content-version"
#: ``(version, epoch seconds)``: when the soonest scheduled item goes live, as computed for that
#: version (0: nothing is scheduled). Tagged with the version so that a value computed just
#: before a change is never taken for the new version's.
NEXT_LIVE_KEY = "portal:next-live"
PAGE_TTL = 300  # seconds; an upper bound, the version does the real invalidation
_MISSING = object()


#: This process's last read of the version: (version, until when it may be reused, monotonic s).
_recent = [None, 0.0]


def content_version() -> int:
    """The version of the published content: changes on every edit, and when a scheduled item goes live.

    Read from the shared cache at most once per ``CONTENT_VERSION_REUSE_SECONDS`` per process
    (one ``get_many`` of both keys): a change made in another process shows within that time,
    one made in this process at once. The soonest scheduled time is looked up in the database
    once per version.
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
    elif next_live[1] and time.time() >= next_live[1]:
        bump_content_version()
        return content_version()
    _recent[:] = [version, time.monotonic() + settings.CONTENT_VERSION_REUSE_SECONDS]
    return version


def bump_content_version(**kwargs) -> None:
    """Turn the content version: every cached page and content-cache entry is stale."""
    _recent[:] = [None, 0.0]
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted): any new value invalidates
        cache.set(VERSION_KEY, int(timezone.now().timestamp() * 1000), None)


def content_changed() -> None:
    """What a watched change calls: the version turns now (this process's next page is fresh)
    and again once the transaction commits (another process may have cached the old content
    under the new version in between)."""
    bump_content_version()
    transaction.on_commit(bump_content_version)


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


def remember(name: str, compute, *vary_on):
    """``compute()``, kept in the content cache until the published content changes.

    For data shown to everyone that only published content decides (a list of years, a
    facet's choices): computed once per content version instead of once per request. With
    ``CONTENT_CACHE`` off (no cache shared by every process; tests) it simply computes.
    """
    if not settings.CONTENT_CACHE:
        return compute()
    store = caches["content"]
    variant = hashlib.sha256("\x1f".join(map(str, vary_on)).encode()).hexdigest()[:32]
    key = f"data:{name}:{content_version()}:{variant}"
    value = store.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        store.set(key, value, PAGE_TTL)
    return value


# --- What public pages show: declared per app with ``watch`` ---------------------------------

#: ``fields=ALL``: every field of the model but those in ``ignore``.
ALL = "__all__"
#: ``shown_when`` of a publishable type: it is on public pages once published (a scheduled item
#: too: the soonest scheduled time is part of the version, see ``content_version``).
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

    def read(self) -> set[str]:
        """What a change must touch to matter: the fields shown and those that decide whether
        the row is shown (a save of other fields, e.g. a stamp, needs no look)."""
        names = {name for name, _attname in self.columns} | {key.split("__")[0] for key in self.shown_when}
        return names | ({self.part_of} if self.part_of else set())

    def attnames(self) -> list[str]:
        shown = [self.model._meta.get_field(key.split("__")[0]).attname for key in self.shown_when]
        part = [self.model._meta.get_field(self.part_of).attname] if self.part_of else []
        return list(dict.fromkeys([attname for _name, attname in self.columns] + shown + part))

    def is_shown(self, row) -> bool:
        """Whether pages show ``row`` (an instance, or a dict of the stored values)."""
        for key, wanted in self.shown_when.items():
            name, _sep, lookup = key.partition("__")
            value = _stored(row, self.model._meta.get_field(name).attname)
            if (value not in wanted) if lookup == "in" else (value != wanted):
                return False
        if self.part_of:
            field = self.model._meta.get_field(self.part_of)
            parent_id = _stored(row, field.attname)
            parent = _watches.get(field.related_model)
            if parent_id is None or parent is None:
                return False
            stored = field.related_model._base_manager.filter(pk=parent_id).values(*parent.attnames()).first()
            return stored is not None and parent.is_shown(stored)
        return True


_watches: dict[type, Watch] = {}


def watch(
    model,
    *,
    fields: Iterable[str] | str = ALL,
    ignore: Iterable[str] = (),
    shown_when: Mapping[str, object] | None = None,
    part_of: str | None = None,
) -> None:
    """Declare that public pages show ``fields`` of ``model`` (from the app's ``apps.py``).

    The content version turns when a row that pages show (before or after the change) is
    created, deleted, becomes shown or stops being shown, or has one of ``fields`` changed
    (a translated field in either language; a many-to-many field by an add, remove or clear).

    - ``fields``: the names pages show, or ``ALL`` (every field but ``ignore``).
    - ``shown_when``: which rows pages show, e.g. ``PUBLISHED`` (``{"status": "published"}``)
      or ``{"status__in": (...)}``; without it, every row.
    - ``part_of``: the foreign key of a row shown as part of another watched model's item (a
      news item's links, an event's speakers): it is shown when that item is.

    Costs one query per save of a watched model (its stored values, to compare), none for a
    save whose ``update_fields`` touch nothing ``watch`` reads.
    """
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
    _watches[model] = Watch(model, columns, many_to_many, dict(shown_when or {}), part_of)
    label = opts.label
    pre_save.connect(_before_save, sender=model, dispatch_uid=f"portal.cache.pre_save.{label}")
    post_save.connect(_after_save, sender=model, dispatch_uid=f"portal.cache.save.{label}")
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
        content_changed()
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
        content_changed()


def _after_delete(sender, instance, **kwargs):
    if _watches[sender].is_shown(instance):
        content_changed()


def _after_many_to_many(sender, instance, action, reverse, model, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    # From the side that declares the field (a news item's countries): when pages show the row.
    # From the other side (a country's news), rows of the watched model changed: always.
    if reverse or _watches[type(instance)].is_shown(instance):
        content_changed()
