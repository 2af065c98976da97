"""The taxonomy (countries, bodies, topics) kept in each process's memory until it changes.

Every list's filter form offers all of its rows and most cards name some: a few dozen rows that
change a few times a year, read on nearly every page (five of the eight queries of /news/ read
them). Each process reads a model's rows once per language (each language has its own order: the
names are translated) and keeps them while the version of ``portal.cache.EVERY_PAGE`` holds: a
change of the taxonomy turns that tag (its ``watch`` is ``everywhere=True``), when saved and again
when its transaction commits. So a rename shows on the next request of the process that made it,
and within ``CONTENT_VERSION_REUSE_SECONDS`` in the others, as cached pages do; checking costs no
query (the tag's version is read with the content version, at most once a second per process).

Only where every process sees the same cache (``TAXONOMY_IN_MEMORY``, on with ``SHARED_CACHE``);
without it each call reads the table. The rows are shared by every request of the process: read
them, never change them (a prefetch on them, an attribute set on one, would leak to other pages).
"""

from collections import defaultdict

from django.conf import settings
from django.db.models import IntegerField, Value, prefetch_related_objects
from django.utils.translation import get_language

from portal import cache

#: (model label, language) → (the EVERY_PAGE version they were read under, the rows).
_kept: dict[tuple[str, str], tuple[tuple, tuple]] = {}


def rows(model) -> tuple:
    """Every row of ``model`` (Country, Body or Topic), in its default order in the active language."""
    if not settings.TAXONOMY_IN_MEMORY:
        return tuple(model.objects.all())
    key = (model._meta.label_lower, get_language() or settings.LANGUAGE_CODE)
    # Read before the rows: a change meanwhile leaves them under a version that is already old.
    version = cache.versions((cache.EVERY_PAGE,))
    kept = _kept.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    found = tuple(model.objects.all())
    _kept[key] = (version, found)
    return found


def with_links(items, *names: str) -> list:
    """``items`` (rows of one model, e.g. a page of news) as a list, each with its links ``names``
    (many-to-many fields to Country, Body or Topic) ready, as ``prefetch_related(*names)`` would
    give them, in the same order: the links of every field in one query of the link tables, the
    rows themselves from what this process keeps (instead of a joined read of each table)."""
    items = list(items)
    if not items or not names:
        return items
    if not settings.TAXONOMY_IN_MEMORY:
        prefetch_related_objects(items, *names)
        return items
    model = type(items[0])
    ids = [item.pk for item in items]
    fields = [model._meta.get_field(name) for name in names]
    reads = [
        field.remote_field.through.objects.filter(**{f"{field.m2m_field_name()}__in": ids})
        .order_by()
        .values_list(field.m2m_column_name(), field.m2m_reverse_name(), Value(index, output_field=IntegerField()))
        for index, field in enumerate(fields)
    ]
    links = [defaultdict(list) for _field in fields]
    for item_id, row_id, index in reads[0].union(*reads[1:], all=True) if len(reads) > 1 else reads[0]:
        links[index][item_id].append(row_id)
    for field, linked in zip(fields, links, strict=True):
        kept = rows(field.related_model)
        wanted = {pk for pks in linked.values() for pk in pks}
        if not wanted <= {row.pk for row in kept}:  # a row added elsewhere this very second
            _kept.clear()
            kept = rows(field.related_model)
        position = {row.pk: (index, row) for index, row in enumerate(kept)}
        for item in items:
            found = sorted(position[pk] for pk in linked.get(item.pk, ()) if pk in position)
            # As prefetch_related leaves them: the manager's queryset, already read.
            queryset = getattr(item, field.name).get_queryset()
            queryset._result_cache = [row for _index, row in found]
            queryset._prefetch_done = True
            item.__dict__.setdefault("_prefetched_objects_cache", {})[field.name] = queryset
    return items


def forget() -> None:
    """Drop what this process keeps (tests, which change the tables behind the signals' back)."""
    _kept.clear()
