import logging

from django.db import DatabaseError, migrations, transaction

import portal.models

logger = logging.getLogger(__name__)

COLUMN = '"portal_outboundemail" ALTER COLUMN "message"'


def compress_with_lz4(apps, schema_editor):
    # PostgreSQL 14+ built with lz4 (Debian's is): the outbox's messages (a digest's JSON is ~27 KB)
    # are compressed when stored and read back several times faster than with the default pglz.
    # Rows written before keep their compression until rewritten. SQLite does not compress.
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(f"ALTER TABLE {COLUMN} SET COMPRESSION lz4")
    except DatabaseError as error:  # a server built without lz4: pglz stays, and that is all
        logger.warning("The outbox's messages stay compressed with pglz: %s", error)


def compress_as_before(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {COLUMN} SET COMPRESSION DEFAULT")


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0011_search_term"),
    ]

    operations = [
        # Same column type (jsonb on PostgreSQL): the field only changes how bulk_create binds it.
        migrations.AlterField(
            model_name="outboundemail",
            name="message",
            field=portal.models.MessageField(),
        ),
        migrations.RunPython(compress_with_lz4, compress_as_before),
    ]
