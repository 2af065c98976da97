"""What integrity gives the digests and the Follow button (following.registry): initiatives can be
followed; the section tells of initiatives published in the period and of those that gained
signatories in it."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from following.registry import DigestItem, DigestSection, Followable, tag, tag_of
from integrity.models import Initiative

LIMIT = 100


def initiatives(period, only=None) -> list[DigestItem]:
    """Three queries: the initiatives (new, or with new signatories, counted), their countries and topics."""
    live = Initiative.objects.published().defer("goals", "activities", "search_document")
    new_signatures = Count(
        "signatures",
        filter=Q(
            signatures__signed_at__gte=period.start,
            signatures__signed_at__lt=period.end,
            signatures__withdrawn_at__isnull=True,
        ),
    )
    found = live.annotate(new_signatories=new_signatures)
    if only is not None:
        found = found.filter(pk__in=only)
    else:
        found = found.filter(Q(published_at__gte=period.start, published_at__lt=period.end) | Q(new_signatories__gt=0))
    found = list(found.order_by("-published_at", "pk")[:LIMIT])
    pks = [initiative.pk for initiative in found]
    tags: dict[int, set[str]] = {}
    for field, label in (("countries", "portal.country"), ("topics", "portal.topic")):
        through = Initiative._meta.get_field(field).remote_field.through
        column = f"{Initiative._meta.get_field(field).m2m_reverse_field_name()}_id"
        for pk, other in through.objects.filter(initiative_id__in=pks).values_list("initiative_id", column):
            tags.setdefault(pk, set()).add(tag_of(label, other))
    for initiative in found:
        initiative.is_new_in_digest = bool(initiative.published_at and initiative.published_at >= period.start)
    return [DigestItem(obj=initiative, tags={tag(initiative), *tags.get(initiative.pk, ())}) for initiative in found]


FOLLOWABLE = Followable(
    "initiative", Initiative, _("Collective action initiatives"), lambda: Initiative.objects.published(), order=60
)
SECTION = DigestSection(
    "initiatives", _("Collective action for integrity"), initiatives, "integrity/digest/initiative_item.html", 60
)
