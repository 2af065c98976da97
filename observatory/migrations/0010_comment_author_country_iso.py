"""A comment keeps its author's country as any ISO 3166 code (as participants' profiles now do).

Reversible while every author's country is in the bloc's table (else it is left empty).
"""

import django_countries.fields
from django.db import migrations, models


def copy_codes(apps, schema_editor):
    Comment = apps.get_model("observatory", "Comment")
    Country = apps.get_model("portal", "Country")
    Comment.objects.filter(author_country__isnull=False).update(
        author_country_iso=models.Subquery(
            Country.objects.filter(pk=models.OuterRef("author_country_id")).values("code")[:1]
        )
    )


def copy_back(apps, schema_editor):
    Comment = apps.get_model("observatory", "Comment")
    Country = apps.get_model("portal", "Country")
    Comment.objects.update(
        author_country=models.Subquery(Country.objects.filter(code=models.OuterRef("author_country_iso")).values("pk")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ("observatory", "0009_comment_told_idx"),
        ("portal", "0006_outbox_and_workers"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="author_country_iso",
            field=django_countries.fields.CountryField(blank=True, default="", max_length=2, verbose_name="country"),
        ),
        migrations.RunPython(copy_codes, copy_back),
        migrations.RemoveField(model_name="comment", name="author_country"),
        migrations.RenameField(model_name="comment", old_name="author_country_iso", new_name="author_country"),
        migrations.AlterField(
            model_name="comment",
            name="author_country",
            field=django_countries.fields.CountryField(blank=True, max_length=2, verbose_name="country"),
        ),
    ]
