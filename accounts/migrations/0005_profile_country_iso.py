"""Participants answer with any ISO 3166 country (django-countries), not only the bloc's table.

Each profile keeps its country: the bloc table's ISO code becomes the profile's country code.
Reversible while every participant's country is in the bloc's table.
"""

import django_countries.fields
from django.db import migrations, models


def copy_codes(apps, schema_editor):
    Profile = apps.get_model("accounts", "Profile")
    Country = apps.get_model("portal", "Country")
    Profile.objects.update(
        country_iso=models.Subquery(Country.objects.filter(pk=models.OuterRef("country_id")).values("code")[:1])
    )


def copy_back(apps, schema_editor):
    Profile = apps.get_model("accounts", "Profile")
    Country = apps.get_model("portal", "Country")
    Profile.objects.update(
        country=models.Subquery(Country.objects.filter(code=models.OuterRef("country_iso")).values("pk")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_privacypolicy_translations"),
        ("portal", "0006_outbox_and_workers"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="country_iso",
            field=django_countries.fields.CountryField(blank=True, default="", max_length=2, verbose_name="country"),
        ),
        migrations.AlterField(
            model_name="profile",
            name="country",
            field=models.ForeignKey(
                null=True, on_delete=models.deletion.PROTECT, related_name="profiles", to="portal.country",
                verbose_name="country",
            ),
        ),
        migrations.RunPython(copy_codes, copy_back),
        migrations.RemoveField(model_name="profile", name="country"),
        migrations.RenameField(model_name="profile", old_name="country_iso", new_name="country"),
        migrations.AlterField(
            model_name="profile",
            name="country",
            field=django_countries.fields.CountryField(max_length=2, verbose_name="country"),
        ),
    ]
