"""Digests: what was published that matches what each person follows, nothing when nothing matched,
exactly once per person and period, in their language, with one-click unsubscribe and a web version."""

import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from following import digests, registry, schedule, services
from following.models import Digest, DigestRun, Subscriber
from observatory.models import Dataset
from portal.models import OutboundEmail, Status
from tests.consultations.factories import OpenConsultationFactory
from tests.events.factories import OpenEventFactory
from tests.factories import CountryFactory, ParticipantFactory, PublishedNewsFactory, TopicFactory, UserFactory
from tests.integrity.factories import PublishedInitiativeFactory
from tests.observatory.factories import ObservatoryFactory, PublishedPublicationFactory

pytestmark = pytest.mark.django_db


def last_week():
    now = timezone.now()
    return registry.Period(start=now - timedelta(days=7), end=now, frequency="weekly")


@pytest.fixture(autouse=True)
def _fresh_contents():
    digests.forget_contents()
    yield
    digests.forget_contents()


@pytest.fixture
def world(privacy_policy):
    """What was published last week, filed under an observatory, a topic and a country."""
    observatory = ObservatoryFactory(name="Regional Labor Observatory", slug="regional-labor-observatory")
    labour, rbc = TopicFactory(name="Labour market"), TopicFactory(name="Responsible business conduct")
    chile = CountryFactory(code="CL")
    a_day_ago = timezone.now() - timedelta(days=1)
    news = PublishedNewsFactory(title="The labour observatory is launched", published_at=a_day_ago)
    news.topics.set([labour])
    old_news = PublishedNewsFactory(title="An old article", published_at=timezone.now() - timedelta(days=30))
    old_news.topics.set([labour])
    linked = PublishedNewsFactory(title="News linked to the observatory only", published_at=a_day_ago)
    observatory.news.add(linked)
    publication = PublishedPublicationFactory(title="Gender equality analysis report", observatory=observatory,
                                              published_at=a_day_ago)  # fmt: skip
    dataset = Dataset.objects.create(
        observatory=observatory, key="labour-demo", version=1, title="Labour market indicators",
        file_format=Dataset.Format.GENERATED, is_demo=True, status=Status.PUBLISHED, published_at=a_day_ago,
    )  # fmt: skip
    event = OpenEventFactory(title="Webinar on digital competences", country=chile)
    consultation = OpenConsultationFactory(title="Mexico 2025 Exit Document (draft)", opens_at=a_day_ago)
    consultation.topics.set([rbc])
    initiative = PublishedInitiativeFactory(name="Collective Action in Mexico", published_at=a_day_ago)
    return {
        "observatory": observatory, "labour": labour, "rbc": rbc, "chile": chile, "news": news, "linked": linked,
        "old_news": old_news, "publication": publication, "dataset": dataset, "event": event,
        "consultation": consultation, "initiative": initiative,
    }  # fmt: skip


def follower(*items, language="en", everything=False):
    person = ParticipantFactory(profile__preferred_language=language)
    for item in items:
        services.follow(user=person, item=item)
    if everything:
        services.set_preferences(user=person, frequency="weekly", follows_everything=True)
    return person


def digest_of(person):
    messages = [message for message in mail.outbox if message.to == [person.email]]
    assert len(messages) <= 1, f"{person.email} got {len(messages)} digests"
    return messages[0] if messages else None


def test_each_person_gets_what_matches_what_they_follow(world, committed):
    of_observatory = follower(world["observatory"])
    of_topic = follower(world["labour"], world["rbc"])
    of_country = follower(world["chile"])
    of_initiative = follower(world["initiative"])
    with committed():
        run = schedule.start_run(last_week())
    assert run.subscribers == 4
    text = digest_of(of_observatory).body
    assert "Gender equality analysis report" in text and "Labour market indicators" in text
    assert "News linked to the observatory only" in text  # the observatory's own link to the news
    assert "demo data, not official statistics" in text
    assert "The labour observatory is launched" not in text  # filed under a topic they do not follow
    text = digest_of(of_topic).body
    assert "The labour observatory is launched" in text and "Mexico 2025 Exit Document (draft)" in text
    assert "An old article" not in text  # published before the period
    assert "Webinar on digital competences" in digest_of(of_country).body  # registration open, in Chile
    assert "Collective Action in Mexico" in digest_of(of_initiative).body


def test_nothing_is_sent_nor_written_when_nothing_matched(world, committed):
    quiet = follower(TopicFactory(name="Culture"))
    off = follower(world["observatory"])
    Subscriber.objects.filter(user=off).update(frequency="none")
    with committed():
        schedule.start_run(last_week())
    assert digest_of(quiet) is None and digest_of(off) is None
    assert not Digest.objects.exists() and not OutboundEmail.objects.filter(kind="following.digest").exists()


def test_nothing_at_all_happened_in_the_period(privacy_policy, committed):
    follower(everything=True)
    with committed():
        run = schedule.start_run(last_week())
    assert run.subscribers == 1 and not Digest.objects.exists() and not mail.outbox


