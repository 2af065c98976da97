"""Reading a consultation: counts per paragraph and sector, filters, status and time left, query budgets."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations.models import Comment
from tests.consultations.factories import (
    ApprovedCommentFactory,
    ClosedConsultationFactory,
    DraftConsultationFactory,
    OpenConsultationFactory,
    PendingCommentFactory,
    UpcomingConsultationFactory,
)
from tests.factories import CountryFactory

pytestmark = pytest.mark.django_db


def page(client, consultation, **query):
    response = client.get(consultation.get_absolute_url(), query)
    assert response.status_code == 200
    return response.content.decode()


def paragraph_block(html, paragraph):
    match = re.search(rf'<section class="paragraph[^"]*" id="p-{paragraph.key}".*?</section>', html, re.S)
    assert match, f"paragraph {paragraph.number} is not on the page"
    return match.group(0)


def test_each_paragraph_shows_its_comments_count_and_sectors(client, consultation, paragraphs):
    first, second = paragraphs[0], paragraphs[1]
    for sector in ("business", "business", "academia"):
        ApprovedCommentFactory(consultation=consultation, paragraph=first, author_sector=sector)
    PendingCommentFactory(consultation=consultation, paragraph=second)  # not counted until approved
    html = page(client, consultation)
    block = paragraph_block(html, first)
    assert "3 comments" in block
    assert "Business: 2" in block and "Academia: 1" in block
    assert "No comment yet" in paragraph_block(html, second)
    assert "Paragraph 1" in block and first.html in block


def test_readers_filter_by_sector_and_country(client, consultation, paragraphs):
    mexico, chile = CountryFactory(code="MX"), CountryFactory(code="CL")
    ApprovedCommentFactory(consultation=consultation, paragraph=paragraphs[0], author_sector="business",
                           author_country=mexico, text="A Mexican company view.")  # fmt: skip
    ApprovedCommentFactory(consultation=consultation, paragraph=paragraphs[0], author_sector="academia",
                           author_country=chile, text="A Chilean university view.")  # fmt: skip
    html = page(client, consultation, sector="business")
    assert "A Mexican company view." in html and "A Chilean university view." not in html
    assert "1 comment" in paragraph_block(html, paragraphs[0])
    html = page(client, consultation, country="CL")
    assert "A Chilean university view." in html and "A Mexican company view." not in html
    html = page(client, consultation, sector="business", country="CL")
    assert "No published comment matches these filters yet." in html
    # Unknown values are ignored rather than an error.
    html = page(client, consultation, sector="nonsense", country="ZZ", page="x")
    assert "A Mexican company view." in html and "A Chilean university view." in html


def test_one_paragraphs_comments_and_the_whole_drafts(client, consultation, paragraphs):
    ApprovedCommentFactory(consultation=consultation, paragraph=paragraphs[0], text="On the first paragraph.")
    ApprovedCommentFactory(consultation=consultation, paragraph=None, text="On the whole draft.")
    html = page(client, consultation, paragraph=paragraphs[0].key)
    assert "Comments on paragraph 1" in html
    assert "On the first paragraph." in html and "On the whole draft." not in html
    html = page(client, consultation, paragraph="whole")
    assert "On the whole draft." in html and "On the first paragraph." not in html


def test_a_comment_says_when_its_paragraph_was_edited_after_it(client, consultation, paragraphs):
    ApprovedCommentFactory(
        consultation=consultation, paragraph=paragraphs[0], created_at=timezone.now() - timedelta(days=1)
    )
    consultation.document = consultation.document.replace("more than 80 people", "more than eighty people")
    consultation.save()
    html = page(client, consultation)
    assert "The paragraph has been edited since this comment was posted." in html
    assert "Edited on" in paragraph_block(html, paragraphs[0])


@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        (OpenConsultationFactory, "left"),
        (UpcomingConsultationFactory, "opens in"),
        (ClosedConsultationFactory, "Closed"),
    ],
)
def test_the_status_and_time_left(client, factory, expected):
    consultation = factory()
    html = page(client, consultation)
    status = re.search(r'<div class="consultation-status.*?</div>\s*</dl>', html, re.S).group(0)
    assert expected in status
    assert timezone.localtime(consultation.closes_at).isoformat()[:16] in html  # machine-readable, for the script
    assert "data-viewer-deadline" in html


def test_the_page_is_not_cached_past_its_opening_or_closing(client):
    soon = OpenConsultationFactory(closes_at=timezone.now() + timedelta(minutes=2))
    later = OpenConsultationFactory(closes_at=timezone.now() + timedelta(days=2))
    assert "no-store" in client.get(soon.get_absolute_url())["Cache-Control"]
    assert "no-store" not in client.get(later.get_absolute_url()).get("Cache-Control", "")
    assert "no-store" in client.get(reverse("consultations:consultation_list"))["Cache-Control"]


def test_drafts_are_invisible_and_previewed_by_staff_only(editor_client):
    client = Client()
    draft = DraftConsultationFactory()
    assert client.get(draft.get_absolute_url()).status_code == 404
    response = editor_client.get(draft.get_absolute_url())
    assert response.status_code == 200 and "Preview" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert draft.title not in client.get(reverse("consultations:consultation_list")).content.decode()
    assert draft.title not in client.get("/sitemap.xml").content.decode()
    assert draft.title not in client.get(reverse("portal:search"), {"q": "Exit Document"}).content.decode()


def test_the_list_the_home_block_the_search_and_the_sitemap(client):
    open_one = OpenConsultationFactory(title="Mexico 2025 Exit Document, open draft")
    closed = ClosedConsultationFactory(title="An earlier exit document, closed")
    listing = client.get(reverse("consultations:consultation_list")).content.decode()
    assert listing.index(open_one.title) < listing.index(closed.title)
    home = client.get(reverse("portal:home")).content.decode()
    assert "Open consultations" in home and open_one.title in home and closed.title not in home
    results = client.get(reverse("portal:search"), {"q": "exit document"}).content.decode()
    assert open_one.title in results
    assert open_one.get_absolute_url() in client.get("/sitemap.xml").content.decode()
    assert "/es" + open_one.get_absolute_url() in client.get("/sitemap.xml").content.decode()
    assert reverse("consultations:consultation_list") in home  # in the navigation


def test_a_consultation_page_in_spanish(client, consultation):
    html = client.get("/es" + consultation.get_absolute_url()).content.decode()
    assert "Párrafo 1" in html
    assert 'lang="en"' in html  # the draft has no Spanish yet: marked as English


def test_200_paragraphs_and_5000_comments_in_a_small_fixed_number_of_queries(
    client, participant, django_assert_max_num_queries
):
    consultation = OpenConsultationFactory(
        document="".join(f"<p>Paragraph {n}: a lesson learned by the National Contact Points.</p>" for n in range(200))
    )
    paragraphs = list(consultation.paragraphs.order_by("position"))
    mexico = CountryFactory(code="MX")
    sectors = [value for value, _label in Comment.Sector.choices]
    Comment.objects.bulk_create(
        Comment(consultation=consultation, paragraph=paragraphs[n % 200], text=f"Comment {n}", status="approved",
                author_name=f"Person {n}", author_sector=sectors[n % len(sectors)], author_country=mexico)
        for n in range(5000)
    )  # fmt: skip
    with django_assert_max_num_queries(10):
        html = page(client, consultation)
    assert "25 comments" in html and "Page 1 of 100" in html
    client.force_login(participant)
    with django_assert_max_num_queries(16):
        html = page(client, consultation, sector="business", country="MX", paragraph=paragraphs[7].key)
    assert html.count('class="paragraph__comment"') == 200  # a comment form per paragraph
