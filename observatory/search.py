"""Full-text search of publications in English and Spanish.

Each publication's weighted ``search_document`` (title A, abstract B, body C) holds both
translations of its text, each with its own language's text-search configuration
(title_en with 'english', title_es with 'spanish'), so Spanish words are stemmed as Spanish
("contrataciones" and "contratación" both become "contrat"). The English fields of a
document written in Spanish are indexed as Spanish too (English is the admin's required
language, so they may hold Spanish text). A query is parsed with both configurations and
the two are OR-ed, so a visitor finds documents in either language without saying which language they typed.
SQLite has no full-text search: there every word must appear in the title, abstract or
body in either language (case-insensitive), and title matches come first.
"""

from django.apps import apps
from django.contrib.postgres.search import SearchRank
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, Value, When

from portal.search import (
    LANGUAGE_CONFIGS,
    MAX_QUERY_LENGTH,
    bilingual_query,
    is_postgres,
    translated_fields,
    weighted_vector,
)

FALLBACK_FIELDS = ("title", "abstract", "body")
MAX_WORDS = 12


def clean_query(text: str) -> str:
    """What is searched for: no control characters (PostgreSQL refuses NUL), bounded length."""
    text = "".join(char if char.isprintable() else " " for char in (text or ""))
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def publication_vector(model, document_config: str):
    """Each translation with its language's configuration; the English fields of a document
    written in Spanish (the required default language may hold its Spanish text) also as Spanish."""
    vector = None
    for code, config in LANGUAGE_CONFIGS.items():
        fields = [(f"{name}_{code}", weight) for name, weight in model.SEARCH_FIELDS]
        part = weighted_vector(*fields, config=config)
        if code == "en" and document_config not in ("english", config):
            part = part + weighted_vector(*fields, config=document_config)
        vector = part if vector is None else vector + part
    return vector


def refresh_search_document(publication) -> None:
    """Recompute the publication's search document in both languages (PostgreSQL only)."""
    if not is_postgres():
        return
    model = type(publication)
    model._base_manager.filter(pk=publication.pk).update(
        search_document=publication_vector(model, publication.search_config)
    )


def filter_by_text(queryset, text: str):
    """Publications matching ``text``, annotated with ``rank`` (higher is better)."""
    text = clean_query(text)
    if not text:
        return queryset
    if is_postgres():
        query = bilingual_query(text)
        return queryset.filter(search_document=query).annotate(rank=SearchRank(F("search_document"), query))
    words = text.split()[:MAX_WORDS]
    condition = Q()
    title_hits = []
    fields = translated_fields(queryset.model, FALLBACK_FIELDS)
    titles = translated_fields(queryset.model, ("title",))
    for word in words:
        matches = Q()
        for field in fields:
            matches |= Q(**{f"{field}__icontains": word})
        condition &= matches
        in_title = Q()
        for field in titles:
            in_title |= Q(**{f"{field}__icontains": word})
        title_hits.append(When(in_title, then=Value(1)))
    rank = sum(
        (Case(hit, default=Value(0), output_field=IntegerField()) for hit in title_hits),
        start=Value(0, output_field=IntegerField()),
    )
    return queryset.filter(condition).annotate(rank=rank)


def search(queryset, text: str):
    """``filter_by_text`` ordered by relevance, then newest."""
    text = clean_query(text)
    if not text:
        return queryset
    return filter_by_text(queryset, text).order_by("-rank", "-publication_date", "-pk")


def has_searchable_words(text: str) -> bool:
    """False when every word is a stop word in either language ("the of", "de la").

    Asked only when a search found nothing, to tell the visitor why (PostgreSQL only):
    English words that are all stop words cannot match an English document, whatever
    the Spanish parsing keeps of them, and the other way round.
    """
    text = clean_query(text)
    if not text or not is_postgres():
        return bool(text)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT LEAST(numnode(websearch_to_tsquery('english', %s)), numnode(websearch_to_tsquery('spanish', %s)))",
            [text, text],
        )
        (nodes,) = cursor.fetchone()
    return nodes > 0


def search_indicators(text: str):
    """Indicators with published data whose name, definition or code has every word (either language).

    A handful of rows per observatory, so a plain match is enough (no search document).
    """
    words = clean_query(text).split()[:10]
    condition = Q()
    for word in words:
        condition &= (
            Q(name_en__icontains=word) | Q(name_es__icontains=word) | Q(definition_en__icontains=word)
            | Q(definition_es__icontains=word) | Q(unit_en__icontains=word) | Q(unit_es__icontains=word)
            | Q(code__iexact=word)
        )  # fmt: skip
    # Looked up in the app registry: observatory.models imports this module.
    Indicator = apps.get_model("observatory", "Indicator")
    if not words:
        return Indicator.objects.none()
    return (
        Indicator.objects.public()
        .filter(condition)
        .select_related("observatory")
        .order_by("observatory__position", "position", "code")
    )


OBSERVATORY_FIELDS = ("name", "summary", "mission", "objectives", "funding")


def search_observatories(text: str):
    """The public observatories whose text (either language) has every word of ``text``.

    A handful of rows: a plain word match on both databases, no search document to keep."""
    Observatory = apps.get_model("observatory", "Observatory")  # observatory.models imports this module
    text = clean_query(text)
    if not text:
        return Observatory.objects.none()
    fields = translated_fields(Observatory, OBSERVATORY_FIELDS)
    condition = Q()
    for word in text.split()[:MAX_WORDS]:
        matches = Q()
        for name in fields:
            matches |= Q(**{f"{name}__icontains": word})
        condition &= matches
    return Observatory.objects.public().filter(condition).select_related("body").order_by("position", "name")
