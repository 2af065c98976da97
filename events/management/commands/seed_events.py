"""Load the demo events from fixtures/events/ (idempotent), published by the demo editor.

Safe to run twice: events are matched on their slug and their speakers, sessions,
partners and documents rewritten only when the fixture changed. The two demo events
start a few days after the load; when run again after they have started, they are
moved forward again (through the reschedule service, so registrants are told).
Refuses to run outside DEBUG unless --force is given. ``seed_demo`` calls it.
"""

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import reversion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from events import services
from events.models import Event, EventDocument, EventPartner, Session, Speaker
from portal import services as workflow
from portal.models import Body, Country, Status
from portal.roles import EDITORS

FIXTURES = settings.BASE_DIR / "fixtures" / "events"
RELATIVE = re.compile(r"^\+(\d+)d (\d{1,2}):(\d{2})$")
#: How long before its start a past event is shown as published (the announcement).
ANNOUNCED_BEFORE = timedelta(days=14)


@dataclass
class EventFixture:
    values: dict
    description: str
    speakers: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    partners: list = field(default_factory=list)
    documents: list = field(default_factory=list)

    @property
    def is_demo(self) -> bool:
        return self.values.get("demo") == "yes"


def _cells(value: str, count: int) -> list[str]:
    cells = [cell.strip() for cell in value.split("|")]
    return (cells + [""] * count)[:count]


def paragraphs_to_html(text: str) -> str:
    return "".join(
        f"<p>{escape(' '.join(block.split()))}</p>" for block in re.split(r"\n\s*\n", text.strip()) if block.strip()
    )


def parse(path: Path) -> EventFixture:
    header, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    fixture = EventFixture(values={}, description=paragraphs_to_html(body))
    lists = {"speaker": (fixture.speakers, 4), "session": (fixture.sessions, 5), "partner": (fixture.partners, 2)}
    lists["document"] = (fixture.documents, 3)
    for line in header.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key in lists:
            target, count = lists[key]
            target.append(_cells(value, count))
        elif key:
            fixture.values[key] = value
    for required in ("title", "slug", "kind", "format", "time_zone", "start", "end", "summary"):
        if not fixture.values.get(required):
            raise CommandError(f"{path.name}: “{required}” is missing.")
    return fixture


def wall_time(value: str, zone: zoneinfo.ZoneInfo, *, today: date) -> datetime:
    """ "2022-11-24 12:00" or, for demo events, "+4d 12:00" → an aware datetime in ``zone``."""
    relative = RELATIVE.match(value)
    if relative:
        day = today + timedelta(days=int(relative[1]))
        return datetime.combine(day, time(int(relative[2]), int(relative[3])), zone)
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    except ValueError as error:
        raise CommandError(f"Bad time {value!r}: use YYYY-MM-DD HH:MM or +Nd HH:MM.") from error


def absolute(url: str) -> str:
    return settings.SITE_URL + url if url.startswith("/") else url


