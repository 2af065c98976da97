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
        _invalidate_cached_pages_on_change()
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
    from observatory.models import Observatory, Publication
    from observatory.sitemaps import IndicatorSitemap, ObservatorySitemap, PublicationSitemap, SectionSitemap
    from portal import registry

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
        )
    )
    registry.register_search(
        registry.SearchProvider(
            key="indicators",
            label=_("Indicators"),
            search=search.search_indicators,
            result_template="observatory/includes/indicator_result.html",
            order=25,
        )
    )
    registry.register_home_block(
        registry.HomeBlock(
            key="observatories",
            template="observatory/includes/home_block.html",
            block_context=lambda request: {
                "observatories": list(Observatory.objects.for_listing()),
                "publications": list(Publication.objects.for_home()),
            },
            order=20,
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


def _invalidate_cached_pages_on_change():
    """Observatories and their parts are shown on public pages too (portal.cache watches publications)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from observatory.models import FocusArea, Indicator, Observatory, Partner
    from portal.cache import bump_content_version

    # An indicator's name, definition and links show on the data pages (its numbers come with
    # dataset versions, which portal.cache already watches as publishable content).
    for model in (Observatory, Partner, FocusArea, Indicator):
        label = model._meta.label
        post_save.connect(bump_content_version, sender=model, dispatch_uid=f"observatory.cache.save.{label}")
        post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"observatory.cache.delete.{label}")
    for field in [*Observatory._meta.many_to_many, *Indicator._meta.many_to_many]:
        m2m_changed.connect(
            bump_content_version,
            sender=field.remote_field.through,
            dispatch_uid=f"observatory.cache.m2m.{field.model._meta.model_name}.{field.name}",
        )
