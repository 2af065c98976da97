"""Full-text search: PostgreSQL's when the database is PostgreSQL, a plain fallback on SQLite.

On PostgreSQL each searchable model keeps a weighted ``search_document`` (title A, lead
or abstract B, body C) in a tsvector column with a GIN index, refreshed on save; queries
are parsed with ``websearch_to_tsquery`` and ranked. SQLite has none of that, so there a
search is a case-insensitive match on every word, newest first.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, migrations
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Coalesce

SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 200


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def weighted_vector(*weighted_fields):
    """``weighted_vector(("title", "A"), ("lead", "B"))`` → one weighted tsvector expression."""
    vector = None
    for field, weight in weighted_fields:
        part = SearchVector(
            Coalesce(F(field), Value(""), output_field=TextField()), weight=weight, config=SEARCH_CONFIG
        )
        vector = part if vector is None else vector + part
    return vector


def refresh_search_document(instance) -> None:
    """Recompute ``instance.search_document`` in the database (PostgreSQL only)."""
    fields = getattr(type(instance), "SEARCH_FIELDS", None)
    if not fields or not is_postgres():
        return
    type(instance)._base_manager.filter(pk=instance.pk).update(search_document=weighted_vector(*fields))


def search(queryset, text: str, *, fallback_fields):
    """Filter ``queryset`` by ``text`` and order it by relevance (then newest)."""
    text = (text or "").strip()[:MAX_QUERY_LENGTH]
    if not text:
        return queryset
    if is_postgres():
        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        return (
            queryset.filter(search_document=query)
            .annotate(rank=SearchRank(F("search_document"), query))
            .order_by("-rank", "-published_at", "-pk")
        )
    condition = Q()
    for word in text.split()[:10]:
        word_matches = Q()
        for field in fallback_fields:
            word_matches |= Q(**{f"{field}__icontains": word})
        condition &= word_matches
    return queryset.filter(condition)


def gin_index_operation(table: str, name: str) -> migrations.RunPython:
    """A migration step creating a GIN index on ``search_document``, on PostgreSQL only.

    Done as RunPython rather than Meta.indexes because SQLite cannot create a GIN index
    and the migrations must run on both databases.
    """

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'CREATE INDEX "{name}" ON "{table}" USING gin ("search_document")')

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(forwards, backwards)
