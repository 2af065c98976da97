"""Import and export of publications (django-import-export, CSV and XLSX, in the admin).

Rows are matched on ``slug``. An import is all or nothing: it runs in one transaction
(``use_transactions``) and the admin offers to confirm only a dry run without errors.
Every row is validated like the admin form (``clean_model_instances``): an unknown type,
language, observatory, country, body or topic is a row-level error, not silently dropped.
New rows are drafts of the importing editor; the workflow fields cannot be imported.
Cells that a spreadsheet would run as a formula are defused on export and restored on import.
"""

import reversion
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from observatory.models import Observatory, Publication
from portal.models import Body, Country, Topic

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_COLUMNS = {"title", "kind", "language", "abstract", "body", "external_url", "citation"}


class StrictManyToManyWidget(widgets.ManyToManyWidget):
    """Comma-separated keys; an unknown key is an error rather than quietly ignored."""

    def clean(self, value, row=None, **kwargs):
        keys = [key.strip() for key in str(value or "").split(self.separator) if key.strip()]
        if not keys:
            return self.model.objects.none()
        found = self.model.objects.filter(**{f"{self.field}__in": keys})
        missing = sorted(set(keys) - {str(getattr(item, self.field)) for item in found})
        if missing:
            raise ValueError(
                _("Unknown %(what)s: %(keys)s.") % {"what": self.model._meta.verbose_name, "keys": ", ".join(missing)}
            )
        return found


class StrictForeignKeyWidget(widgets.ForeignKeyWidget):
    def clean(self, value, row=None, **kwargs):
        if not str(value or "").strip():
            return None
        try:
            return super().clean(str(value).strip(), row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(
                _("Unknown %(what)s: %(key)s.") % {"what": self.model._meta.verbose_name, "key": value}
            ) from None


def defuse(value):
    """'=cmd' → "'=cmd": a spreadsheet shows the text instead of running it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(value):
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class PublicationResource(resources.ModelResource):
    observatory = fields.Field(
        attribute="observatory", column_name="observatory", widget=StrictForeignKeyWidget(Observatory, field="slug")
    )
    bodies = fields.Field(attribute="bodies", column_name="bodies", widget=StrictManyToManyWidget(Body, field="slug"))
    countries = fields.Field(
        attribute="countries", column_name="countries", widget=StrictManyToManyWidget(Country, field="code")
    )
    topics = fields.Field(attribute="topics", column_name="topics", widget=StrictManyToManyWidget(Topic, field="slug"))
    publication_date = fields.Field(
        attribute="publication_date", column_name="publication_date", widget=widgets.DateWidget(format="%Y-%m-%d")
    )
    status = fields.Field(attribute="status", column_name="status", readonly=True)
    collaborators = fields.Field(column_name="collaborators", readonly=True)
    url = fields.Field(column_name="url", readonly=True)

    class Meta:
        model = Publication
        import_id_fields = ("slug",)
        fields = (
            "slug", "title", "kind", "language", "publication_date", "observatory", "bodies", "countries",
            "topics", "abstract", "body", "external_url", "citation", "is_featured", "accepts_comments",
            "status", "collaborators", "url",
        )  # fmt: skip
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def import_data(self, dataset, **kwargs):
        # All or nothing at the confirm step too (the admin asks it of the dry run only).
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        """Also check the many-to-many columns now, so that an unknown key is a row error like the others.

        (django-import-export sets them only after saving, where a bad key would be an exception.)
        """
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row, **kwargs)
                except ValueError as error:
                    errors[field.attribute] = ValidationError(str(error), code="invalid")
        if errors:
            raise ValidationError(errors)

    def dehydrate_collaborators(self, publication):
        return "; ".join(str(person) for person in publication.collaborators.all())

    def dehydrate_url(self, publication):
        return publication.get_absolute_url()

    def export_field(self, field, instance, **kwargs):
        return defuse(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row, **kwargs):
        for key in list(row.keys()):
            value = restore(row[key])
            # An empty spreadsheet cell is None; the text columns store "" for "nothing".
            row[key] = "" if value is None and key in TEXT_COLUMNS else value

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is None:
            instance.author = kwargs.get("user")

    def save_instance(self, instance, is_create, row, **kwargs):
        # Each imported row is a revision, like an edit in the admin.
        with reversion.create_revision():
            super().save_instance(instance, is_create, row, **kwargs)
            if kwargs.get("user") is not None:
                reversion.set_user(kwargs["user"])
            reversion.set_comment(_("Imported"))
