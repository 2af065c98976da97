""" "Did you mean …?": the words of published titles, and the nearest of them to a mistyped one.

The vocabulary (``SearchTerm``) is every word of the titles that the search providers'
``vocabulary()`` give (published items only), in every language, with how many titles have
it. It is rebuilt whole, never per request: by the ``search-vocabulary`` sweep when the
content version has moved since the last build (a publish, an unpublish, an edit, a scheduled
item going live), and by ``seed_demo``.

When a search finds nothing, each of its words that is not in the vocabulary is replaced
by the nearest words that are: on PostgreSQL by trigram similarity (pg_trgm's ``%`` operator
over a GIN trigram index, then ``similarity()`` to order them); on SQLite, which has no
pg_trgm, by ``difflib.get_close_matches`` over the whole vocabulary (small there: SQLite is
for development and tests). A phrase is suggested only if searching it finds something, so
a word of an item unpublished since the last build leads nowhere and is never shown.
Suggestions are kept in the content cache until the content changes.
"""

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.core.cache import cache
from django.db import connection, transaction

from portal import registry
from portal.cache import content_version, remember
from portal.models import SearchTerm
from portal.search import translated_fields

#: Letters only (no digits, no underscore), at least three of them: the words worth correcting.
WORD = re.compile(r"[^\W\d_]{3,40}")
MAX_WORDS = 6  # of a query, corrected
NEAREST = 3  # words tried for each unknown word
MAX_SUGGESTIONS = 3
MAX_PHRASES_TRIED = 6  # searches run to check them, at most
#: pg_trgm's default ``similarity_threshold`` is 0.3; difflib's ratio is stricter per character.
SQLITE_CUTOFF = 0.75
BUILT_FOR_KEY = "portal:vocabulary-built-for"


def words_of(text: str) -> list[str]:
    return WORD.findall((text or "").lower())


@transaction.atomic
def rebuild() -> int:
    """Replace the vocabulary with the words of every provider's published titles; how many."""
    counts = Counter()
    for provider in registry.search_providers():
        if provider.vocabulary is None:
            continue
        for title in provider.vocabulary():
            counts.update(set(words_of(title)))
    SearchTerm.objects.all().delete()
    # Two rebuilds at once (two workers) read the same published titles: the second one's
    # rows for a word the first inserted are skipped, not an error.
    SearchTerm.objects.bulk_create(
        (SearchTerm(word=word, frequency=count) for word, count in counts.items()),
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(counts)


def refresh() -> int:
    """The sweep: rebuild when the content has changed since the last build (1), else nothing (0).

    The content version tells only where every process shares it (Redis): a worker whose cache
    is its own memory never sees a web process's change, so there every sweep rebuilds.
    """
    version = content_version()
    if _versions_are_shared() and cache.get(BUILT_FOR_KEY) == version:
        return 0
    rebuild()
    cache.set(BUILT_FOR_KEY, version, None)
    return 1


def _versions_are_shared() -> bool:
    return not settings.CACHES["default"]["BACKEND"].endswith(".LocMemCache")


def suggestions(text: str, *, finds: Callable[[str], bool], vary_on: Iterable[str] = ()) -> list[str]:
    """Up to three phrases near ``text`` whose search finds something (``finds(phrase)``), best first.

    ``vary_on`` names what else ``finds`` depends on (the page, its other filters), for the cache.
    """
    words = words_of(text)[:MAX_WORDS]
    if not words:
        return []
    return remember("search-suggestions", lambda: _suggest(words, finds), *vary_on, " ".join(words))


def _suggest(words: list[str], finds: Callable[[str], bool]) -> list[str]:
    known = set(SearchTerm.objects.filter(word__in=words).values_list("word", flat=True))
    nearest = _nearest_in_database if connection.vendor == "postgresql" else _nearest_in_python()
    options = [[word] if word in known else (nearest(word) or [word]) for word in words]
    found = []
    for phrase in _phrases(words, options)[:MAX_PHRASES_TRIED]:
        if finds(phrase):
            found.append(phrase)
            if len(found) == MAX_SUGGESTIONS:
                break
    return found


def _phrases(words: list[str], options: list[list[str]]) -> list[str]:
    """Every word's nearest first, then each other near word in its place; never the query itself."""
    best = [choices[0] for choices in options]
    phrases = [best]
    for position, choices in enumerate(options):
        for choice in choices[1:]:
            phrases.append([*best[:position], choice, *best[position + 1 :]])
    seen, unique = {" ".join(words)}, []
    for phrase in map(" ".join, phrases):
        if phrase not in seen:
            seen.add(phrase)
            unique.append(phrase)
    return unique


def _nearest_in_database(word: str) -> list[str]:
    return list(
        SearchTerm.objects.filter(word__trigram_similar=word)
        .annotate(similarity=TrigramSimilarity("word", word))
        .order_by("-similarity", "-frequency", "word")
        .values_list("word", flat=True)[:NEAREST]
    )


def _nearest_in_python() -> Callable[[str], list[str]]:
    vocabulary = None

    def nearest(word: str) -> list[str]:
        nonlocal vocabulary
        if vocabulary is None:  # read once per suggestion, and only if a word is unknown
            vocabulary = list(SearchTerm.objects.order_by("-frequency", "word").values_list("word", flat=True))
        return difflib.get_close_matches(word, vocabulary, n=NEAREST, cutoff=SQLITE_CUTOFF)

    return nearest


def titles(queryset, names: Iterable[str] = ("title",)) -> Iterable[str]:
    """The text of ``names`` (each language's field of a translated one) of every row of ``queryset``:
    a provider's ``vocabulary`` (``lambda: titles(News.objects.published())``)."""
    fields = translated_fields(queryset.model, tuple(names))
    for row in queryset.order_by().values_list(*fields).iterator(chunk_size=5000):
        yield from (value for value in row if value)
