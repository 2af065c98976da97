"""Load the demo events from fixtures/events/ (idempotent), published by the demo editor.

Safe to run twice: events are matched on their slug and their speakers, sessions,
partners and documents rewritten only when the fixture changed. Text is loaded in English
and, where the fixture has it, in Spanish (``title_es``, the description after ``--- es ---``,
``speaker_es`` lines…); without a Spanish text the page falls back to English and says so. The two demo events
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
from django.utils import timezone, translation
from django.utils.html import escape

from events import services
from events.models import (
    Event,
    EventDocument,
    EventPartner,
    FollowUp,
    ReminderRule,
    SeatQuota,
    Session,
    Speaker,
    SurveyQuestion,
)
from portal import services as workflow
from portal.models import Body, Country, Status
from portal.richtext import sanitize_html
from portal.roles import EDITORS

FIXTURES = settings.BASE_DIR / "fixtures" / "events"
RELATIVE = re.compile(r"^\+(\d+)d (\d{1,2}):(\d{2})$")
#: The line that starts the Spanish description.
SPANISH = "\n--- es ---\n"
#: The header's list lines and their number of cells (a ``<kind>_es`` line has the same cells).
LISTS = {"speaker": 4, "session": 5, "partner": 2, "document": 3, "survey": 2, "quota": 4}
#: How long before its start a past event is shown as published (the announcement).
ANNOUNCED_BEFORE = timedelta(days=14)


@dataclass
class EventFixture:
    values: dict
    description: str
    description_es: str = ""
    #: "speaker" → its lines' cells; "speaker_es" → the Spanish lines, the n-th for the n-th speaker.
    lists: dict = field(default_factory=lambda: {key: [] for name in LISTS for key in (name, f"{name}_es")})

    @property
    def is_demo(self) -> bool:
        return self.values.get("demo") == "yes"

    def spanish(self, kind: str, index: int) -> list[str] | None:
        """The Spanish cells of the ``index``-th ``kind`` line, when the fixture has them."""
        lines = self.lists[f"{kind}_es"]
        return lines[index] if index < len(lines) else None


def _cells(value: str, count: int) -> list[str]:
    cells = [cell.strip() for cell in value.split("|")]
    return (cells + [""] * count)[:count]


def paragraphs_to_html(text: str) -> str:
    return "".join(
        f"<p>{escape(' '.join(block.split()))}</p>" for block in re.split(r"\n\s*\n", text.strip()) if block.strip()
    )


def parse(path: Path) -> EventFixture:
    header, _, bodies = path.read_text(encoding="utf-8").partition("\n---\n")
    body, _, body_es = bodies.partition(SPANISH)
    fixture = EventFixture(
        values={},
        description=paragraphs_to_html(body),
        description_es=paragraphs_to_html(body_es) if body_es.strip() else "",
    )
    for line in header.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key in fixture.lists:
            fixture.lists[key].append(_cells(value, LISTS[key.removesuffix("_es")]))
        elif key:
            fixture.values[key] = value
    for required in ("title", "slug", "kind", "format", "time_zone", "start", "end", "summary"):
        if not fixture.values.get(required):
            raise CommandError(f"{path.name}: “{required}” is missing.")
    for kind in LISTS:
        if len(fixture.lists[f"{kind}_es"]) > len(fixture.lists[kind]):
            raise CommandError(f"{path.name}: more “{kind}_es” lines than “{kind}” lines.")
    for english, spanish in zip(fixture.lists["speaker"], fixture.lists["speaker_es"], strict=False):
        name, name_es = english[0], spanish[0]
        if name_es and name_es != name:
            raise CommandError(f"{path.name}: “speaker_es: {name_es}” does not follow “speaker: {name}”.")
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
        description, description_es = fixture.description, fixture.description_es
        if values.get("news"):
            news_url = reverse("portal:news_detail", kwargs={"slug": values["news"]})
            description += f'<p><a href="{news_url}">Read the news article about this event</a></p>'
            if description_es:
                with translation.override("es"):
                    news_url = reverse("portal:news_detail", kwargs={"slug": values["news"]})
                description_es += f'<p><a href="{news_url}">Lea la noticia sobre este evento</a></p>'
        content = {
            # Each language's field by name: what is loaded does not depend on the active language.
            "title_en": values["title"],
            "title_es": values.get("title_es") or None,
            "summary_en": values["summary"],
            "summary_es": values.get("summary_es") or None,
            # Compared as stored: rich text is sanitised on save, an absent one stored as "".
            "description_en": sanitize_html(description),
            "description_es": sanitize_html(description_es),
            "venue_en": values.get("venue", ""),
            "venue_es": values.get("venue_es") or None,
            "city_en": values.get("city", ""),
            "city_es": values.get("city_es") or None,
            "kind": values["kind"],
            "format": values["format"],
            "time_zone": values["time_zone"],
            "country": country,
            "online_url": values.get("online_url", ""),
            "registration_enabled": values.get("registration") == "yes",
            "capacity": int(values["capacity"]) if values.get("capacity") else None,
            "has_waiting_list": values.get("waiting_list", "yes") == "yes",
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
            if fixture.is_demo and event.start < timezone.now() + timedelta(days=1):
                # A demo event must stay a few days ahead, so registration can be tried.
                changed.update(start=start, end=end, state=Event.State.SCHEDULED)
            elif not fixture.is_demo and (event.start, event.end) != (start, end):
                changed.update(start=start, end=end)
            if changed:
                # Through the service, as an organiser's change: its rules (seats, reminders, the
                # participants told of a new time) hold for the demo too.
                with reversion.create_revision():
                    event = services.update_event(event=event, actor=editor, changes=changed).event
                    reversion.set_user(editor)
                    reversion.set_comment("Updated from the source documents")
                was_updated = True
            if set(event.organising_bodies.all()) != set(bodies):
                event.organising_bodies.set(bodies)
        self.load_related(event, fixture, zone, today)
        self.load_reminders(event, values)
        self.load_follow_up(event, fixture)
        self.load_quotas(event, fixture)
        if event.status != Status.PUBLISHED:
            at = timezone.now() if fixture.is_demo else start - ANNOUNCED_BEFORE
            workflow.publish(item=event, actor=editor, at=at, comment="Demo content")
        return was_created, was_updated

    def load_reminders(self, event: Event, values: dict) -> None:
        """``reminders: 168, 24, 1`` (hours before the start; ``reminder_hours_before: N`` for one;
        the default: one, a day before). Rules no longer listed go; the tasks follow."""
        listed = (
            values.get("reminders") or values.get("reminder_hours_before") or str(ReminderRule.DEFAULT_HOURS_BEFORE)
        )
        hours = sorted({int(part) for part in listed.split(",") if part.strip()}, reverse=True)
        current = set(event.reminder_rules.values_list("hours_before", flat=True))
        if current == set(hours):
            return
        event.reminder_rules.exclude(hours_before__in=hours).delete()
        for value in set(hours) - current:
            ReminderRule.objects.create(event=event, hours_before=value)
        services.follow_reminder_rules(event=event)

    def load_quotas(self, event: Event, fixture: EventFixture) -> None:
        """``quota: msme | 60 | in_person | kept`` (category, share in %, mode or empty, ``kept`` or
        the hours before the start at which unfilled seats are released to everyone), through the
        service that checks the shares. Quotas no longer listed go."""
        wanted = []
        for category, share, mode, release in fixture.lists["quota"]:
            hours = None if release in ("", "kept") else int(release)
            quota = event.quotas.filter(category=category, mode=mode, sector="", country="").first() or SeatQuota(
                event=event, category=category, mode=mode
            )
            values = {
                "share": int(share),
                "release": SeatQuota.Release.KEPT if hours is None else SeatQuota.Release.RELEASED,
                "release_at": None if hours is None else event.start - timedelta(hours=hours),
            }
            if quota.pk is None or any(getattr(quota, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(quota, key, value)
                services.save_quota(quota=quota)
            wanted.append(quota.pk)
        event.quotas.exclude(pk__in=wanted).delete()

    def load_follow_up(self, event: Event, fixture: EventFixture) -> None:
        """``follow_up_hours: N`` (with ``follow_up_attended``/``follow_up_absent`` texts, ``_es`` too)
        and ``survey: rating | question`` lines (``survey_es`` after each): the emails after the event."""
        values = fixture.values
        if values.get("follow_up_hours"):
            FollowUp.objects.update_or_create(
                event=event,
                defaults={
                    "hours_after": int(values["follow_up_hours"]),
                    "attended_text_en": values.get("follow_up_attended", ""),
                    "attended_text_es": values.get("follow_up_attended_es") or None,
                    "absent_text_en": values.get("follow_up_absent", ""),
                    "absent_text_es": values.get("follow_up_absent_es") or None,
                },
            )
        for position, (kind, text) in enumerate(fixture.lists["survey"]):
            spanish = fixture.spanish("survey", position)
            SurveyQuestion.objects.update_or_create(
                event=event,
                position=position,
                defaults={"kind": kind, "text_en": text, "text_es": spanish[1] if spanish else None},
            )

    def load_related(self, event: Event, fixture: EventFixture, zone, today) -> None:
        """Partners, speakers, agenda and documents, each language's text in its own field."""

        def spanish(kind, index, cell):
            cells = fixture.spanish(kind, index)
            return (cells[cell] or None) if cells else None

        partners = [
            {"name_en": name, "name_es": spanish("partner", index, 0), "url": url}
            for index, (name, url) in enumerate(fixture.lists["partner"])
        ]
        if _rows(event.partners.all(), partners) != partners:
            event.partners.all().delete()
            EventPartner.objects.bulk_create(
                EventPartner(event=event, position=index, **row) for index, row in enumerate(partners)
            )
        speakers = [
            {
                "name": name,
                "role_en": role,
                "role_es": spanish("speaker", index, 1),
                "organisation_en": organisation,
                "organisation_es": spanish("speaker", index, 2),
                "bio_en": bio,
                "bio_es": spanish("speaker", index, 3),
            }
            for index, (name, role, organisation, bio) in enumerate(fixture.lists["speaker"])
        ]
        if _rows(event.speakers.all(), speakers) != speakers:
            event.sessions.all().delete()  # sessions point at the speakers: rebuilt below
            event.speakers.all().delete()
            Speaker.objects.bulk_create(
                Speaker(event=event, position=index, **row) for index, row in enumerate(speakers)
            )
        sessions = [
            {
                "start": wall_time(start, zone, today=today),
                "end": wall_time(end, zone, today=today),
                "title_en": title,
                "title_es": spanish("session", index, 2),
                "recording_url": url,
            }
            for index, (start, end, title, url, _names) in enumerate(fixture.lists["session"])
        ]
        if _rows(event.sessions.all(), sessions) != sessions:
            event.sessions.all().delete()
            by_name = {speaker.name: speaker for speaker in event.speakers.all()}
            for row, (*_cells, names) in zip(sessions, fixture.lists["session"], strict=True):
                session = Session.objects.create(event=event, **row)
                session.speakers.set([by_name[n.strip()] for n in names.split(";") if n.strip()])
        documents = [
            {"title_en": title, "title_es": spanish("document", index, 0), "kind": kind, "url": absolute(url)}
            for index, (title, kind, url) in enumerate(fixture.lists["document"])
        ]
        if _rows(event.documents.all(), documents) != documents:
            event.documents.all().delete()
            EventDocument.objects.bulk_create(
                EventDocument(event=event, position=index, **row) for index, row in enumerate(documents)
            )


def _rows(objects, wanted: list[dict]) -> list[dict]:
    """``objects`` as the dictionaries of ``wanted`` (same keys), to compare them."""
    keys = list(wanted[0]) if wanted else []
    return [{key: getattr(obj, key) for key in keys} for obj in objects]
