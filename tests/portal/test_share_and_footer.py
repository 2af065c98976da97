"""Share links (plain addresses of the networks' share pages, no script of theirs), the print
stylesheet on every page, and the footer's contact of the secretariat."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from tests.events.factories import PublishedEventFactory
from tests.factories import PublishedNewsFactory
from tests.observatory.factories import PublishedPublicationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("factory", [PublishedNewsFactory, PublishedEventFactory, PublishedPublicationFactory])
def test_detail_pages_have_plain_share_links_and_a_copy_button(client, settings, factory):
    item = factory(title="Ministers meet in Lima & Bogotá")
    html = client.get(item.get_absolute_url()).content.decode()
    address = quote(f"{settings.SITE_URL}{item.get_absolute_url()}", safe="")
    assert f'href="https://www.linkedin.com/sharing/share-offsite/?url={address}"' in html
    assert f'href="https://www.facebook.com/sharer/sharer.php?u={address}"' in html
    assert f"https://x.com/intent/post?url={address}&amp;text=Ministers%20meet%20in%20Lima%20%26%20Bogot%C3%A1" in html
    assert f"https://wa.me/?text=Ministers%20meet%20in%20Lima%20%26%20Bogot%C3%A1%20{address}" in html
    assert f"mailto:?subject=Ministers%20meet%20in%20Lima%20%26%20Bogot%C3%A1&amp;body={address}" in html
    assert 'class="share__copy-item" hidden' in html  # shown by share.js where a clipboard exists
    # No script or pixel from another host.
    assert '<script src="http' not in html and "<iframe" not in html


def test_a_preview_offers_no_share_links(editor_client):
    from tests.factories import DraftNewsFactory

    draft = DraftNewsFactory()
    html = editor_client.get(draft.get_absolute_url()).content.decode()
    assert "share-offsite" not in html


def test_every_page_has_the_print_stylesheet(client):
    html = client.get(reverse("portal:home")).content.decode()
    assert 'href="/static/css/print.css" media="print"' in html


def test_the_footer_gives_the_secretariat_s_contact_or_says_it_is_a_placeholder(client, settings):
    html = client.get(reverse("portal:home")).content.decode()
    assert '<a href="https://alianzapacifico.net/">alianzapacifico.net</a>' in html
    assert "Email: to be configured (placeholder)" in html and "Address: to be configured (placeholder)" in html
    settings.SECRETARIAT_EMAIL = "secretariat@example.org"
    settings.SECRETARIAT_ADDRESS = "Street 1\nLima"
    settings.SOCIAL_LINKS = [{"label": "LinkedIn", "url": "https://www.linkedin.com/company/example"}]
    html = client.get(reverse("portal:home")).content.decode()
    assert '<a href="mailto:secretariat@example.org">secretariat@example.org</a>' in html
    assert "Street 1<br>Lima" in html and "(placeholder)" not in html
    assert '<a href="https://www.linkedin.com/company/example">LinkedIn</a>' in html
