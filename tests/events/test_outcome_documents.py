import pytest

from tests.events.factories import PastEventFactory, PublishedEventFactory
from tests.observatory.factories import DraftPublicationFactory, PublishedPublicationFactory

pytestmark = pytest.mark.django_db


def test_a_past_event_page_lists_its_published_outcome_documents(client):
    event = PastEventFactory()
    outcome = PublishedPublicationFactory(title="Exit document of the meeting")
    draft = DraftPublicationFactory(title="Unfinished minutes")
    outcome.events.add(event)
    draft.events.add(event)
    html = client.get(event.get_absolute_url()).content.decode()
    assert "Publications from this event" in html
    assert outcome.get_absolute_url() in html
    assert "Unfinished minutes" not in html


def test_an_event_still_to_come_has_no_outcome_documents_section(client):
    event = PublishedEventFactory()
    PublishedPublicationFactory().events.add(event)
    assert "Publications from this event" not in client.get(event.get_absolute_url()).content.decode()
