from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Consultations")

    def ready(self):
        from consultations.roles import CONSULTATION_GRANTS
        from portal.roles import register_grants

        register_grants("consultations", CONSULTATION_GRANTS)
        _register_on_site_pages()
        _register_personal_data()
        _register_sweeps()
        _register_digest_section()
        _watch_what_public_pages_show()


def _watch_what_public_pages_show():
    """The cached public pages turn when these change (portal.cache.watch). The opening and
    closing times pass by the clock: the views keep such pages out of the cache near them
    (consultations.views._unless_soon_stale)."""
    from consultations.models import Comment, Consultation, Paragraph
    from portal import cache

    # A consultation once published, with its paragraphs; the participants' email stamp changes no page.
    cache.watch(Consultation, ignore=(*cache.BOOKKEEPING, "response_notified_at"), shown_when=cache.PUBLISHED)
    cache.watch(Paragraph, part_of="consultation")
    # A comment is on the page once approved (and counted per paragraph and sector); one waiting
    # for moderation, a report count and the decision emails' stamps change no page.
    cache.watch(
        Comment,
        fields=("text", "paragraph", "author_name", "author_organisation", "author_sector", "author_country"),
        shown_when={"status": Comment.Status.APPROVED},
    )


def _register_on_site_pages():
    from consultations import registry as pages
    from consultations.models import Comment, Consultation
    from portal import cache, registry

    registry.register_search(
        registry.SearchProvider(
            key="consultations",
            label=_("Consultations"),
            search=pages.consultation_search,
            result_template="consultations/includes/search_result.html",
            order=30,
        )
    )
    registry.register_home_block(
        registry.HomeBlock(
            key="consultations",
            template="consultations/includes/home_block.html",
            block_context=pages.open_consultations_block,
            order=15,
            tags=(cache.kind(Consultation), cache.kind(Comment)),  # with their comment counts
        )
    )
    registry.register_sitemap("consultation-sections", pages.SectionSitemap)
    registry.register_sitemap("consultations", pages.ConsultationSitemap)


def _register_personal_data():
    from accounts.registry import PersonalData, register
    from consultations import services

    register(
        PersonalData(
            key="consultation_comments",
            label=_("My comments on consultations"),
            export=services.export_comments,
            erase=services.erase_comments,
            section_template="consultations/includes/my_comments.html",
            section_context=lambda user: {"comments": services.comments_of(user)},
            order=35,
        )
    )


def _register_sweeps():
    from consultations import emails
    from portal import registry

    registry.register_sweep(registry.Sweep("consultations", emails.queue_owed_emails, order=65))


def _register_digest_section():
    from consultations import digest
    from following import registry

    registry.register_digest_section(digest.SECTION)
