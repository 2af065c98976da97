"""Digests sent by real worker processes through a real SMTP server: a worker killed with SIGKILL in
the middle of the batches loses and repeats none (PostgreSQL: the workers share the test database)."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from following import schedule, services
from following.models import Digest
from following.registry import Period
from tests.factories import ParticipantFactory
from tests.observatory.factories import ObservatoryFactory, PublishedPublicationFactory
from tests.portal import test_worker_processes as processes
from tests.portal.test_worker_processes import holds, kill_hard, logs, settled

# The fixtures of the real-process tests (a mail server on loopback, worker processes, PostgreSQL only).
_postgresql_only = processes._postgresql_only
database_tasks = processes.database_tasks
smtp = processes.smtp
start_worker = processes.start_worker

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_a_worker_killed_in_the_middle_of_the_digests_loses_and_repeats_none(smtp, start_worker, settings,
                                                                            privacy_policy):  # fmt: skip
    settings.DIGEST_BATCH_SIZE = 20
    observatory = ObservatoryFactory(name="Regional Labor Observatory")
    PublishedPublicationFactory(observatory=observatory, published_at=timezone.now() - timedelta(hours=2))
    people = [ParticipantFactory(profile__preferred_language="es" if n % 3 else "en") for n in range(60)]
    for person in people:
        services.follow(user=person, item=observatory)
    smtp.sink.hold_at = 25
    smtp.start()
    run = schedule.start_run(Period(start=timezone.now() - timedelta(days=7), end=timezone.now(), frequency="weekly"))
    assert run.batches == 3

    first = start_worker("first")
    assert holds(smtp.sink, first), logs(first)
    kill_hard(first)  # the server has 24 digests and holds the 25th before its data
    smtp.sink.released.set()
    second = start_worker("second")

    assert smtp.sink.wait_for(60), logs(first, second)
    assert settled(), logs(first, second)
    assert Counter(recipient for recipient, _subject in smtp.sink.accepted) == Counter(p.email for p in people)
    assert Digest.objects.filter(run=run).count() == 60
