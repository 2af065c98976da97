"""The integrity demo: the initiative of the source document, its questionnaire, demo organisations and cycles."""

import io

import pytest
from django.core.management import call_command

from integrity import services
from integrity.models import Assessment, BenchmarkStat, Initiative
from organisations.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_initiative_has_the_real_text_in_both_languages(seeded):
    initiative = Initiative.objects.get(slug="collective-action-integrity-mexico")
    assert initiative.is_live and initiative.year_established == 2023
    assert initiative.mission_en == "Promote anti-corruption, integrity and compliance among businesses in Mexico"
    assert "Peer Learning Group" in initiative.activities_en and "Grupo de Aprendizaje" in initiative.activities_es
    assert [p.kind for p in initiative.partners.all()] == ["lead", "funder", "partner"]
    assert "self-assessment tool" in initiative.pledge_versions.get().text_en


def test_demo_organisations_with_three_cycles_and_shown_benchmarks(seeded):
    cycle = services.current_cycle()
    assert not Organisation.objects.filter(is_demo=False).exists()
    assert set(Organisation.objects.values_list("country", flat=True)) == {"CL", "CO", "MX", "PE"}
    assert set(Assessment.objects.values_list("cycle", flat=True)) == {cycle - 2, cycle - 1, cycle}
    for year in (cycle - 2, cycle - 1, cycle):
        assert (
            BenchmarkStat.objects.shown()
            .filter(cycle=year, metric="overall", country="PE", size_class="", sector="")
            .exists()
        )
    company = Organisation.objects.get(slug="demo-minera-andina-del-pacifico")
    assert not company.assessments.filter(cycle=cycle).exists()  # left for the demo representative
    assert company.assessments.count() == 2
    assert "representative@demo.alianzapacifico.example" in seeded


def test_seeding_twice_duplicates_nothing(seeded, settings):
    counts = (Organisation.objects.count(), Assessment.objects.count(), BenchmarkStat.objects.count())
    call_command("seed_integrity", verbosity=0, stdout=io.StringIO())
    assert (Organisation.objects.count(), Assessment.objects.count(), BenchmarkStat.objects.count()) == counts
