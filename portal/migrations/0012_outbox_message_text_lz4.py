import logging

from django.db import DatabaseError, migrations, transaction

import portal.models

logger = logging.getLogger(__name__)

COLUMN = '"portal_outboundemail" ALTER COLUMN "message"'


def to_text_with_lz4(apps, schema_editor):
    # SQLite stores JSON as text already and does not compress: nothing to do there.
    if schema_editor.connection.vendor != "postgresql":
        return
    # jsonb to text (the table is rewritten: the outbox holds OUTBOX_KEEP_DAYS of emails, a short
    # lock). Existing messages read back as before.
    schema_editor.execute(f"ALTER TABLE {COLUMN} TYPE text USING message::text")
    # PostgreSQL 14+ built with lz4 (Debian's is): a digest's ~27 KB of JSON is compressed and read
    # back several times faster than with the default pglz. Set after the change of type, which
    # resets it; rows written from now on are compressed with lz4.
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(f"ALTER TABLE {COLUMN} SET COMPRESSION lz4")
    except DatabaseError as error:  # a server built without lz4: pglz stays, and that is all
        logger.warning("The outbox's messages stay compressed with pglz: %s", error)


def to_jsonb(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {COLUMN} TYPE jsonb USING message::jsonb")
        schema_editor.execute(f"ALTER TABLE {COLUMN} SET COMPRESSION DEFAULT")


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0011_search_term"),
    ]

    operations = [
        # The field's own type ("text") is written here by hand, so that PostgreSQL is told how to
        # convert both ways (Django's AlterField gives no USING back to jsonb).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="outboundemail",
                    name="message",
                    field=portal.models.MessageField(),
                ),
            ],
            database_operations=[migrations.RunPython(to_text_with_lz4, to_jsonb)],
        ),
    ]
