from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def figure(value):
    """A group's figure, rounded to whole points (as every public surface shows them)."""
    return "—" if value is None else number_format(round(float(value)), 0)


@register.filter
def score(value):
    """An organisation's own score, with one decimal."""
    return "—" if value is None else number_format(float(value), 1)


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None
