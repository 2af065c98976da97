"""The breadcrumb trail of a page: one partial (templates/includes/breadcrumbs.html) for every page.

    {% load breadcrumbs %}
    {% breadcrumbs _("Home") "portal:home" _("Events") "events:event_list" current=event.title %}

Each step is a label and an address: a URL name that takes no arguments (reversed in the
active language), or a path (``organisation.get_absolute_url``, ``{% url … as … %}``).
``current`` is the page itself; ``current_lang`` marks its language when the text is shown
in the other one (a title not translated yet).
"""

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("includes/breadcrumbs.html")
def breadcrumbs(*trail, current, current_lang=""):
    if len(trail) % 2:
        raise template.TemplateSyntaxError("breadcrumbs takes a label and an address for each step.")
    steps = [
        (label, address if str(address).startswith(("/", "http")) else reverse(address))
        for label, address in zip(trail[::2], trail[1::2], strict=True)
    ]
    return {"steps": steps, "current": current, "current_lang": current_lang}
