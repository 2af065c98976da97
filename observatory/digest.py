"""What the observatories give the digests and the Follow button (following.registry).

- observatories can be followed;
- sections: the publications published in the period, and the indicators' updates (dataset
  versions published in it);
- tags for other apps' items: the observatory a news item or an event is linked to (the links
  are the observatory's: Observatory.news, Observatory.events).
"""

from django.utils.translation import gettext_lazy as _

from following.registry import DigestItem, DigestSection, Followable, tag, tag_of
from observatory.models import Dataset, IndicatorSummary, Observatory, Publication

LIMIT = 200


def _published_in(queryset, period, only):
    if only is not None:
        return queryset.filter(pk__in=only)
    return queryset.filter(published_at__gte=period.start, published_at__lt=period.end)


def _m2m_tags(model, field, pks) -> dict[int, set[str]]:
    relation = model._meta.get_field(field)
    source, target = relation.m2m_field_name(), relation.m2m_reverse_field_name()
    label = relation.related_model._meta.label_lower
    found: dict[int, set[str]] = {}
    rows = relation.remote_field.through.objects.filter(**{f"{source}_id__in": pks})
    for pk, other in rows.values_list(f"{source}_id", f"{target}_id"):
        found.setdefault(pk, set()).add(tag_of(label, other))
    return found


def publications(period, only=None) -> list[DigestItem]:
    """Publications published in the period; tagged with their observatory, countries, bodies and topics."""
    found = list(
        _published_in(Publication.objects.published(), period, only)
        .select_related("observatory")
        .defer("body", "search_document", "citation")
        .order_by("-published_at", "-pk")[:LIMIT]
    )
    pks = [publication.pk for publication in found]
    extra = [_m2m_tags(Publication, field, pks) for field in ("countries", "bodies", "topics")]
    items = []
    for publication in found:
        tags = {tag(publication)}
        if publication.observatory_id:
            tags.add(tag_of("observatory.observatory", publication.observatory_id))
        for tags_of_field in extra:
            tags.update(tags_of_field.get(publication.pk, ()))
        items.append(DigestItem(obj=publication, tags=tags))
    return items


def dataset_versions(period, only=None) -> list[DigestItem]:
    """New versions of the indicators' data published in the period (the version the public sees);
    tagged with the observatory and the topics of its indicators."""
    found = list(
        _published_in(Dataset.objects.current(), period, only)
        .select_related("observatory")
        .order_by("-published_at", "-pk")[:LIMIT]
    )
    topics: dict[int, set[str]] = {}
    names: dict[int, list[str]] = {}
    summaries = (
        IndicatorSummary.objects.filter(dataset__in=found).select_related("indicator").order_by("indicator__position")
    )
    for summary in summaries:
        if summary.indicator.topic_id:
            topics.setdefault(summary.dataset_id, set()).add(tag_of("portal.topic", summary.indicator.topic_id))
        names.setdefault(summary.dataset_id, []).append(summary.indicator)
    items = []
    for dataset in found:
        dataset.digest_indicators = names.get(dataset.pk, [])
        items.append(
            DigestItem(
                obj=dataset,
                tags={tag_of("observatory.observatory", dataset.observatory_id), *topics.get(dataset.pk, ())},
            )
        )
    return items


def news_observatories(pks) -> dict[int, set[str]]:
    return _reverse_tags(Observatory.news.through, "news_id", pks)


def event_observatories(pks) -> dict[int, set[str]]:
    return _reverse_tags(Observatory.events.through, "event_id", pks)


def _reverse_tags(through, column, pks) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for pk, observatory_id in through.objects.filter(**{f"{column}__in": pks}).values_list(column, "observatory_id"):
        found.setdefault(pk, set()).add(tag_of("observatory.observatory", observatory_id))
    return found


FOLLOWABLE = Followable("observatory", Observatory, _("Observatories"), lambda: Observatory.objects.public(), order=10)
SECTIONS = [
    DigestSection("publications", _("Publications"), publications, "observatory/digest/publication_item.html", 20),
    DigestSection(
        "datasets", _("New data of the indicators"), dataset_versions, "observatory/digest/dataset_item.html", 30
    ),
]
