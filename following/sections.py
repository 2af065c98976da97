"""What following registers itself: the taxonomy as followable (countries, bodies, topics) and the
news section of the digest. They are portal's, which following may import (portal imports none
of the feature apps); every other section and followable comes from its own app."""

from django.utils.translation import gettext_lazy as _

from following.registry import DigestItem, DigestSection, Followable, tag_of
from portal.models import Body, Country, News, Topic


def through_tags(model, field: str, pks: list) -> dict[int, set[str]]:
    """``{pk: {"portal.topic:3", …}}`` from a many-to-many ``field`` of ``model`` (one query)."""
    relation = model._meta.get_field(field)
    through = relation.remote_field.through
    source = relation.m2m_field_name()
    target = relation.m2m_reverse_field_name()
    label = relation.related_model._meta.label_lower
    tags: dict[int, set[str]] = {}
    for pk, other in through.objects.filter(**{f"{source}_id__in": pks}).values_list(f"{source}_id", f"{target}_id"):
        tags.setdefault(pk, set()).add(tag_of(label, other))
    return tags


def items_with_tags(objects: list, model, fields: tuple) -> list[DigestItem]:
    """Digest items for ``objects``, tagged with their many-to-many ``fields`` (one query each) and
    with themselves (so that following an item, an initiative say, matches it)."""
    pks = [obj.pk for obj in objects]
    found = [through_tags(model, name, pks) for name in fields]
    items = []
    for obj in objects:
        tags = {tag_of(obj._meta.label_lower, obj.pk)}
        for tags_of_field in found:
            tags.update(tags_of_field.get(obj.pk, ()))
        items.append(DigestItem(obj=obj, tags=tags))
    return items


def published_in(queryset, period, only):
    if only is not None:
        return queryset.filter(pk__in=only)
    return queryset.filter(published_at__gte=period.start, published_at__lt=period.end)


def news_items(period, only=None) -> list[DigestItem]:
    news = list(
        published_in(News.objects.published(), period, only).newest_first().defer("body", "search_document")[:200]
    )
    return items_with_tags(news, News, ("countries", "bodies", "topics"))


FOLLOWABLES = [
    Followable("country", Country, _("Countries"), lambda: Country.objects.order_by("name"), order=40),
    Followable("topic", Topic, _("Topics"), lambda: Topic.objects.order_by("name"), order=30),
    Followable("body", Body, _("Bodies of the Pacific Alliance"), lambda: Body.objects.order_by("name"), order=50),
]
NEWS = DigestSection("news", _("News"), news_items, "following/digest/news_item.html", order=10)
