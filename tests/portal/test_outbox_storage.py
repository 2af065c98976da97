"""How the outbox stores its messages: read back exactly as written; on PostgreSQL a batch inserted
with one parameter per message (not bulk_create's UNNEST arrays, escaped in Python), the message a
text column (not jsonb, parsed on every write) compressed with lz4 (docs/performance.md, "Digests:
the outbox row made cheaper")."""

import re

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import outbox
from portal.models import OutboundEmail

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="UNNEST inserts and column compression are PostgreSQL's"
)

# Quotes, backslashes, braces and commas: what an array literal must escape, and JSON too.
HTML = '<p style="color:#0b5394">Publicación "nueva" \\ {a, b} — año ✓</p>\n' * 200


def messages(count: int) -> list[tuple[EmailMultiAlternatives, dict]]:
    items = []
    for number in range(count):
        message = EmailMultiAlternatives(
            subject=f"Resumen {number}", body=f'Texto "{number}" \\ fin', to=[f"p{number}@example.org"]
        )
        message.attach_alternative(HTML, "text/html")
        items.append((message, {"kind": "test.storage", "key": f"test.storage:{number}"}))
    return items


def test_a_batch_reads_back_exactly_as_it_was_written():
    items = messages(3)
    rows = outbox.queue_many(items)
    stored = OutboundEmail.objects.in_bulk([row.pk for row in rows])
    for (message, _options), row in zip(items, rows, strict=True):
        assert stored[row.pk].message == outbox.serialise(message)
        assert stored[row.pk].message["alternatives"] == [[HTML, "text/html"]]


@postgresql_only
def test_a_batch_is_inserted_with_one_parameter_per_message():
    with CaptureQueriesContext(connection) as queries:
        outbox.queue_many(messages(3))
    (insert,) = [query["sql"] for query in queries if query["sql"].startswith('INSERT INTO "portal_outboundemail"')]
    assert "UNNEST" not in insert
    assert not re.search(r"::\w+\[\]", insert)  # no array of a column's values


@postgresql_only
def test_messages_are_text_compressed_with_lz4():
    (row,) = outbox.queue_many(messages(1))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format_type(atttypid, atttypmod), attcompression FROM pg_attribute "
            "WHERE attrelid = 'portal_outboundemail'::regclass AND attname = 'message'"
        )
        assert cursor.fetchone() == ("text", "l")
        cursor.execute("SELECT pg_column_compression(message) FROM portal_outboundemail WHERE id = %s", [row.pk])
        assert cursor.fetchone() == ("lz4",)