def test_everything_in_the_persons_language_with_one_click_unsubscribe_and_a_web_version(world, committed):
    world["publication"].title_es = "Informe de análisis sobre igualdad de género"
    world["publication"].save()
    person = follower(language="es", everything=True)
    with committed():
        schedule.start_run(last_week())
    message = digest_of(person)
    assert "resumen" in message.subject.lower()
    assert "Informe de análisis sobre igualdad de género" in message.body
    assert "/es/publications/" in message.body
    html = message.alternatives[0][0]
    assert "Informe de análisis sobre igualdad de género" in html and "Collective Action in Mexico" in html
    unsubscribe = re.fullmatch(r"<(https?://[^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in html and "/es/digest/leave/" in unsubscribe
    web = re.search(r"(/es/digest/view/[^\s\"<]+/)", html).group(1)
    page = Client().get(web)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "Informe de análisis sobre igualdad de género" in page.content.decode()
    assert Client().get(web.replace("/view/", "/view/x")).status_code == 404


def test_a_newsletter_address_gets_everything(world, committed):
    subscriber = Subscriber.objects.create(email="reader@example.org", language="en", follows_everything=True,
                                           confirmed_at=timezone.now())  # fmt: skip
    Subscriber.objects.create(email="unconfirmed@example.org", language="en", follows_everything=True)
    with committed():
        schedule.start_run(last_week())
    assert [message.to for message in mail.outbox] == [[subscriber.email]]
    assert "Gender equality analysis report" in mail.outbox[0].body


def test_unverified_or_inactive_people_get_no_digest(world, committed):
    unverified = ParticipantFactory(verified_email=False)
    services.follow(user=unverified, item=world["observatory"])
    gone = follower(world["observatory"])
    gone.is_active = False
    gone.save()
    with committed():
        schedule.start_run(last_week())
    assert not mail.outbox


def test_exactly_once_per_person_and_period(world, committed):
    people = [follower(world["observatory"]) for _ in range(3)]
    period = last_week()
    with committed():
        run = schedule.start_run(period)
        assert schedule.start_run(period) is None  # the same period again: nothing
        assert digests.send_batch(run.pk, [person.digest_subscription.pk for person in people]) == 0
    assert len(mail.outbox) == 3 and Digest.objects.count() == 3
    assert OutboundEmail.objects.filter(kind="following.digest").count() == 3
    keys = set(OutboundEmail.objects.values_list("key", flat=True))
    assert keys == {f"following.digest:{run.pk}:{person.digest_subscription.pk}" for person in people}


def test_a_batch_larger_than_the_outboxs_batch_is_all_delivered_after_its_commit(world, settings, committed):
    settings.OUTBOX_BATCH_SIZE = 2  # a sender takes 2 at a time; this batch has 5
    people = [follower(world["observatory"]) for _ in range(5)]
    with committed():
        schedule.start_run(last_week())
    assert sorted(message.to[0] for message in mail.outbox) == sorted(person.email for person in people)
    assert not OutboundEmail.objects.filter(kind="following.digest", sent_at__isnull=True).exists()  # none left


def test_a_batch_killed_before_its_commit_leaves_everything_owed(world, monkeypatch, committed):
    people = [follower(world["observatory"]) for _ in range(2)]
    period = last_week()
    run = DigestRun.objects.create(frequency="weekly", period_start=period.start, period_end=period.end)
    ids = [person.digest_subscription.pk for person in people]

    def crash(items):
        raise RuntimeError("the worker dies here")

    monkeypatch.setattr(digests.outbox, "queue_many", crash)
    with pytest.raises(RuntimeError):
        digests.send_batch(run.pk, ids)
    assert not Digest.objects.exists()
    monkeypatch.undo()
    with committed():
        assert digests.send_batch(run.pk, ids) == 2
    assert len(mail.outbox) == 2


def test_the_schedule_starts_each_period_once(world, committed):
    follower(world["observatory"])
    zone = timezone.get_default_timezone()
    wednesday = timezone.make_aware(datetime(2025, 3, 5, 10, 0), zone)
    week = schedule.latest_period("weekly", now=wednesday)
    day = schedule.latest_period("daily", now=wednesday)
    assert (timezone.localtime(week.start).date().isoformat(), timezone.localtime(week.end).date().isoformat()) == (
        "2025-02-24", "2025-03-03",
    )  # fmt: skip
    assert timezone.localtime(day.start).date().isoformat() == "2025-03-04"
    early_monday = timezone.make_aware(datetime(2025, 3, 3, 5, 0), zone)  # before DIGEST_SEND_HOUR
    assert timezone.localtime(schedule.latest_period("weekly", now=early_monday).end).date().isoformat() == "2025-02-24"
    assert schedule.start_due_runs() == 2
    assert schedule.start_due_runs() == 0
    assert DigestRun.objects.count() == 2


def test_the_workers_sweep_starts_the_digests(world, committed):
    from portal import workers

    follower(world["observatory"])
    with committed():
        done = workers.run_sweeps()
    assert done["digests"] == 2


def test_a_batch_reads_in_a_fixed_number_of_queries(world, django_assert_max_num_queries, committed):
    period = last_week()
    few = [follower(world["observatory"], world["labour"]).digest_subscription.pk for _ in range(5)]
    many = [follower(world["observatory"], world["labour"]).digest_subscription.pk for _ in range(40)]
    run = DigestRun.objects.create(frequency="weekly", period_start=period.start, period_end=period.end)
    with committed(), django_assert_max_num_queries(40) as few_queries:
        digests.send_batch(run.pk, few)
    digests.forget_contents()
    with committed(), django_assert_max_num_queries(40) as many_queries:
        digests.send_batch(run.pk, many)
    assert len(many_queries.captured_queries) <= len(few_queries.captured_queries) + 2
    assert Digest.objects.count() == 45


def test_accounts_without_email_address_never_break_a_batch(world, committed):
    person = UserFactory()  # no profile: language from the site
    services.follow(user=person, item=world["observatory"])
    with committed():
        schedule.start_run(last_week())
    assert [message.to for message in mail.outbox] == [[person.email]]
