"""What consultations give the digests (following.registry): consultations opened in the period,
and those open now that close soon."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.models import Consultation
from following.registry import DigestItem, DigestSection, tag, tag_of

#: "Closing soon": open now, and closing within this.
CLOSING_SOON = timedelta(days=7)


def consultations(period, only=None) -> list[DigestItem]:
    """Four queries: the consultations, their bodies, topics and countries."""
    now = timezone.now()
    found = Consultation.objects.published().defer("document", "response", "final_document", "search_document")
    if only is not None:
        found = found.filter(pk__in=only)
    else:
        opened = Q(opens_at__gte=period.start, opens_at__lt=period.end, closes_at__gt=now)
        closing = Q(opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + CLOSING_SOON)
        found = found.filter(opened | closing)
    found = list(found.order_by("closes_at", "pk")[:100])
    pks = [consultation.pk for consultation in found]
    tags: dict[int, set[str]] = {}
    for field in ("bodies", "topics", "countries"):
        relation = Consultation._meta.get_field(field)
        column = f"{relation.m2m_reverse_field_name()}_id"
        label = relation.related_model._meta.label_lower
        for pk, other in relation.remote_field.through.objects.filter(consultation_id__in=pks).values_list(
            "consultation_id", column
        ):
            tags.setdefault(pk, set()).add(tag_of(label, other))
    items = []
    for consultation in found:
        consultation.closes_soon = consultation.opens_at <= now < consultation.closes_at <= now + CLOSING_SOON
        extra = (
            {tag_of("observatory.observatory", consultation.observatory_id)} if consultation.observatory_id else set()
        )
        items.append(DigestItem(obj=consultation, tags={tag(consultation), *extra, *tags.get(consultation.pk, ())}))
    return items


SECTION = DigestSection(
    "consultations", _("Consultations"), consultations, "consultations/digest/consultation_item.html", 50
)
