from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrityConfig(AppConfig):
    name = "integrity"
    verbose_name = _("Integrity")

    def ready(self):
        from integrity.roles import INTEGRITY_GRANTS
        from portal.roles import register_grants

        register_grants("integrity", INTEGRITY_GRANTS)
        _register_on_site_pages()
        _register_personal_data()
        _register_api()
        _watch_what_public_pages_show()
        _register_following()


def _register_following():
    """Initiatives can be followed; new ones and new signatories go in the digests (integrity.digest)."""
    from following import registry
    from integrity import digest

    registry.register_followable(digest.FOLLOWABLE)
    registry.register_digest_section(digest.SECTION)


def _register_on_site_pages():
    from django.urls import reverse
    from django.utils.http import urlencode

    from integrity.models import Initiative
    from integrity.sitemaps import InitiativeSitemap, IntegritySectionSitemap
    from integrity.views import assessment_section
    from organisations.registry import OrganisationSection, register_section
    from portal import registry, search, vocabulary

    registry.register_search(
        registry.SearchProvider(
            key="initiatives",
            label=_("Integrity initiatives"),
            search=lambda text: search.search(
                Initiative.objects.published().defer("goals", "activities", "search_document"),
                text,
                fallback_fields=("name", "summary", "mission", "activities"),
            ),
            result_template="integrity/includes/initiative_result.html",
            more_url=lambda text: f"{reverse('integrity:initiative_list')}?{urlencode({'q': text})}",
            order=40,
            vocabulary=lambda: vocabulary.titles(Initiative.objects.published(), ("name",)),
        )
    )
    registry.register_sitemap("integrity-sections", IntegritySectionSitemap)
    registry.register_sitemap("initiatives", InitiativeSitemap)
    register_section(
        OrganisationSection(
            key="integrity",
            label=_("Integrity self-assessment and pledges"),
            template="integrity/includes/organisation_section.html",
            section_context=assessment_section,
            order=10,
        )
    )


def _register_personal_data():
    from accounts.registry import PersonalData, register
    from integrity import services

    register(
        PersonalData(
            key="integrity",
            label=_("My answers to self-assessments"),
            export=services.export_my_answers,
            erase=services.erase_my_answers,
            order=45,
        )
    )


def _register_api():
    from integrity.api import BenchmarkView, InitiativeViewSet, MyAssessmentViewSet
    from portal import registry

    registry.register_api("integrity/initiatives", InitiativeViewSet, basename="integrity-initiative")
    registry.register_api("me/assessments", MyAssessmentViewSet, basename="my-assessment")
    from django.urls import path

    registry.register_api_paths([path("integrity/benchmarks/", BenchmarkView.as_view(), name="integrity-benchmarks")])


def _watch_what_public_pages_show():
    """The cached public pages turn when these change (portal.cache.watch). The benchmarks are
    rewritten in bulk: their recompute turns the version itself (integrity.benchmarks)."""
    from integrity.models import (
        Initiative,
        InitiativePartner,
        InitiativeSource,
        PledgeSignature,
        PledgeVersion,
        Questionnaire,
    )
    from portal import cache

    cache.watch(Initiative, ignore=cache.BOOKKEEPING, shown_when=cache.PUBLISHED)
    # Its partners, sources and pledge texts; and its signatories, listed on its page: a signature
    # and a withdrawal turn the version.
    for part in (InitiativePartner, InitiativeSource, PledgeVersion, PledgeSignature):
        cache.watch(part, part_of="initiative")
    # The questionnaires' titles, on the initiative's page and the public dashboard.
    cache.watch(Questionnaire)
