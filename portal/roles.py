"""The two editorial roles, as auth groups created and kept up to date by migrations.

Each app that adds a publishable model grants its permissions in a data migration:

    migrations.RunPython(grant_roles({"Authors": [...], "Editors": [...]}, app_label="events"), noop)
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AUTHORS = "Authors"
EDITORS = "Editors"


def grant_roles(grants: dict[str, list[str]], *, app_label: str):
    """Return a RunPython function giving each group the listed permission codenames of one app."""

    def forwards(apps, schema_editor):
        # Permissions are normally created after all migrations; create this app's now.
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        for group_name, codenames in grants.items():
            group, _ = Group.objects.get_or_create(name=group_name)
            permissions = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
            missing = set(codenames) - {permission.codename for permission in permissions}
            if missing:
                raise RuntimeError(f"Unknown permissions for {app_label}: {sorted(missing)}")
            group.permissions.add(*permissions)

    return forwards


noop = migrations.RunPython.noop
