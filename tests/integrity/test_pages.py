import io
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from openpyxl import load_workbook

from integrity import benchmarks, services
from integrity.models import AnswerAccess
from organisations.roles import ANALYSTS
from portal.roles import EDITORS
from tests import factories
from tests.integrity.factories import OrganisationFactory, member_of, submitted_assessment

pytestmark = pytest.mark.django_db


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def peers(questionnaire):
    """Twelve submitted organisations: six medium Chilean manufacturers, six large Peruvian miners."""
    for index in range(6):
        submitted_assessment(
            questionnaire, OrganisationFactory(country="CL", size_class="medium", sector="C"), level=index % 4
        )
        submitted_assessment(
            questionnaire, OrganisationFactory(country="PE", size_class="large", sector="B"), level=(index + 1) % 4
        )
    benchmarks.recompute(questionnaire=questionnaire, cycle=services.current_cycle())


@pytest.fixture
def mine(questionnaire, organisation, representative, peers):
    assessment = submitted_assessment(questionnaire, organisation, level=1)
    benchmarks.recompute(questionnaire=questionnaire, cycle=assessment.cycle)
    return assessment


def pages_of(assessment):
    pk = assessment.pk
    section = assessment.version.sections.first().code
    return [f"/integrity/assessments/{pk}/", f"/integrity/assessments/{pk}/sections/{section}/",
            f"/integrity/assessments/{pk}/results/", f"/integrity/assessments/{pk}/report.pdf"]  # fmt: skip


def test_someone_elses_assessment_is_a_404_on_every_page(mine, organisation):
    outsider = client_of(factories.ParticipantFactory())
    for url in pages_of(mine):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/integrity/assessments/{mine.pk}/submit/").status_code == 404
    assert outsider.get(organisation.get_absolute_url()).status_code == 404
    anonymous = Client()
    assert anonymous.get(pages_of(mine)[0]).status_code == 302


def test_results_show_the_groups_and_withhold_the_small_ones(mine, representative):
    response = client_of(representative).get(f"/integrity/assessments/{mine.pk}/results/")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "All organisations" in html and "Same country" in html
    assert "Not shown: fewer than 5 organisations" in html
    assert 'role="img"' in html or "<svg" in html  # the progress chart
    assert "Where you score lowest" in html and "Write it down." in html  # guidance of the weakest question


def test_results_page_runs_a_constant_number_of_queries(
    mine, representative, questionnaire, django_assert_max_num_queries
):
    client = client_of(representative)
    client.get(f"/integrity/assessments/{mine.pk}/results/")
    for index in range(10):
        submitted_assessment(questionnaire, OrganisationFactory(country="CO"), level=index % 4)
    benchmarks.recompute(questionnaire=questionnaire, cycle=mine.cycle)
    with django_assert_max_num_queries(16):
        assert client.get(f"/integrity/assessments/{mine.pk}/results/").status_code == 200


