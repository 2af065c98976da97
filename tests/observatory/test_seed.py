"""The demo content of the observatories and the library, from the source documents."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from observatory.files import detect_file_type
from observatory.models import Observatory, Publication, PublicationFile
from portal.models import Status, WorkflowEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)


def test_both_observatories_with_the_facts_of_the_sources(seeded):
    procurement = Observatory.objects.get(slug="public-procurement-observatory")
    assert procurement.launched_on == date(2023, 12, 4)
    assert procurement.body.slug == "public-procurement-committee"
    assert [area.title for area in procurement.focus_areas.all()] == [
        "Implementation of trade agreements",
        "Behaviour of public procurement systems",
        "Sustainable public purchases",
    ]
    assert procurement.news.filter(slug="public-procurement-observatory-launched").exists()
    labour = Observatory.objects.get(slug="regional-labor-observatory")
    assert labour.launched_on == date(2021, 8, 10)
    assert labour.body.slug == "technical-labor-group"
    assert "Erasmus+" in labour.funding
    universities = labour.partners.filter(kind="university")
    assert universities.count() == 14
    assert universities.filter(
        name="Universidad Distrital Francisco José de Caldas", role__icontains="coordinator"
    ).exists()


def test_the_publications_the_documents_mention(seeded):
    report = Publication.objects.get(slug="analysis-report-gender-equality-policies")
    assert report.publication_date == date(2022, 7, 6)
    assert report.kind == "analysis"
    assert "29 policies" in report.abstract and "25 policies" in report.abstract
    portfolio = Publication.objects.get(slug="infrastructure-investment-opportunities-portfolio")
    assert portfolio.kind == "portfolio"
    assert "15 infrastructure projects" in portfolio.abstract
    for subsector in ("Roads", "Water and sanitation", "Railway", "Fluvial", "Ports"):
        assert subsector in portfolio.body
    exit_document = Publication.objects.get(slug="mexico-2025-exit-document")
    assert exit_document.kind == "outcome_document"
    assert exit_document.bodies.filter(slug="subgroup-on-responsible-business-conduct").exists()
    assert Publication.objects.published().count() == Publication.objects.count() >= 8
    assert Publication.objects.filter(is_featured=True).count() >= 3


def test_demo_files_are_real_files_labelled_as_demo(seeded):
    files = PublicationFile.objects.all()
    assert {file.file_type for file in files} == {"pdf", "csv", "xlsx", "docx"}
    for file in files:
        assert file.is_demo and "(demo file)" in file.title
        with file.file.open("rb") as handle:
            assert detect_file_type(handle) == file.file_type
            head = handle.read()
        if file.file_type in {"pdf", "csv"}:
            assert b"DEMO FILE" in head
    data = PublicationFile.objects.get(publication__slug="analysis-report-gender-equality-policies", file_type="csv")
    with data.file.open("rb") as handle:
        assert b"Documentary,29" in handle.read()


def test_seeding_twice_changes_nothing(seeded):
    counts = (Observatory.objects.count(), Publication.objects.count(), PublicationFile.objects.count())
    events = WorkflowEvent.objects.count()
    names = sorted(PublicationFile.objects.values_list("file", flat=True))
    call_command("seed_observatory", verbosity=0)
    assert (Observatory.objects.count(), Publication.objects.count(), PublicationFile.objects.count()) == counts
    assert WorkflowEvent.objects.count() == events
    assert sorted(PublicationFile.objects.values_list("file", flat=True)) == names
    assert not Publication.objects.exclude(status=Status.PUBLISHED).exists()


def test_seed_links_the_events_of_the_demo(seeded):
    from events.models import Event

    if not Event.objects.filter(slug="ncp-meeting-mexico-city-2025").exists():
        pytest.skip("the events demo does not have this event")
    exit_document = Publication.objects.get(slug="mexico-2025-exit-document")
    assert exit_document.events.filter(slug="ncp-meeting-mexico-city-2025").exists()


def test_seed_observatory_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses"):
        call_command("seed_observatory", verbosity=0)
    assert not Observatory.objects.exists()