class Command(BaseCommand):
    help = "Load the demo events from fixtures/events/ (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_events loads demo events; it refuses to run without DEBUG (use --force).")
        editor = get_user_model().objects.filter(groups__name=EDITORS, is_active=True).order_by("pk").first()
        if editor is None:
            raise CommandError("No editor account to publish the events with: run seed_demo first.")
        created = updated = 0
        with transaction.atomic():
            for path in sorted(FIXTURES.glob("*.txt")):
                was_created, was_updated = self.load(parse(path), editor, path.name)
                created += was_created
                updated += was_updated
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo events: {created} created, {updated} updated, {Event.objects.count()} in all."
                )
            )
            demo = Event.objects.filter(is_demo=True).order_by("start")
            for event in demo:
                self.stdout.write(f"  Try registering: {settings.SITE_URL}{event.get_absolute_url()}")

    def load(self, fixture: EventFixture, editor, name: str) -> tuple[bool, bool]:
        values = fixture.values
        zone = zoneinfo.ZoneInfo(values["time_zone"])
        today = timezone.localtime(timezone.now(), zone).date()
        start = wall_time(values["start"], zone, today=today)
        end = wall_time(values["end"], zone, today=today)
        country = None
        if values.get("country"):
            country = Country.objects.filter(code=values["country"]).first()
            if country is None:
                raise CommandError(f"{name}: unknown country {values['country']}.")
        bodies = []
        for slug in filter(None, (part.strip() for part in values.get("bodies", "").split(","))):
            body = Body.objects.filter(slug=slug).first()
            if body is None:
                raise CommandError(f"{name}: unknown body {slug}.")
            bodies.append(body)
        description = fixture.description
        if values.get("news"):
            news_url = reverse("portal:news_detail", kwargs={"slug": values["news"]})
            description += f'<p><a href="{news_url}">Read the news article about this event</a></p>'
        content = {
            "title": values["title"],
            "kind": values["kind"],
            "format": values["format"],
            "summary": values["summary"],
            "description": description,
            "time_zone": values["time_zone"],
            "venue": values.get("venue", ""),
            "city": values.get("city", ""),
            "country": country,
            "online_url": values.get("online_url", ""),
            "registration_enabled": values.get("registration") == "yes",
            "capacity": int(values["capacity"]) if values.get("capacity") else None,
            "has_waiting_list": values.get("waiting_list", "yes") == "yes",
            "reminder_hours_before": int(values.get("reminder_hours_before", 24)),
            "join_opens_minutes_before": int(values.get("join_opens_minutes_before", 30)),
        }
        event = Event.objects.filter(slug=values["slug"]).first()
        was_created = was_updated = False
        if event is None:
            with reversion.create_revision():
                event = Event(slug=values["slug"], author=editor, start=start, end=end, is_demo=fixture.is_demo)
                for key, value in content.items():
                    setattr(event, key, value)
                event.full_clean()
                event.save()
                event.organising_bodies.set(bodies)
                reversion.set_user(editor)
                reversion.set_comment("Imported from the source documents")
            was_created = True
        else:
            changed = {key: value for key, value in content.items() if getattr(event, key) != value}
            if changed:
                with reversion.create_revision():
                    for key, value in changed.items():
                        setattr(event, key, value)
                    event.save()
                    reversion.set_user(editor)
                    reversion.set_comment("Updated from the source documents")
                was_updated = True
            if set(event.organising_bodies.all()) != set(bodies):
                event.organising_bodies.set(bodies)
            if fixture.is_demo and event.start < timezone.now() + timedelta(days=1):
                # A demo event must stay a few days ahead, so registration can be tried.
                services.reschedule_event(event=event, start=start, end=end, actor=editor)
                was_updated = True
            elif not fixture.is_demo and (event.start, event.end) != (start, end):
                Event.objects.filter(pk=event.pk).update(start=start, end=end)
                was_updated = True
        self.load_related(event, fixture, zone, today)
        if event.status != Status.PUBLISHED:
            at = timezone.now() if fixture.is_demo else start - ANNOUNCED_BEFORE
            workflow.publish(item=event, actor=editor, at=at, comment="Demo content")
        return was_created, was_updated

    def load_related(self, event: Event, fixture: EventFixture, zone, today) -> None:
        partners = [(name, url) for name, url in fixture.partners]
        if [(p.name, p.url) for p in event.partners.all()] != partners:
            event.partners.all().delete()
            EventPartner.objects.bulk_create(
                EventPartner(event=event, name=name, url=url, position=index)
                for index, (name, url) in enumerate(partners)
            )
        speakers = [tuple(row) for row in fixture.speakers]
        if [(s.name, s.role, s.organisation, s.bio) for s in event.speakers.all()] != speakers:
            event.sessions.all().delete()  # sessions point at the speakers: rebuilt below
            event.speakers.all().delete()
            Speaker.objects.bulk_create(
                Speaker(event=event, name=name, role=role, organisation=organisation, bio=bio, position=index)
                for index, (name, role, organisation, bio) in enumerate(speakers)
            )
        wanted_sessions = [
            (wall_time(start, zone, today=today), wall_time(end, zone, today=today), title, url, names)
            for start, end, title, url, names in fixture.sessions
        ]
        current = [(s.start, s.end, s.title, s.recording_url) for s in event.sessions.all()]
        if current != [row[:4] for row in wanted_sessions]:
            event.sessions.all().delete()
            by_name = {speaker.name: speaker for speaker in event.speakers.all()}
            for start, end, title, url, names in wanted_sessions:
                session = Session.objects.create(event=event, start=start, end=end, title=title, recording_url=url)
                session.speakers.set([by_name[n.strip()] for n in names.split(";") if n.strip()])
        documents = [(title, kind, absolute(url)) for title, kind, url in fixture.documents]
        if [(d.title, d.kind, d.url) for d in event.documents.all()] != documents:
            event.documents.all().delete()
            EventDocument.objects.bulk_create(
                EventDocument(event=event, title=title, kind=kind, url=url, position=index)
                for index, (title, kind, url) in enumerate(documents)
            )
