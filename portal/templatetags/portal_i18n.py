"""Template helpers for a bilingual site: the same page in the other language, and whether a
piece of content is shown in the other language because it has no translation yet."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def page_in_language(context, language_code):
    """The current page's address in ``language_code`` (same page, same query string)."""
    request = context.get("request")
    if request is None:
        return "/"
    path = translate_url(request.path, language_code)
    query = request.GET.urlencode()
    return f"{path}?{query}" if query else path


@register.filter
def shown_in(obj, field_name):
    """The language ``obj.<field_name>`` is actually shown in ('' when it is the page's own).

    With django-modeltranslation, an empty translation falls back to the other language;
    templates use this to say so and to mark the text with the right ``lang``.
    """
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if getattr(obj, f"{field_name}_{current}", None):
        return ""
    for code, _name in settings.LANGUAGES:
        if code != current and getattr(obj, f"{field_name}_{code}", None):
            return code
    return ""


@register.filter
def lang_if_fallback(obj, field_name):
    """`` lang="en"`` when ``obj.<field_name>`` is shown in the other language, else nothing:
    ``<p{{ observatory|lang_if_fallback:"mission" }}>`` (screen readers then use the right voice)."""
    code = shown_in(obj, field_name)
    return format_html(' lang="{}"', code) if code else ""
