from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from portal import checks  # noqa: F401  (registers system checks)
        from portal.roles import ALL_PORTAL_GRANTS, register_grants, sync_roles

        register_grants("portal", ALL_PORTAL_GRANTS)
        _register_news()
        post_migrate.connect(sync_roles, dispatch_uid="portal.sync_roles")
        _watch_what_public_pages_show()

        from portal import request_ids

        request_ids.connect_signals()
        _register_sweeps()
        _keep_every_language_in_revisions()


def _keep_every_language_in_revisions():
    """Revisions hold each language's text: django-reversion registered the models (in their
    models.py) with the fields they had then, before django-modeltranslation added ``title_en``,
    ``title_es``…, so a revision kept one language only, and restoring it lost the other. Each
    registered model gets the translations of the fields it was registered with (same follows)."""
    import reversion
    from django.conf import settings
    from modeltranslation.translator import NotRegistered, translator
    from modeltranslation.utils import build_localized_fieldname
    from reversion.revisions import _get_options

    languages = [code for code, _name in settings.LANGUAGES]
    for model in list(reversion.get_registered_models()):
        try:
            translated = translator.get_options_for_model(model).fields
        except NotRegistered:
            continue
        options = _get_options(model)
        extra = [
            build_localized_fieldname(name, code)
            for name in options.fields
            if name in translated
            for code in languages
            if build_localized_fieldname(name, code) not in options.fields
        ]
        if not extra:
            continue
        reversion.unregister(model)
        reversion.register(
            model,
            fields=[*options.fields, *extra],
            follow=options.follow,
            format=options.format,
            for_concrete_model=options.for_concrete_model,
            ignore_duplicates=options.ignore_duplicates,
            use_natural_foreign_keys=options.use_natural_foreign_keys,
        )


def _watch_what_public_pages_show():
    """The cached public pages turn when these change (portal.cache.watch; each app declares its own)."""
    from portal import cache
    from portal.models import Body, Country, KeyFigure, News, NewsLink, Topic

    # The taxonomy is on every list, filter and card: a change turns every page.
    for taxonomy in (Country, Body, Topic):
        cache.watch(taxonomy, everywhere=True)
    # The home's key figures, beside its map.
    cache.watch(KeyFigure)
    # News once published (or scheduled), with its related links; a draft's edit changes no page.
    # The lists' year filter changes when an item is the only one of its year.
    cache.watch(News, ignore=cache.BOOKKEEPING, shown_when=cache.PUBLISHED, also=_news_years_if_alone)
    cache.watch(NewsLink, part_of="news")


def _news_years_if_alone(news) -> set[str]:
    """The news years' tag when ``news`` may add its year to the lists' year filter or take it
    away: no other published item is of that year (one query per shown change of a news item).
    A date moved from a year it was alone in leaves that year offered (with no news) until the
    cached filtered lists expire."""
    from portal import cache
    from portal.models import News

    if news.published_at is None:
        return set()
    year = timezone.localtime(news.published_at).year
    others = News.objects.published().filter(published_at__year=year).exclude(pk=news.pk)
    return set() if others.exists() else {cache.years(News)}


def _register_sweeps():
    from portal import emails, outbox, registry, vocabulary

    registry.register_sweep(registry.Sweep("workflow-notifications", emails.notify_owed_workflow_events, order=40))
    registry.register_sweep(registry.Sweep("search-vocabulary", vocabulary.refresh, order=30))
    # Last: what the other sweeps queued goes out in the same run.
    registry.register_sweep(registry.Sweep("outbox", lambda: outbox.deliver_due().sent, order=900))
    registry.register_sweep(registry.Sweep("outbox-prune", outbox.prune, order=950))


def _register_news():
    from django.urls import reverse
    from django.utils.http import urlencode

    from portal import registry, search, vocabulary
    from portal.models import News

    registry.register_search(
        registry.SearchProvider(
            key="news",
            label=_("News"),
            search=lambda text: search.search(
                News.objects.for_listing(), text, fallback_fields=("title", "lead", "body")
            ),
            result_template="portal/includes/news_result.html",
            more_url=lambda text: f"{reverse('portal:news_list')}?{urlencode({'q': text})}",
            order=10,
            vocabulary=lambda: vocabulary.titles(News.objects.published()),
        )
    )
