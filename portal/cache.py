"""Whole-page caching for anonymous visitors, invalidated the moment content changes.

Every public page is built from published content. Instead of tracking which page shows
which item, the cache key carries a *content version*: any save or delete of a publishable
item or of the taxonomy bumps it, so every cached page is stale at once and the next
visitor gets a fresh one (publish, unpublish and edits are visible immediately). Items
scheduled for later go live by time, not by a save, so a cached page never outlives the
next scheduled publication (see ``max_age``).
"""

from django.apps import apps
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

VERSION_KEY = "portal:content-version"
PAGE_TTL = 300  # seconds; an upper bound, the version does the real invalidation


def content_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = int(timezone.now().timestamp() * 1000)
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    return version


def bump_content_version(**kwargs) -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted): any new value invalidates
        cache.set(VERSION_KEY, int(timezone.now().timestamp() * 1000), None)


def max_age() -> int:
    """Seconds a page may be cached: PAGE_TTL, or less if something is scheduled sooner."""
    from portal.models import Publishable

    now = timezone.now()
    soonest = None
    for model in apps.get_models():
        if issubclass(model, Publishable):
            when = model.objects.scheduled().order_by("published_at").values_list("published_at", flat=True).first()
            if when and (soonest is None or when < soonest):
                soonest = when
    if soonest is None:
        return PAGE_TTL
    return max(1, min(PAGE_TTL, int((soonest - now).total_seconds())))


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
