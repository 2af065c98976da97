"""Make the responsive variants that are missing (portal.images): for images uploaded before
the variants existed, or after a change of shapes. Saving an item makes its own; this is safe to
run at any time and makes nothing that is already stored."""

from django.apps import apps
from django.core.management.base import BaseCommand

from portal import images


class Command(BaseCommand):
    help = "Make the missing responsive variants of every uploaded image."

    def handle(self, *args, **options):
        made = 0
        for model in apps.get_models():
            for field_name, (use, focus_field) in getattr(model, "IMAGE_VARIANTS", {}).items():
                rows = model._default_manager.exclude(**{field_name: ""}).only(
                    "pk", field_name, *([focus_field] if focus_field else [])
                )
                for row in rows.iterator():
                    focus = getattr(row, focus_field) if focus_field else images.Focus.CENTER
                    made += images.make_variants(getattr(row, field_name), use=use, focus=focus)
        self.stdout.write(f"{made} image variants made.")
