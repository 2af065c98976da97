"""The parts every card shares (templates/includes/card.html is the card itself).

{% load cards %}
{% card_link news %}                the card's one link: the title, to the item's page
{% card_link observatory "name" %}  the same for a model whose title is its name
"""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from portal.templatetags.portal_i18n import shown_in

register = template.Library()


@register.simple_tag
def card_link(item, field="title"):
    """The title of ``item`` linked to its page. A title shown in the other language (no
    translation yet) carries that ``lang`` and says so with a visible language tag."""
    lang = shown_in(item, field)
    link = format_html(
        '<a href="{}"{}>{}</a>',
        item.get_absolute_url(),
        format_html(' lang="{}"', lang) if lang else "",
        getattr(item, field),
    )
    if not lang:
        return link
    return format_html(
        '{} <span class="tag tag--language" title="{}">{}</span>', link, _("Not translated yet"), lang.upper()
    )
