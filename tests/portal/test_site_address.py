"""The demo's address follows `make run HOST=… PORT=…` (SITE_URL, from var/demo.env): every
absolute link the site writes or prints uses it, never a hard-coded :8000."""

import io
import re

import pytest
from django.core.management import call_command

from tests.factories import PublishedNewsFactory

pytestmark = pytest.mark.django_db

SITE_URL = "http://127.0.0.1:8101"
HOST = "127.0.0.1:8101"


@pytest.fixture
def on_port_8101(settings):
    settings.SITE_URL = SITE_URL
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    return settings


def test_canonical_and_hreflang_links_follow_the_site_address(client, on_port_8101):
    news = PublishedNewsFactory()
    html = client.get(news.get_absolute_url(), HTTP_HOST=HOST).content.decode()
    links = re.findall(r'<link rel="(?:canonical|alternate" hreflang="[^"]+)" href="([^"]+)"', html)
    assert len(links) >= 4, links  # canonical, en, es, x-default
    assert all(link.startswith(SITE_URL + "/") for link in links), links
    assert ":8000" not in html


def test_the_feed_s_self_link_follows_the_site_address(client, on_port_8101):
    PublishedNewsFactory()
    xml = client.get("/news/feed/", HTTP_HOST=HOST).content.decode()
    assert f'href="{SITE_URL}/news/feed/"' in xml or f'<atom:link href="{SITE_URL}/news/feed/"' in xml, xml[:600]
    assert ":8000" not in xml


def test_the_sitemap_lists_addresses_on_the_demo_s_port(client, on_port_8101):
    news = PublishedNewsFactory()
    xml = client.get("/sitemap.xml", HTTP_HOST=HOST).content.decode()
    assert f"<loc>{SITE_URL}{news.get_absolute_url()}</loc>" in xml
    assert ":8000" not in xml


def test_seed_demo_prints_the_sign_in_address_on_the_demo_s_port(on_port_8101):
    on_port_8101.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert f"{SITE_URL}/accounts/login/" in out.getvalue()
    assert ":8000" not in out.getvalue()
