"""``{% follow_button obj %}``: the Follow button of any followable object (following.registry).

One query for a signed-in person (do they follow it?), none for a visitor, who gets a link to
sign in and come back (no form, so the page stays in the anonymous page cache)."""

from django import template
from django.contrib.contenttypes.models import ContentType
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode

from following import registry
from following.models import Follow

register = template.Library()


@register.inclusion_tag("following/includes/follow_button.html", takes_context=True)
def follow_button(context, obj):
    request = context.get("request")
    followable = registry.followable_for_model(type(obj)) if obj is not None else None
    if followable is None or request is None:
        return {"show": False}
    user = request.user
    is_following = (
        user.is_authenticated
        and Follow.objects.filter(
            user=user, content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
        ).exists()
    )
    here = request.get_full_path()
    return {
        "show": True,
        "obj": obj,
        "key": followable.key,
        "is_following": is_following,
        "is_signed_in": user.is_authenticated,
        "next": here,
        "sign_in_url": f"{reverse('account_login')}?{urlencode({'next': here})}",
        "csrf_token": context.get("csrf_token"),
    }


def render_follow_button(context, obj) -> str:
    """The button as portal's ``{% object_actions obj %}`` shows it (portal.registry)."""
    data = follow_button(context, obj)
    return render_to_string("following/includes/follow_button.html", data) if data["show"] else ""
