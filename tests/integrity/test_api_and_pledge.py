import pytest
from django.test import Client
from knox.models import AuthToken

from accounts import services as accounts
from integrity import benchmarks, services
from integrity.models import Answer, AnswerAccess, PledgeSignature, PledgeVersion
from tests.integrity.factories import (
    DraftInitiativeFactory,
    OrganisationFactory,
    PublishedInitiativeFactory,
    member_of,
    submitted_assessment,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle_with_peers(questionnaire, organisation, representative):
    for index in range(6):
        submitted_assessment(
            questionnaire, OrganisationFactory(country="MX", size_class="large", sector="K"), level=index % 4
        )
    mine = submitted_assessment(questionnaire, organisation, level=2)
    benchmarks.recompute(questionnaire=questionnaire, cycle=mine.cycle)
    return mine


def test_public_benchmarks_answer_in_the_error_shape_and_withhold_small_groups(client, cycle_with_peers):
    whole = client.get("/api/v1/integrity/benchmarks/").json()
    assert whole["withheld"] is False and whole["metrics"]["overall"]["organisations"] == 7
    # Mexico's 6 are not shown either: the whole cycle (7) minus Mexico would give Chile's one organisation.
    assert whole["breakdowns"]["country"] == [] and whole["breakdowns"]["sector"] == []
    for query in ("?country=CL", "?country=CL&size_class=small&sector=C", "?sector=U", "?country=MX&size_class=small"):
        data = client.get("/api/v1/integrity/benchmarks/" + query).json()
        assert data["withheld"] is True and "metrics" not in data and "fewer than 5" in data["message"], query
    bad = client.get("/api/v1/integrity/benchmarks/?year=nope")
    assert bad.status_code == 400 and set(bad.json()["error"]) == {"status", "code", "message", "fields"}
    assert client.get("/api/v1/integrity/benchmarks/?questionnaire=none").json()["error"]["status"] == 404


def test_members_read_their_own_assessments_with_a_token_and_each_read_is_logged(cycle_with_peers, representative):
    token = accounts.create_api_token(user=representative)
    api = Client(headers={"Authorization": f"Token {token}"})
    listing = api.get("/api/v1/me/assessments/").json()
    assert [row["id"] for row in listing["results"]] == [cycle_with_peers.pk]
    detail = api.get(f"/api/v1/me/assessments/{cycle_with_peers.pk}/").json()
    assert len(detail["answers"]) == 4 and {row["kind"] for row in detail["benchmarks"]} >= {"all", "country"}
    assert next(row for row in detail["benchmarks"] if row["kind"] == "country")["withheld"] is True
    assert AnswerAccess.objects.get().action == "api"
    other = submitted_assessment(
        cycle_with_peers.questionnaire, OrganisationFactory(), cycle=cycle_with_peers.cycle - 1
    )
    missing = api.get(f"/api/v1/me/assessments/{other.pk}/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert Client().get("/api/v1/me/assessments/").status_code in (401, 403)
    AuthToken.objects.all().delete()


def test_public_initiatives_api_lists_only_live_initiatives_with_signatories(client, organisation, representative):
    live = PublishedInitiativeFactory()
    DraftInitiativeFactory()
    services.sign_pledge(
        initiative=live, organisation=organisation, actor=representative, version=live.pledge_versions.get()
    )
    data = client.get("/api/v1/integrity/initiatives/").json()
    assert [row["slug"] for row in data["results"]] == [live.slug]
    assert data["results"][0]["signatories"][0]["organisation"] == organisation.name


def test_a_representative_signs_and_withdraws_and_both_are_recorded(organisation, representative):
    initiative = PublishedInitiativeFactory()
    version = initiative.pledge_versions.get()
    colleague = member_of(organisation)
    with pytest.raises(services.NotAllowed):
        services.sign_pledge(initiative=initiative, organisation=organisation, actor=colleague, version=version)
    signature = services.sign_pledge(
        initiative=initiative, organisation=organisation, actor=representative, version=version
    )
    with pytest.raises(services.InvalidAnswer):
        services.sign_pledge(initiative=initiative, organisation=organisation, actor=representative, version=version)
    page = Client().get(initiative.get_absolute_url()).content.decode()
    assert organisation.name in page and "Signatories" in page
    services.withdraw_pledge(signature=signature, actor=representative, reason="We merged with another company.")
    signature.refresh_from_db()
    assert signature.withdrawn_at and signature.withdrawn_by == representative
    assert organisation.name not in Client().get(initiative.get_absolute_url()).content.decode()
    newer = PledgeVersion.objects.create(initiative=initiative, number=2, text="<p>A stronger text.</p>")
    with pytest.raises(services.InvalidAnswer, match="has changed"):
        services.sign_pledge(initiative=initiative, organisation=organisation, actor=representative, version=version)
    services.sign_pledge(initiative=initiative, organisation=organisation, actor=representative, version=newer)
    assert PledgeSignature.objects.filter(organisation=organisation).count() == 2


def test_an_unpublished_initiative_is_invisible(editor_client):
    client = Client()
    draft = DraftInitiativeFactory()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert draft.slug not in client.get("/integrity/initiatives/").content.decode()
    assert draft.slug not in client.get("/sitemap.xml").content.decode()
    assert draft.get_absolute_url() not in client.get(f"/search/?q={draft.name}").content.decode()
    preview = editor_client.get(draft.get_absolute_url())
    assert preview.status_code == 200 and "no-store" in preview["Cache-Control"]


def test_the_initiative_page_shows_the_disclaimer_of_open_sources(client):
    initiative = PublishedInitiativeFactory()
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert "gathered from open-source data" in html


def test_a_persons_part_is_exported_and_erased_with_the_account(cycle_with_peers, representative, organisation):
    answer = Answer.objects.filter(assessment=cycle_with_peers).first()
    answer.answered_by = representative
    answer.save()
    colleague = member_of(organisation)
    answer.answered_by = colleague
    answer.save()
    data = accounts.export_personal_data(user=colleague)
    assert data["integrity"][0]["question"] == answer.question.code and data["organisations"][0]["role"] == "member"
    accounts.delete_account(user=colleague)
    answer.refresh_from_db()
    assert answer.answered_by is None and answer.option_id  # the answer stays the organisation's
