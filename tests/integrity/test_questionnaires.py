import json

import pytest

from integrity import questionnaires
from integrity.models import Option, Question, QuestionnaireVersion, Section, VersionLocked
from tests.integrity.factories import questionnaire_data

pytestmark = pytest.mark.django_db


def test_import_makes_a_draft_version_with_both_languages():
    version = questionnaires.import_json(json.dumps(questionnaire_data()))
    assert version.status == QuestionnaireVersion.Status.DRAFT and version.number == 1
    question = version.questions.get(code="policies-1")
    assert question.text_es == "¿Una política escrita?" and question.weight == 2
    assert [option.score for option in question.options.all()] == [0, 1, 2, 3]


def test_a_bad_file_imports_nothing_and_lists_every_problem():
    data = questionnaire_data()
    data["sections"][0]["questions"][0]["options"] = [{"label": "Only one", "score": 1}]
    data["sections"][1]["questions"][1]["code"] = "policies-2"  # used twice
    data["sections"][1]["title"] = {"es": "Sin inglés"}
    with pytest.raises(questionnaires.QuestionnaireError) as error:
        questionnaires.import_json(json.dumps(data))
    assert len(error.value.messages) == 3
    assert any("two answer options" in message for message in error.value.messages)
    assert not QuestionnaireVersion.objects.exists() and not Question.objects.exists()


def test_not_json_and_not_our_format_are_refused():
    with pytest.raises(questionnaires.QuestionnaireError):
        questionnaires.import_json(b"\xff not json")
    with pytest.raises(questionnaires.QuestionnaireError):
        questionnaires.import_json(json.dumps({"format": "something-else"}))


def test_a_published_version_never_changes(editor):
    version = questionnaires.import_json(json.dumps(questionnaire_data()))
    questionnaires.publish_version(version=version, actor=editor)
    question = version.questions.first()
    question.text = "Changed after publication"
    with pytest.raises(VersionLocked):
        question.save()
    with pytest.raises(VersionLocked):
        Option.objects.filter(question=question).first().delete()
    with pytest.raises(VersionLocked):
        Section.objects.create(version=version, code="new", title="New")
    with pytest.raises(questionnaires.QuestionnaireError):
        questionnaires.publish_version(version=version, actor=editor)
    assert Question.objects.get(pk=question.pk).text == "A written policy?"


def test_a_change_is_a_new_version_and_publishing_it_retires_the_old_one(editor):
    first = questionnaires.import_json(json.dumps(questionnaire_data()))
    questionnaires.publish_version(version=first, actor=editor)
    second = questionnaires.copy_version(version=first)
    assert second.number == 2 and second.is_editable
    assert second.questions.count() == first.questions.count()
    question = second.questions.get(code="policies-2")
    question.text = "Written rules on gifts and hospitality?"
    question.save()
    questionnaires.publish_version(version=second, actor=editor)
    first.refresh_from_db()
    assert first.status == QuestionnaireVersion.Status.RETIRED
    assert first.questionnaire.current_version() == second
    assert first.questions.get(code="policies-2").text == "Gifts rules?"


def test_a_version_with_problems_cannot_be_published(editor):
    version = questionnaires.import_json(json.dumps(questionnaire_data()))
    Option.objects.filter(question__version=version, question__code="policies-2").exclude(score=0).delete()
    with pytest.raises(questionnaires.QuestionnaireError):
        questionnaires.publish_version(version=version, actor=editor)


def test_export_and_import_round_trip(editor):
    version = questionnaires.import_json(json.dumps(questionnaire_data()))
    exported = questionnaires.export_json(version)
    again = questionnaires.import_json(exported)
    assert again.number == 2 and again.questionnaire == version.questionnaire
    assert questionnaires.export_data(again)["sections"] == questionnaires.export_data(version)["sections"]


def test_the_admin_imports_and_shows_problems(editor_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("q.json", b'{"format": "x"}', content_type="application/json")
    response = editor_client.post("/admin/integrity/questionnaireversion/import/", {"file": bad})
    assert response.status_code == 200 and b"Nothing was imported" in response.content
    good = SimpleUploadedFile("q.json", json.dumps(questionnaire_data()).encode(), content_type="application/json")
    response = editor_client.post("/admin/integrity/questionnaireversion/import/", {"file": good})
    assert response.status_code == 302
    version = QuestionnaireVersion.objects.get()
    assert (
        editor_client.get(f"/admin/integrity/questionnaireversion/{version.pk}/export/").json()["format"]
        == questionnaires.FORMAT
    )
