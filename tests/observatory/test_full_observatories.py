"""The observatories hold their knowledge: the demo's publications, news and events are theirs,
README's API examples return results, and search and the sitemap know the observatories."""

import re
import shlex
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from observatory.models import Observatory
from tests.observatory.factories import ObservatoryFactory, PublishedPublicationFactory

pytestmark = pytest.mark.django_db

README = Path(settings.BASE_DIR) / "README.md"


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)


def readme_public_api_examples() -> list[tuple[str, dict]]:
    """Every `curl` of README that reads the public API (no token, no other method): (path, headers)."""
    examples = []
    for line in README.read_text(encoding="utf-8").splitlines():
        if not line.startswith("curl ") or "/api/v1/" not in line or "Authorization" in line or " -X " in line:
            continue
        words = shlex.split(line.split("|")[0])
        url = next(word for word in words if word.startswith("http://127.0.0.1:8000/api/v1/"))
        headers = {}
        for flag, value in zip(words, words[1:], strict=False):
            if flag == "-H":
                name, _, content = value.partition(":")
                headers["HTTP_" + name.strip().upper().replace("-", "_")] = content.strip()
        examples.append((url.removeprefix("http://127.0.0.1:8000"), headers))
    return examples


def test_both_observatories_are_full(seeded, client):
    for observatory in Observatory.objects.all():
        publications = observatory.publications.published()
        assert publications.count() >= 2, observatory.slug
        assert observatory.news.exists() and observatory.events.exists(), observatory.slug
        for prefix in ("", "/es"):
            html = client.get(f"{prefix}/observatories/{observatory.slug}/").content.decode()
            assert "has not published anything yet" not in html and "aún no ha publicado" not in html
            assert f"/publications/{publications.first().slug}/" in html
    labour = Observatory.objects.get(slug="regional-labor-observatory")
    assert labour.publications.filter(slug="emple-ap-labour-market-insertion-and-employability").exists()
    assert labour.publications.filter(slug="analysis-report-gender-equality-policies").exists()


def test_the_api_counts_each_observatory_s_publications(seeded, client):
    counts = {
        item["slug"]: item["publication_count"] for item in client.get("/api/v1/observatories/").json()["results"]
    }
    assert counts["public-procurement-observatory"] >= 2 and counts["regional-labor-observatory"] >= 2


def test_every_public_api_example_of_the_readme_returns_results(seeded, client):
    examples = readme_public_api_examples()
    assert len(examples) >= 3
    for path, headers in examples:
        response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.content[:300])
        if response["Content-Type"].startswith("text/csv"):  # a download: a header and rows
            assert len(response.content.decode().strip().splitlines()) > 1, path
        else:
            assert response.json()["count"] > 0, path


def test_the_demo_publications_of_the_observatories_are_in_both_languages(seeded, client):
    html = client.get("/es/publications/emple-ap-labour-market-insertion-and-employability/").content.decode()
    assert "<h1>EMPLE-AP: Observatorio para la Inserción Laboral" in html
    assert "translation-note" not in html


def test_site_search_finds_the_observatories(client):
    ObservatoryFactory(name_en="Regional Labor Observatory", funding_en="Erasmus+ programme of the European Union")
    ObservatoryFactory(name_en="Public Procurement Observatory", name_es="Observatorio de Compras Públicas")

    english = client.get("/search/", {"q": "erasmus"}).content.decode()
    assert 'id="search-observatories"' in english and "Regional Labor Observatory" in english
    spanish = client.get("/es/search/", {"q": "compras públicas"}).content.decode()
    assert "Observatorio de Compras Públicas" in spanish


def test_a_hidden_observatory_is_not_found(client):
    ObservatoryFactory(name_en="Hidden observatory of quinoa", is_public=False)
    assert "Hidden observatory" not in client.get("/search/", {"q": "quinoa"}).content.decode()


def test_the_sitemap_lists_the_spanish_addresses_of_observatories_and_publications(client):
    observatory = ObservatoryFactory()
    publication = PublishedPublicationFactory(observatory=observatory)

    xml = client.get("/sitemap.xml").content.decode()

    for path in (f"/observatories/{observatory.slug}/", f"/publications/{publication.slug}/", "/publications/"):
        assert re.search(rf"<loc>http://testserver/es{re.escape(path)}</loc>", xml), path
        assert f'hreflang="es" href="http://testserver/es{path}"' in xml
