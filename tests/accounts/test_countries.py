"""Any participant's country: every ISO 3166 country to choose from, in both languages, and the
time zone each participant's emails are written in (the bloc's for its countries, else CLDR's)."""

import re
import zoneinfo

import pytest
from django.core.cache import caches
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts import countries, services
from accounts.models import Profile, User
from events import emails
from portal import taxonomy
from tests.accounts.test_signup import SIGNUP_URL, signup_data
from tests.events.factories import ConfirmedRegistrationFactory, OpenEventFactory, in_days
from tests.events.factories import ParticipantFactory as EventParticipantFactory
from tests.factories import CountryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(db):
    return {code: CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")}


def options(html: str, group: str) -> list[str]:
    block = re.search(rf'<optgroup label="{group}">(.*?)</optgroup>', html, re.DOTALL).group(1)
    return re.findall(r'<option value="([A-Z]{2})"', block)


def test_sign_up_offers_every_country_the_bloc_s_members_first(client, members, privacy_policy):
    html = client.get(SIGNUP_URL).content.decode()

    assert options(html, "Pacific Alliance") == ["CL", "CO", "MX", "PE"]
    others = options(html, "Other countries")
    assert {"AR", "CA", "ES", "US", "JP"} <= set(others) and len(others) > 240
    assert "PE" not in others
    assert '<option value="AR">Argentina</option>' in html


def test_country_names_are_in_the_page_s_language(client, members, privacy_policy):
    html = client.get("/es" + SIGNUP_URL).content.decode()

    assert '<optgroup label="Alianza del Pacífico">' in html
    assert '<option value="CA">Canadá</option>' in html
    assert '<option value="DE">Alemania</option>' in html


def test_a_participant_from_argentina_signs_up_truthfully(client, members, privacy_policy):
    response = client.post(SIGNUP_URL, signup_data(members["PE"], email="lucia@example.com.ar", country="AR"))

    assert response.status_code == 302
    profile = User.objects.get(email="lucia@example.com.ar").profile
    assert profile.country.code == "AR"
    with translation.override("es"):
        assert profile.country.name == "Argentina"


def test_an_unknown_country_code_is_refused_with_a_message(client, members, privacy_policy):
    response = client.post(SIGNUP_URL, signup_data(members["PE"], email="x@example.org", country="ZZ"))

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(email="x@example.org").exists()


@pytest.mark.parametrize(
    "code, zone",
    [
        ("MX", "America/Mexico_City"),  # the bloc's table
        ("JP", "Asia/Tokyo"),  # an observer in the bloc's table
        ("AR", "America/Argentina/Buenos_Aires"),  # twelve zones, one time all year
        ("DE", "Europe/Berlin"),
        ("CA", None),  # six times: none stands for the country
        ("US", None),
    ],
)
def test_the_time_zone_of_a_participant_s_country(members, code, zone):
    CountryFactory(code="JP", name="Japan", status="observer", time_zone="Asia/Tokyo")
    assert countries.time_zone_for(code) == zone


@pytest.fixture(params=[False, True], ids=["from the cache", "kept in memory"])
def kept(request, settings):
    """Both ways the bloc's table is read: from the shared cache, or from portal.taxonomy's rows."""
    settings.TAXONOMY_IN_MEMORY = request.param
    taxonomy.forget()
    yield request.param
    taxonomy.forget()


def test_a_change_in_the_bloc_s_table_shows_at_once(members, kept):
    assert countries.time_zone_for("MX") == "America/Mexico_City"
    members["MX"].time_zone = "America/Cancun"
    members["MX"].save()
    assert countries.time_zone_for("MX") == "America/Cancun"
    CountryFactory(code="JP", name="Japan", status="observer", time_zone="Asia/Tokyo")
    assert countries.time_zone_for("JP") == "Asia/Tokyo"


@pytest.mark.parametrize("kept", [True], ids=["kept in memory"], indirect=True)
def test_kept_in_memory_the_zones_cost_no_query_and_no_cache_read(members, kept, settings, monkeypatch):
    """A batch of reminders asks for each participant's zone: from the process's rows, not the
    shared cache (a round trip each) nor the table."""
    settings.CONTENT_VERSION_REUSE_SECONDS = 60  # as deployed: the content version read once a second
    for language in ("en", "es"):
        with translation.override(language):
            assert countries.time_zone_for("PE") == "America/Lima"
    reads = []
    backend = type(caches["default"])

    def noted(original):
        def read(self, *args, **kwargs):
            reads.append(args)
            return original(self, *args, **kwargs)

        return read

    for name in ("get", "get_many"):
        monkeypatch.setattr(backend, name, noted(getattr(backend, name)))
    with CaptureQueriesContext(connection) as queries:
        for language in ("en", "es"):
            with translation.override(language):
                assert [countries.time_zone_for(code) for code in ("CL", "CO", "MX", "PE")] == [
                    "America/Santiago",
                    "America/Bogota",
                    "America/Mexico_City",
                    "America/Lima",
                ]
    assert [query["sql"] for query in queries] == []
    assert reads == []


def reminder_body(participant, committed, mailoutbox):
    event = OpenEventFactory(time_zone="America/Mexico_City", start=in_days(0, hours=5))
    registration = ConfirmedRegistrationFactory(event=event, participant=participant)
    with committed():
        assert emails.send_reminder(registration.pk) == 1
    return event, mailoutbox[-1].body


def test_a_participant_from_outside_the_bloc_gets_event_times_in_their_own_country(members, committed, mailoutbox):
    participant = EventParticipantFactory(profile__country="AR")

    event, body = reminder_body(participant, committed, mailoutbox)

    buenos_aires = event.start.astimezone(zoneinfo.ZoneInfo("America/Argentina/Buenos_Aires"))
    assert "Your time (Argentina): " in body
    assert buenos_aires.strftime("%H:%M") in body.split("Your time (Argentina): ")[1].splitlines()[0]


def test_a_participant_from_a_member_country_still_gets_its_zone(members, committed, mailoutbox):
    participant = EventParticipantFactory(profile__country="CL")

    _event, body = reminder_body(participant, committed, mailoutbox)

    assert "Your time (Chile): " in body


def test_a_country_of_several_times_gets_the_member_countries_times_only(members, committed, mailoutbox):
    participant = EventParticipantFactory(profile__country="CA")

    _event, body = reminder_body(participant, committed, mailoutbox)

    assert "Your time" not in body
    assert "In the member countries" in body


def test_the_personal_data_export_and_erasure_keep_the_country_right(client, participant):
    Profile.objects.filter(user=participant).update(country="CA")
    client.force_login(participant)

    exported = client.get(reverse("accounts:download_my_data")).json()
    assert exported["profile"]["country"] == "CA"

    services.delete_account(user=participant)
    assert not Profile.objects.filter(user_id=participant.pk).exists()


def test_the_api_takes_any_iso_country_and_refuses_an_unknown_one(client, participant):
    client.force_login(participant)
    url = "/api/v1/me/"
    ok = client.patch(url, {"country": "AR"}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["country"] == "AR"

    refused = client.patch(url, {"country": "ZZ"}, content_type="application/json")
    assert refused.status_code == 400
    assert "country" in refused.json()["error"]["fields"]
    participant.profile.refresh_from_db()
    assert participant.profile.country.code == "AR"


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_each_profile_s_country():
    """Profiles pointed at the bloc's table; after the migration each keeps its country's ISO code."""
    executor = MigrationExecutor(connection)
    before = [("accounts", "0004_privacypolicy_translations"), ("portal", "0006_outbox_and_workers")]
    after = [("accounts", "0005_profile_country_iso")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    peru = old.get_model("portal", "Country").objects.create(
        code="PE", name="Peru", status="member", time_zone="America/Lima"
    )
    user = old.get_model("accounts", "User").objects.create(email="old@example.org")
    old.get_model("accounts", "Profile").objects.create(
        user=user,
        sector="academia",
        country=peru,
        privacy_policy_version="1.0",
        privacy_consented_at="2026-01-01T00:00Z",
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor.loader.build_graph()
    new = executor.loader.project_state(after).apps
    assert new.get_model("accounts", "Profile").objects.get(user_id=user.pk).country == "PE"
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
