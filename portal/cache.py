"""Whole-page caching for anonymous visitors, invalidated the moment content changes.

Every public page is built from published content. Instead of tracking which page shows
which item, the cache key carries a *content version*: any save or delete of a publishable
item or of the taxonomy bumps it, so every cached page is stale at once and the next
visitor gets a fresh one (publish, unpublish and edits are visible immediately). Items
scheduled for later go live by time, not by a save, so a cached page never outlives the
next scheduled publication (see ``max_age``).
"""

import hashlib
import time

from django.apps import apps
from django.conf import settings
from django.core.cache import cache, caches
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

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
    _recent[:] = [None, 0.0]
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted): any new value invalidates
        cache.set(VERSION_KEY, int(timezone.now().timestamp() * 1000), None)


def _soonest_scheduled() -> float:
    """Epoch seconds at which the next scheduled item goes live, 0 if none is scheduled.

    One query whatever the number of publishable types: the scheduled times of every type in
    one UNION ALL (scheduled items are few), the soonest taken here.
    """
    from portal.models import Publishable

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


def connect_signals() -> None:
    """Bump the version whenever published content or what it is filed under may change."""
    from portal.models import Publishable

    watched = [
        model
        for model in apps.get_models()
        if issubclass(model, Publishable) or model._meta.label in {"portal.Country", "portal.Body", "portal.Topic"}
    ]
    for model in watched:
        post_save.connect(bump_content_version, sender=model, dispatch_uid=f"portal.cache.save.{model._meta.label}")
        post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"portal.cache.delete.{model._meta.label}")
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                bump_content_version,
                sender=field.remote_field.through,
                dispatch_uid=f"portal.cache.m2m.{model._meta.label}.{field.name}",
            )
    # Related rows shown on public pages (links, sessions, files…) belong to a publishable
    # item; a save of any model with a foreign key to one bumps the version too.
    for model in apps.get_models():
        if model in watched:
            continue
        if any(
            field.is_relation and field.many_to_one and field.related_model in watched
            for field in model._meta.get_fields()
            if getattr(field, "concrete", False)
        ):
            post_save.connect(
                bump_content_version, sender=model, dispatch_uid=f"portal.cache.rel.save.{model._meta.label}"
            )
            post_delete.connect(
                bump_content_version, sender=model, dispatch_uid=f"portal.cache.rel.delete.{model._meta.label}"
            )
