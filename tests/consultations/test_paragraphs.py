"""The draft split into numbered paragraphs, and each paragraph (and its comments) kept across edits."""

import pytest

from consultations import paragraphs
from consultations.models import Paragraph
from tests.consultations.factories import ApprovedCommentFactory, OpenConsultationFactory, ago

pytestmark = pytest.mark.django_db

FIRST = "The meeting included outreach and awareness-raising sessions with the business and public sectors."
SECOND = "Participants also included professionals from the OECD, the ILO and the OHCHR."
THIRD = "This meeting marks the milestone of the completion of Chile’s coordination of the SGCER-AP."


def draft(*texts):
    return "".join(text if text.startswith("<") else f"<p>{text}</p>" for text in texts)


def numbered(consultation):
    return list(consultation.paragraphs.filter(is_removed=False, number__isnull=False).order_by("position"))


# --- Splitting ----------------------------------------------------------------------------


def test_paragraphs_and_list_items_are_numbered_and_headings_are_not():
    blocks = paragraphs.split(
        "<h2>Lessons</h2><p>First <strong>one</strong>.</p><ul><li><p>An item</p></li><li>Another</li></ul>"
        '<ol start="3"><li>Third point</li></ol><blockquote><p>A quotation</p></blockquote><hr><p>Last</p>'
    )
    assert [(block.kind, block.text) for block in blocks] == [
        ("heading", "Lessons"),
        ("paragraph", "First one."),
        ("item", "An item"),
        ("item", "Another"),
        ("numbered_item", "Third point"),
        ("quote", "A quotation"),
        ("paragraph", "Last"),
    ]
    assert blocks[1].html == "First <strong>one</strong>."
    assert blocks[4].ordinal == 3


def test_loose_text_and_nested_lists_stay_whole():
    blocks = paragraphs.split("Loose <em>text</em><p>Then a paragraph</p><ul><li>Item<ul><li>sub</li></ul></li></ul>")
    assert [block.text for block in blocks] == ["Loose text", "Then a paragraph", "Item sub"]
    assert "<ul><li>sub</li></ul>" in blocks[2].html


def test_markup_outside_the_allowlist_never_reaches_a_paragraph():
    blocks = paragraphs.split('<p onclick="x()">Text<script>alert(1)</script></p>')
    assert [block.html for block in blocks] == ["Text"]


def test_saving_a_consultation_numbers_its_paragraphs():
    consultation = OpenConsultationFactory(document=draft("<h2>Title</h2>", FIRST, SECOND))
    rows = list(consultation.paragraphs.order_by("position"))
    assert [(row.kind, row.number) for row in rows] == [("heading", None), ("paragraph", 1), ("paragraph", 2)]
    assert len({row.key for row in rows}) == 3


# --- Matching across edits ---------------------------------------------------------------------


def test_an_unchanged_paragraph_keeps_its_key_when_others_are_inserted_before_it():
    consultation = OpenConsultationFactory(document=draft(FIRST, SECOND))
    before = {p.plain_text: p.key for p in numbered(consultation)}
    consultation.document = draft("A new opening paragraph for the draft.", FIRST, SECOND)
    consultation.save()
    after = numbered(consultation)
    assert [p.number for p in after] == [1, 2, 3]
    assert after[1].key == before[FIRST] and after[2].key == before[SECOND]
    assert after[0].key not in before.values()
    assert all(p.changed_at is None for p in after)


def test_an_edited_paragraph_keeps_its_key_and_its_comments_and_says_it_changed_after_them():
    consultation = OpenConsultationFactory(document=draft(FIRST, SECOND))
    first = numbered(consultation)[0]
    comment = ApprovedCommentFactory(consultation=consultation, paragraph=first, created_at=ago(hours=2))
    assert not comment.paragraph_changed_since

    consultation.document = draft(FIRST.replace("outreach and", "outreach, training and"), SECOND)
    consultation.save()
    first.refresh_from_db()
    comment.refresh_from_db()
    assert numbered(consultation)[0].key == first.key
    assert "training" in first.plain_text
    assert first.changed_at is not None
    assert comment.paragraph == first and comment.paragraph_changed_since
    # A comment posted after the edit does not say so.
    later = ApprovedCommentFactory(consultation=consultation, paragraph=first, created_at=first.changed_at)
    assert not later.paragraph_changed_since


def test_a_rewritten_paragraph_is_a_new_one():
    consultation = OpenConsultationFactory(document=draft(FIRST, SECOND))
    first = numbered(consultation)[0]
    consultation.document = draft("Something else entirely, about another subject.", SECOND)
    consultation.save()
    assert numbered(consultation)[0].key != first.key
    assert not Paragraph.objects.filter(pk=first.pk).exists()  # nobody had commented on it


def test_a_removed_paragraph_with_comments_is_kept_as_removed_and_comes_back_if_restored():
    consultation = OpenConsultationFactory(document=draft(FIRST, SECOND, THIRD))
    second = numbered(consultation)[1]
    comment = ApprovedCommentFactory(consultation=consultation, paragraph=second)
    consultation.document = draft(FIRST, THIRD)
    consultation.save()
    second.refresh_from_db()
    assert second.is_removed and second.number is None and second.removed_at is not None
    assert [p.number for p in numbered(consultation)] == [1, 2]
    comment.refresh_from_db()
    assert comment.paragraph == second

    consultation.document = draft(FIRST, SECOND, THIRD)
    consultation.save()
    second.refresh_from_db()
    assert not second.is_removed and second.number == 2


def test_a_moved_paragraph_keeps_its_key():
    consultation = OpenConsultationFactory(document=draft(FIRST, SECOND, THIRD))
    keys = {p.plain_text: p.key for p in numbered(consultation)}
    consultation.document = draft(THIRD, FIRST, SECOND)
    consultation.save()
    assert [p.key for p in numbered(consultation)] == [keys[THIRD], keys[FIRST], keys[SECOND]]


def test_the_spanish_draft_is_aligned_with_the_english_one_by_position():
    consultation = OpenConsultationFactory(document_en=draft(FIRST, SECOND), document_es=draft("Primero.", "Segundo."))
    rows = numbered(consultation)
    assert [(row.html_en[:20], row.html_es) for row in rows] == [(FIRST[:20], "Primero."), (SECOND[:20], "Segundo.")]


def test_a_spanish_draft_with_other_paragraphs_is_refused_by_the_form_check():
    from django.core.exceptions import ValidationError

    consultation = OpenConsultationFactory.build(document_en=draft(FIRST, SECOND), document_es=draft("Uno solo."))
    with pytest.raises(ValidationError) as refused:
        consultation.clean()
    assert "document_es" in refused.value.message_dict


def test_matching_is_pure_and_keeps_order():
    keys, changed = paragraphs.match(
        [("a", "one two three four"), ("b", "five six seven eight"), ("c", "nine ten")],
        ["one two three four", "five six seven EIGHT", "new text here", "nine ten"],
    )
    assert keys == ["a", "b", None, "c"]
    assert changed == {"b"}


def test_a_big_draft_is_matched_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    texts = [
        f"Paragraph {number} of the draft, with words about responsible business conduct." for number in range(200)
    ]
    consultation = OpenConsultationFactory(document=draft(*texts))
    texts[100] = texts[100].replace("words", "more words")
    consultation.document = draft(*texts[:50], "An inserted paragraph.", *texts[50:])
    with django_assert_max_num_queries(12):
        paragraphs.sync(consultation, paragraph_model=Paragraph)
    assert consultation.paragraphs.count() == 201
