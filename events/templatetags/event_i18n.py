"""Marking event text that is shown in the other language because it has no translation yet.

Built on portal_i18n's ``shown_in``: ``<h3{{ speaker|lang_if_fallback:"role" }}>`` gives
``<h3 lang="en">`` on a Spanish page whose speaker has no Spanish role yet, and ``<h3>``
otherwise, so that screen readers read the text with the right voice.
"""

from django import template
from django.utils.html import format_html

from portal.templatetags.portal_i18n import shown_in

register = template.Library()


@register.filter
def lang_if_fallback(obj, field_name):
    code = shown_in(obj, field_name)
    return format_html(' lang="{}"', code) if code else ""


@register.filter
def shows_fallback(obj, field_names):
    """Whether any of ``"title,summary"`` is shown in the other language (for a page's note)."""
    return any(shown_in(obj, name.strip()) for name in field_names.split(","))
