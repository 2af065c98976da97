from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from portal.management.commands.seed_demo import parse_article
from portal.models import Body, Country, KeyFigure, News, Status, Topic, WorkflowEvent

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_every_article_as_published_news_and_is_idempotent(settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    count = News.objects.count()
    assert count >= 21
    assert News.objects.published().count() == count
    launch = News.objects.get(slug="public-procurement-observatory-launched")
    assert launch.title == "The Public Procurement Observatory of the Pacific Alliance was officially launched"
    assert launch.published_at.date().isoformat() == "2023-12-04"
    assert "December 4, 2023" in launch.body
    assert launch.bodies.filter(slug="public-procurement-committee").exists()
    assert Country.objects.filter(status=Country.Status.MEMBER).count() == 4
    events = WorkflowEvent.objects.count()
    # Honest demo images: a map of the countries each item covers, said to be an illustration.
    anniversary = News.objects.get(slug="eleventh-anniversary")
    assert anniversary.cover_is_illustration and anniversary.cover_image.name.startswith("news/")
    assert (
        anniversary.cover_alt_en == "Illustration: a map of Chile, Colombia, Mexico, Peru and Singapore, highlighted."
    )
    assert anniversary.cover_alt_es.startswith("Ilustración: un mapa")
    assert not News.objects.filter(cover_image="").exists()
    images = {item.pk: item.cover_image.name for item in News.objects.all()}
    assert KeyFigure.objects.filter(
        key="observer-states", value_en="61", source_news__slug="eleventh-anniversary"
    ).exists()
    call_command("seed_demo", verbosity=0)
    assert {item.pk: item.cover_image.name for item in News.objects.all()} == images  # nothing drawn again
    assert News.objects.count() == count
    assert WorkflowEvent.objects.count() == events
    assert Country.objects.count() and Body.objects.count() and Topic.objects.count()
    assert not News.objects.exclude(status=Status.PUBLISHED).exists()


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses"):
        call_command("seed_demo", verbosity=0)
    assert not News.objects.exists()


def test_the_procurement_observatory_launch_ends_with_the_address_of_the_source_as_a_link():
    """It ended with "…Observatory at:" and nothing: the address on the next line was lost."""
    article = parse_article(
        Path(settings.BASE_DIR) / "fixtures/news/2023-12-04-public-procurement-observatory-launched.txt"
    )
    link = '<a href="https://alianzapacifico.net/observatorio-compras-publicas-ap/">'
    assert article.body.endswith(
        f"Observatory at: {link}https://alianzapacifico.net/observatorio-compras-publicas-ap/</a></p>"
    )
    assert article.body_es.endswith(
        f"Públicas en: {link}https://alianzapacifico.net/observatorio-compras-publicas-ap/</a></p>"
    )
