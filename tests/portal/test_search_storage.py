"""Search documents kept inside the rows on PostgreSQL (portal.search.inline_storage_operation)."""

import hashlib

import pytest
from django.apps import apps
from django.contrib.postgres.search import SearchVectorField
from django.db import connection

from tests.observatory.factories import PublishedPublicationFactory

pytestmark = pytest.mark.django_db


POSTGRESQL_ONLY_REASON = "TOAST storage is PostgreSQL's"


def test_every_search_document_is_kept_inside_its_row(postgresql_only):
    """Each model with a search document has it with STORAGE MAIN (a migration of its app), so a
    search ranks its matches without a TOAST read each. A new searchable model needs
    ``portal.search.inline_storage_operation`` in a migration; a later change of the column's type
    resets the storage and makes this fail."""
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models()
        if any(isinstance(field, SearchVectorField) for field in model._meta.concrete_fields)
    )
    assert len(tables) >= 5
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attstorage FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE a.attname = 'search_document' AND c.relname = ANY(%s)",
            [tables],
        )
        storage = dict(cursor.fetchall())
    assert storage == dict.fromkeys(tables, "m")


def test_a_long_search_document_is_not_moved_to_toast(postgresql_only):
    publication = PublishedPublicationFactory(title="Inline", abstract="Short.", body="<p>Short.</p>")
    # ~6 KB of tsvector that does not compress (each word a hash), past the 2 KB threshold.
    words = " ".join(hashlib.sha256(str(number).encode()).hexdigest()[:12] for number in range(300))
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 'observatory_publication'")
        (toast,) = cursor.fetchone()
        toasted_bytes = f"SELECT coalesce(sum(length(chunk_data)), 0) FROM {toast}"  # a name from the catalogue
        cursor.execute(toasted_bytes)
        (before,) = cursor.fetchone()
        cursor.execute(
            "UPDATE observatory_publication SET search_document = to_tsvector('simple', %s) WHERE id = %s",
            [words, publication.pk],
        )
        cursor.execute(
            "SELECT pg_column_size(search_document) FROM observatory_publication WHERE id = %s", [publication.pk]
        )
        (size,) = cursor.fetchone()
        cursor.execute(toasted_bytes)
        (after,) = cursor.fetchone()
    assert size > 4000
    # The row is past 2 KB, so PostgreSQL moves its other text columns out (a few bytes each: they
    # go first); with the default storage (EXTENDED) it would move the document itself.
    assert after - before < 500