def test_the_report_is_a_pdf_with_spanish_text_and_its_download_is_logged(mine, representative):
    response = client_of(representative).get(f"/es/integrity/assessments/{mine.pk}/report.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    access = AnswerAccess.objects.get()
    assert (access.viewer, access.action, access.is_staff_access) == (representative, "exported_pdf", False)


def test_the_public_dashboard_shows_shown_groups_and_one_message_for_the_rest(
    mine, client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = client.get("/integrity/dashboard/")
    html = response.content.decode()
    assert response.status_code == 200 and "Organisations that submitted" in html and "13" in html
    for query in ("?country=CL&size_class=small&sector=C", "?country=CL&size_class=large", "?country=AR", "?sector=U"):
        html = client.get("/integrity/dashboard/" + query).content.decode()
        assert "Not shown: fewer than 5 organisations" in html, query
        assert "Average score by section" not in html, query
    bad = client.get("/integrity/dashboard/?year=abc&country=ZZZ")
    assert bad.status_code == 200 and "were not understood" in bad.content.decode()


def test_differencing_two_filter_combinations_reveals_no_organisation(mine, client):
    """Chile has 7 organisations (6 peers and ours), its small manufacturers are 7 too, but the
    whole cycle minus Peru's miners must not single out anyone: no two shown figures differ by 1–4."""
    from integrity.models import BenchmarkStat

    shown = {stat.group_key: stat.count for stat in BenchmarkStat.objects.shown().filter(metric="overall")}
    for outer, n_outer in shown.items():
        for inner, n_inner in shown.items():
            nested = all(o == "" or o == i for o, i in zip(outer, inner, strict=True)) and outer != inner
            assert not (nested and 0 < n_outer - n_inner < benchmarks.MIN_GROUP_SIZE), (outer, inner)


def test_staff_dashboard_and_its_xlsx_are_for_staff_with_the_permission(mine, editor_client, participant):
    assert client_of(participant).get("/integrity/staff/dashboard/").status_code == 403
    response = editor_client.get("/integrity/staff/dashboard/")
    assert response.status_code == 200 and "Same country and sector" in response.content.decode()
    export = editor_client.get(f"/integrity/staff/dashboard.xlsx?year={mine.cycle}")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert any(row[4] == "All organisations" and row[5] == 13 for row in rows)
    assert all(row[5] >= 5 for row in rows[4:])  # no group of fewer than five in the file


def test_staff_views_of_answers_are_in_the_audit_log_and_shown_to_the_members(mine, organisation, representative):
    analyst = factories.UserFactory(is_staff=True)
    analyst.groups.add(Group.objects.get(name=ANALYSTS))
    editor = factories.EditorFactory()
    editor_view = client_of(editor).get(f"/admin/integrity/assessment/{mine.pk}/change/")
    assert "permission to view them" in editor_view.content.decode()
    assert not AnswerAccess.objects.exists()
    response = client_of(analyst).get(f"/admin/integrity/assessment/{mine.pk}/change/")
    assert response.status_code == 200 and "A written policy?" in response.content.decode()
    access = AnswerAccess.objects.get()
    assert (access.viewer, access.is_staff_access, access.surface) == (analyst, True, "admin")
    page = client_of(representative).get(organisation.get_absolute_url()).content.decode()
    assert "portal staff" in page and "Viewed the answers" in page


def test_the_section_form_saves_only_what_the_person_changed(questionnaire, organisation, representative):
    assessment = services.start_assessment(questionnaire=questionnaire, organisation=organisation, actor=representative)
    colleague = member_of(organisation)
    first, second = assessment.version.questions.filter(section__code="policies").order_by("position")
    url = f"/integrity/assessments/{assessment.pk}/sections/policies/"
    # Both open the page while nothing is answered; the colleague answers the second question first.
    client_of(colleague).post(url, {f"q{second.pk}": second.options.get(score=3).pk, f"was{second.pk}": ""})
    response = client_of(representative).post(
        url, {f"q{first.pk}": first.options.get(score=1).pk, f"was{first.pk}": "", f"was{second.pk}": ""}
    )
    assert response.status_code == 302
    answers = {a.question_id: a.option.score for a in assessment.answers.select_related("option")}
    assert answers == {first.pk: 1, second.pk: 3}


def test_the_autosave_request_answers_in_json_and_refuses_bad_input(questionnaire, organisation, representative):
    assessment = services.start_assessment(questionnaire=questionnaire, organisation=organisation, actor=representative)
    client = client_of(representative)
    question = assessment.version.questions.get(code="policies-1")
    url = f"/integrity/assessments/{assessment.pk}/sections/policies/"
    ok = client.post(url, {f"q{question.pk}": question.options.get(score=2).pk}, headers={"X-Requested-With": "fetch"})
    assert ok.json()["saved"] is True
    other = assessment.version.questions.get(code="policies-2").options.first()
    bad = client.post(url, {f"q{question.pk}": other.pk}, headers={"X-Requested-With": "fetch"})
    assert bad.status_code == 400 and "not one of its options" in bad.json()["message"]
    form = client.post(url, {f"q{question.pk}": "nonsense"})
    assert form.status_code == 400 and "not understood" in form.content.decode()
    assert assessment.answers.get().option.score == 2


def test_submit_with_unanswered_questions_gives_a_message(questionnaire, organisation, representative):
    assessment = services.start_assessment(questionnaire=questionnaire, organisation=organisation, actor=representative)
    response = client_of(representative).post(f"/integrity/assessments/{assessment.pk}/submit/", follow=True)
    assert "required questions are not answered yet" in response.content.decode()
    assessment.refresh_from_db()
    assert not assessment.is_submitted


def test_a_second_assessment_for_the_cycle_gives_a_message(questionnaire, organisation, representative):
    client = client_of(representative)
    url = f"/integrity/organisations/{organisation.slug}/start/{questionnaire.slug}/"
    assert client.post(url).status_code == 302
    response = client.post(url, follow=True)
    assert re.search("already has a self-assessment", response.content.decode())
    assert organisation.assessments.count() == 1


def test_spanish_pages(mine, representative, client):
    assert "Organizaciones que enviaron" in client.get("/es/integrity/dashboard/").content.decode()
    html = client_of(representative).get(f"/es/integrity/assessments/{mine.pk}/results/").content.decode()
    assert "Su puntaje general junto al de sus pares" in html and "¿Una política escrita?" in html


def test_a_submit_or_a_signature_turns_the_content_version_of_cached_public_pages(
    questionnaire, organisation, representative, django_capture_on_commit_callbacks
):
    from portal.cache import content_version
    from tests.integrity.factories import PublishedInitiativeFactory

    before = content_version()
    initiative = PublishedInitiativeFactory()
    after_publish = content_version()
    assert after_publish != before
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_pledge(
            initiative=initiative,
            organisation=organisation,
            actor=representative,
            version=initiative.pledge_versions.get(),
        )
    assert content_version() != after_publish
    signed = content_version()
    with django_capture_on_commit_callbacks(execute=True):
        benchmarks.recompute(questionnaire=questionnaire, cycle=services.current_cycle())
    assert content_version() != signed


def test_the_roles_editors_manage_initiatives_analysts_see_answers():
    editors = set(Group.objects.get(name=EDITORS).permissions.values_list("codename", flat=True))
    analysts = set(Group.objects.get(name=ANALYSTS).permissions.values_list("codename", flat=True))
    assert {"publish_initiative", "change_questionnaireversion", "verify_organisation"} <= editors
    assert "view_assessment_answers" not in editors and "view_membership" not in editors
    assert {"view_assessment_answers", "reopen_assessment", "view_membership"} <= analysts


def test_admin_pages_of_initiatives_and_questionnaire_versions(editor_client, questionnaire):
    assert editor_client.get("/admin/integrity/initiative/add/").status_code == 200
    version = questionnaire.current_version()
    page = editor_client.get(f"/admin/integrity/questionnaireversion/{version.pk}/change/")
    assert page.status_code == 200 and 'name="title_en"' not in page.content.decode()  # published: read-only
    draft = editor_client.post(
        "/admin/integrity/questionnaireversion/",
        {"action": "copy_selected", "_selected_action": [version.pk]},
    )
    assert draft.status_code == 302
    new = questionnaire.versions.get(number=2)
    assert (
        'name="title_en"'
        in editor_client.get(f"/admin/integrity/questionnaireversion/{new.pk}/change/").content.decode()
    )
