"""The editorial roles, Authors and Editors, as auth groups.

Each app that has publishable models declares which permissions each role gets and
registers them from its AppConfig.ready(): ``register_grants("events", {...})``. The groups
are created by a data migration (portal 0002) and brought up to date after every
``migrate`` (and after a test database flush) by ``sync_roles``, a post_migrate handler,
so a new app's permissions reach the roles without hand work.
"""

from django.contrib.auth.management import create_permissions

AUTHORS = "Authors"
EDITORS = "Editors"

_TAXONOMY = [
    f"{verb}_{model}" for model in ("country", "body", "topic") for verb in ("add", "change", "delete", "view")
]

PORTAL_GRANTS = {
    # Authors write and submit their own drafts; "own drafts only" is in portal.services.can_edit.
    AUTHORS: [
        "add_news", "change_news", "view_news",
        "add_newslink", "change_newslink", "delete_newslink", "view_newslink",
        "view_country", "view_body", "view_topic",
    ],
    # Editors may make every workflow move (publish_news) and edit anything, taxonomy included.
    EDITORS: [
        "add_news", "change_news", "delete_news", "view_news", "publish_news",
        "add_newslink", "change_newslink", "delete_newslink", "view_newslink",
        *_TAXONOMY,
    ],
}  # fmt: skip

#: The home's key figures (portal.models.KeyFigure): editors keep them (granted by portal 0009).
KEY_FIGURE_GRANTS = {
    AUTHORS: ["view_keyfigure"],
    EDITORS: ["add_keyfigure", "change_keyfigure", "delete_keyfigure", "view_keyfigure"],
}
ALL_PORTAL_GRANTS = {role: [*PORTAL_GRANTS[role], *KEY_FIGURE_GRANTS[role]] for role in PORTAL_GRANTS}

_registry: dict[str, dict[str, list[str]]] = {}


def register_grants(app_label: str, grants: dict[str, list[str]]) -> None:
    _registry[app_label] = grants


def apply_grants(group_model, permission_model, app_label: str, grants: dict[str, list[str]]) -> None:
    for group_name, codenames in grants.items():
        group, _ = group_model.objects.get_or_create(name=group_name)
        permissions = list(permission_model.objects.filter(content_type__app_label=app_label, codename__in=codenames))
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing:
            raise RuntimeError(f"Unknown permissions for {app_label}: {sorted(missing)}")
        group.permissions.add(*permissions)


def sync_roles(sender=None, apps=None, **kwargs) -> None:
    """post_migrate: make sure every registered grant is in place (idempotent)."""
    # Imported here, not at the top: apps.py modules import this module's group names while the
    # app registry is still loading, before auth's models can be imported.
    from django.apps import apps as global_apps
    from django.contrib.auth.models import Group, Permission

    for app_label, grants in _registry.items():
        app_config = global_apps.get_app_config(app_label)
        create_permissions(app_config, verbosity=0)
        apply_grants(Group, Permission, app_label, grants)


def grant_in_migration(grants: dict[str, list[str]], *, app_label: str):
    """A RunPython function that gives the roles the permissions of one app, inside a migration."""

    def forwards(apps, schema_editor):
        # Permissions are normally created after all migrations; create this app's now.
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
        apply_grants(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), app_label, grants)

    return forwards
