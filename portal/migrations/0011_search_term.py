from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


def create_trigram_index(apps, schema_editor):
    # SQLite has no pg_trgm (portal.vocabulary reads the words with difflib there).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'CREATE INDEX "portal_searchterm_word_trgm" ON "portal_searchterm" USING gin ("word" gin_trgm_ops)'
        )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "portal_searchterm_word_trgm"')


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0010_cover_focus_and_illustration"),
    ]

    operations = [
        # CREATE EXTENSION IF NOT EXISTS pg_trgm, on PostgreSQL only (Django skips it elsewhere).
        TrigramExtension(),
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.CharField(max_length=40, unique=True)),
                ("frequency", models.PositiveIntegerField(default=1)),
            ],
            options={
                "verbose_name": "search term",
                "verbose_name_plural": "search terms",
            },
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
