"""``{% object_actions obj %}``: what the feature apps offer on an object's page (e.g. following's
Follow button), registered through portal.registry.register_object_action; nothing when none did."""

from django import template
from django.utils.safestring import mark_safe

from portal import registry

register = template.Library()


@register.simple_tag(takes_context=True)
def object_actions(context, obj):
    if obj is None:
        return ""
    return mark_safe("".join(render(context, obj) for render in registry.object_actions()))
