"""Full-text search: PostgreSQL's when the database is PostgreSQL, a plain fallback on SQLite.

On PostgreSQL each searchable model keeps a weighted ``search_document`` (title A, lead
or abstract B, body C) in a tsvector column with a GIN index, refreshed on save. Translated
fields go in with their language's configuration (English fields with 'english', Spanish
ones with 'spanish'); queries are parsed with ``websearch_to_tsquery`` in both and ranked.
SQLite has none of that, so there a search is a case-insensitive match on every word, in
either language, newest first.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import connection, migrations
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Coalesce

SEARCH_CONFIG = "english"
#: Text-search configuration of each content language (content is translated field by field).
LANGUAGE_CONFIGS = {"en": "english", "es": "spanish"}
MAX_QUERY_LENGTH = 200


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def weighted_vector(*weighted_fields, config=SEARCH_CONFIG):
    """``weighted_vector(("title", "A"), ("lead", "B"), config="spanish")`` → one weighted tsvector
    expression (the one builder of search documents: news, events, initiatives, publications)."""
    vector = None
    for field, weight in weighted_fields:
        part = SearchVector(Coalesce(F(field), Value(""), output_field=TextField()), weight=weight, config=config)
        vector = part if vector is None else vector + part
    return vector


def document_vector(model):
    """The search document of ``model``: each translated field in its own language's config
    (title_es with the Spanish configuration, so "contrataciones" finds "contratación")."""
    fields = model.SEARCH_FIELDS
    translated = [code for code in LANGUAGE_CONFIGS if _has_field(model, f"{fields[0][0]}_{code}")]
    if not translated:
        return weighted_vector(*fields)
    vector = None
    for code in translated:
        part = weighted_vector(*[(f"{name}_{code}", weight) for name, weight in fields], config=LANGUAGE_CONFIGS[code])
        vector = part if vector is None else vector + part
    return vector


def _has_field(model, name):
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def translated_fields(model, names):
    """``("title", "lead")`` → every stored field that holds them, in each language."""
    found = []
    for name in names:
        variants = [f"{name}_{code}" for code in LANGUAGE_CONFIGS if _has_field(model, f"{name}_{code}")]
        found.extend(variants or [name])
    return tuple(found)


def refresh_search_document(instance) -> None:
    """Recompute ``instance.search_document`` in the database (PostgreSQL only)."""
    if not getattr(type(instance), "SEARCH_FIELDS", None) or not is_postgres():
        return
    type(instance)._base_manager.filter(pk=instance.pk).update(search_document=document_vector(type(instance)))


def bilingual_query(text: str) -> SearchQuery:
    """The visitor's words parsed with each content language's rules and OR-ed, so either
    language's stems match ("contrataciones" finds "contratación")."""
    query = None
    for config in LANGUAGE_CONFIGS.values():
        part = SearchQuery(text, search_type="websearch", config=config)
        query = part if query is None else query | part
    return query


def search(queryset, text: str, *, fallback_fields):
    """Filter ``queryset`` by ``text`` and order it by relevance (then newest)."""
    text = (text or "").strip()[:MAX_QUERY_LENGTH]
    if not text:
        return queryset
    if is_postgres():
        query = bilingual_query(text)
        return (
            queryset.filter(search_document=query)
            .annotate(rank=SearchRank(F("search_document"), query))
            .order_by("-rank", "-published_at", "-pk")
        )
    condition = Q()
    fields = translated_fields(queryset.model, fallback_fields)
    for word in text.split()[:10]:
        word_matches = Q()
        for field in fields:
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


def inline_storage_operation(table: str) -> migrations.RunPython:
    """A migration step keeping ``search_document`` inside the table's rows (PostgreSQL only).

    A search document (2-4 KB) is past the 2 KB at which PostgreSQL moves a value out to the
    table's TOAST relation, and tsvectors do not compress: ranking the matches of a broad search
    then costs a TOAST index look-up and two chunk reads per match, about two thirds of the
    ranking (docs/performance.md, "Search documents inside the row, ranked keys first"). With MAIN the
    document stays in the row unless the row would not fit a page (the text columns go out
    first). The table is rewritten in the same statement (a change of type to its own type, with
    ``|| ''`` making a new value of each document) so that existing documents move in and the
    table stays compact, which an UPDATE of every row would not (it leaves each row's old version
    behind, for a VACUUM FULL); the type change alone would reset the storage, hence both in one
    ALTER TABLE, whose rewrite comes after both. It holds the table's lock while it rewrites it
    and its indexes: 7.6 s for the benchmark's 50,000 publications, 2.7 s for its 20,000 news.
    """

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "search_document" SET STORAGE MAIN, '
                'ALTER COLUMN "search_document" TYPE tsvector USING "search_document" || \'\'::tsvector'
            )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "search_document" SET STORAGE EXTENDED')

    return migrations.RunPython(forwards, backwards, elidable=False)


# --- Ranked results read in two steps -----------------------------------------------------------


def is_ranked(queryset) -> bool:
    """Whether ``queryset`` is ordered by its search ``rank`` (search() and the library's relevance)."""
    query = getattr(queryset, "query", None)
    if query is None or "rank" not in query.annotations:
        return False
    return any(str(field).lstrip("-") == "rank" for field in query.order_by)


def ranked_rows(queryset, start: int, stop: int) -> list:
    """Rows ``start:stop`` of a ranked queryset, read in two steps: the primary keys in order,
    then those rows whole (with the queryset's joins, prefetches and filters, so a row
    unpublished in between is left out).

    Ranking sorts every match; read in one step, PostgreSQL carries each match's selected columns
    (a card's text in both languages, the joined observatory) through that sort, so a broad
    search's sort of a few thousand wide rows spills to disk. The first step sorts only the keys
    and what they are ordered by; the second reads a page of rows by key. The order is the same:
    the first step's."""
    keys = list(queryset.prefetch_related(None).values_list("pk", flat=True)[start:stop])
    if not keys:
        return []
    found = {row.pk: row for row in queryset.filter(pk__in=keys).order_by()}
    return [found[key] for key in keys if key in found]


def rows(queryset, start: int, stop: int) -> list:
    """Rows ``start:stop`` of ``queryset``: in two steps if it is ranked (``ranked_rows``), else
    one slice."""
    if is_ranked(queryset):
        return ranked_rows(queryset, start, stop)
    return list(queryset[start:stop])


class RankedResults:
    """A ranked queryset as a Paginator's object list: counted by the queryset, sliced by
    ``ranked_rows``."""

    ordered = True

    def __init__(self, queryset):
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            if index.step not in (None, 1):
                raise ValueError("RankedResults does not take a step.")
            return ranked_rows(self.queryset, index.start or 0, index.stop)
        rows = ranked_rows(self.queryset, index, index + 1)
        if not rows:
            raise IndexError(index)
        return rows[0]


class SearchPaginator(Paginator):
    """Django's Paginator, which reads a ranked queryset's page in two steps (``ranked_rows``);
    any other object list as Django's does. The site's lists and the API's pages use it."""

    def __init__(self, object_list, *args, **kwargs):
        if is_ranked(object_list):
            object_list = RankedResults(object_list)
        super().__init__(object_list, *args, **kwargs)
