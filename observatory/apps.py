from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservatoryConfig(AppConfig):
    name = "observatory"
    verbose_name = _("Observatories")

    def ready(self):
        from observatory import checks  # noqa: F401  (registers system checks)
        from observatory.roles import ALL_GRANTS
        from portal.roles import register_grants

        register_grants("observatory", ALL_GRANTS)
        _register_on_site_pages()
        _register_personal_data()
        _register_api()
        _watch_what_public_pages_show()
        _register_sweeps()
        _register_following()


def _register_following():
    """Observatories can be followed; publications and new data go in the digests (observatory.digest)."""
    from following import registry
    from observatory import digest

    registry.register_followable(digest.FOLLOWABLE)
    for section in digest.SECTIONS:
        registry.register_digest_section(section)
    registry.register_tags("portal.news", digest.news_observatories)
    registry.register_tags("events.event", digest.event_observatories)


def _register_sweeps():
    from observatory import emails
    from portal import registry

    registry.register_sweep(registry.Sweep("comment-decisions", emails.notify_owed_comment_decisions, order=60))


def _register_on_site_pages():
    from django.urls import reverse
    from django.utils.http import urlencode

    from observatory import search
    from observatory.headlines import CARD_TAGS, with_headlines
    from observatory.models import Indicator, Observatory, Publication
    from observatory.sitemaps import IndicatorSitemap, ObservatorySitemap, PublicationSitemap, SectionSitemap
    from portal import registry, vocabulary

    registry.register_search(
        registry.SearchProvider(
            key="publications",
            label=_("Publications"),
            search=lambda text: search.search(
                Publication.objects.published()
                .select_related("observatory")
                .defer("body", "search_document", "citation"),
                text,
            ),
            result_template="observatory/includes/publication_result.html",
            more_url=lambda text: f"{reverse('observatory:publication_list')}?{urlencode({'q': text})}",
            order=20,
            vocabulary=lambda: vocabulary.titles(Publication.objects.published()),
        )
    )
    registry.register_search(
        registry.SearchProvider(
            key="indicators",
            label=_("Indicators"),
            search=search.search_indicators,
            result_template="observatory/includes/indicator_result.html",
            order=25,
            vocabulary=lambda: vocabulary.titles(Indicator.objects.public(), ("name",)),
        )
    )
    registry.register_search(
        registry.SearchProvider(
            key="observatories",
            label=_("Observatories"),
            search=search.search_observatories,
            result_template="observatory/includes/observatory_result.html",
            more_url=None,
            order=15,
            vocabulary=lambda: vocabulary.titles(Observatory.objects.public(), ("name",)),
        )
    )
    registry.register_home_block(
        registry.HomeBlock(
            key="observatories",
            template="observatory/includes/home_block.html",
            block_context=lambda request: {
                "observatories": with_headlines(list(Observatory.objects.for_listing())),
                "publications": list(Publication.objects.for_home()),
            },
            order=20,
            tags=CARD_TAGS,  # the observatories' cards; the latest publications
        )
    )
    registry.register_sitemap("observatory-sections", SectionSitemap)
    registry.register_sitemap("observatories", ObservatorySitemap)
    registry.register_sitemap("publications", PublicationSitemap)
    registry.register_sitemap("indicators", IndicatorSitemap)


def _register_api():
    from observatory.api import (
        DatasetViewSet,
        IndicatorViewSet,
        ObservationViewSet,
        ObservatoryViewSet,
        PublicationViewSet,
    )
    from portal import registry

    registry.register_api("observatories", ObservatoryViewSet, basename="observatory")
    registry.register_api("publications", PublicationViewSet, basename="publication")
    registry.register_api("indicators", IndicatorViewSet, basename="indicator")
    registry.register_api("datasets", DatasetViewSet, basename="dataset")
    registry.register_api("observations", ObservationViewSet, basename="observation")


def _register_personal_data():
    from accounts.registry import PersonalData, register
    from observatory import services

    register(
        PersonalData(
            key="comments",
            label=_("My comments on publications"),
            export=services.export_comments,
            erase=services.erase_comments,
            section_template="observatory/includes/my_comments.html",
            section_context=lambda user: {"comments": services.comments_of(user)},
            order=30,
        )
    )


def _indicators_of_dataset(dataset):
    """What a dataset version's publish (or edit) turns besides its own tags: every indicator
    with figures in any version of it (the current one may change, an indicator may appear or
    go), as an edit of that indicator would (its page, its lists, the pages linked to it)."""
    from observatory.models import Indicator
    from portal import cache

    spec = cache.watched()[Indicator]
    indicators = Indicator.objects.filter(summaries__dataset__key=dataset.key).distinct()
    return {tag for indicator in indicators for tag in spec.tags_of(indicator)}


def _watch_what_public_pages_show():
    """The cached public pages turn when these change (portal.cache.watch)."""
    from observatory.models import (
        Collaborator,
        Comment,
        Dataset,
        FocusArea,
        Indicator,
        IndicatorSummary,
        Observation,
        Observatory,
        Partner,
        Publication,
        PublicationFile,
    )
    from portal import cache

    # Observatories are always public, with their partners, focus areas and linked news and events.
    for model in (Observatory, Partner, FocusArea):
        cache.watch(model)
    # An indicator's name, definition and links show on the data pages; its numbers come with a
    # dataset version once published (observations and summaries are written with it, at import).
    cache.watch(Indicator)
    cache.watch(Dataset, ignore=cache.BOOKKEEPING, shown_when=cache.PUBLISHED, also=_indicators_of_dataset)
    for part in (Observation, IndicatorSummary):
        cache.watch(part, part_of="dataset")
    # A publication once published, with its collaborators and files.
    cache.watch(Publication, ignore=cache.BOOKKEEPING, shown_when=cache.PUBLISHED)
    for part in (Collaborator, PublicationFile):
        cache.watch(part, part_of="publication")
    # A comment is on its publication's page once approved (and counted per sector), on no list:
    # approving it, hiding it after reports, or erasing its author's name turns that page only; a
    # comment waiting for moderation, a rejection, a report count and the decision emails' stamps
    # change no page.
    cache.watch(
        Comment,
        fields=("text", "author_name", "author_organisation", "author_sector", "author_country", "created_at"),
        shown_when={"status": Comment.Status.APPROVED},
        part_of="publication",
        on_lists=False,
    )
