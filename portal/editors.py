"""Who is an editor: the one definition, asked by the workflow, the two-factor gate and the emails.

Its own module so that the notification emails (portal.emails, run by portal.tasks, which the
workflow's services enqueue) can ask it without importing the services back.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q

from portal.models import Publishable


def is_editor(user, model: type[Publishable] | None = None) -> bool:
    """The one definition of an editor: may publish ``model`` (its ``publish_<model>``
    permission) or, without a model, some publishable type.

    The workflow's moves, the admin's two-factor gate (accounts.middleware) and the
    notification emails (``editors_of``) all ask this; group names decide nothing.
    """
    if not (user and user.is_active):
        return False
    return any(user.has_perm(each.publish_permission()) for each in ([model] if model else publishable_models()))


def editors_of(model: type[Publishable]):
    """Everyone ``is_editor(user, model)`` is true for, as a queryset (superusers included, as
    ``has_perm`` counts them), for the notification emails."""
    app_label, codename = model.publish_permission().split(".")
    may_publish = Q(codename=codename, content_type__app_label=app_label)
    permissions = Permission.objects.filter(may_publish)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(user_permissions__in=permissions) | Q(groups__permissions__in=permissions))
        .distinct()
    )


def publishable_models() -> list[type[Publishable]]:
    """Every type under the workflow (each app's Publishable subclasses)."""
    return [model for model in apps.get_models() if issubclass(model, Publishable)]
