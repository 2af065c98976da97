"""Load the demo observatories and publications from fixtures/observatory/ (see its README).

Safe to run twice: rows are matched on slugs and only changed when the fixture changed;
the generated demo files are written once. Refuses to run outside DEBUG unless --force is
given. Needs the taxonomy, the news and the demo editor of ``seed_demo``, which calls it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import reversion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from events.models import Event
from observatory import demo_files
from observatory.files import detect_file_type, publication_file_storage
from observatory.models import Collaborator, FocusArea, Observatory, Partner, Publication, PublicationFile
from portal import services
from portal.management.commands.seed_demo import DEMO_USERS, paragraphs_to_html
from portal.models import Body, Country, News, Status, Topic

FIXTURES = settings.BASE_DIR / "fixtures" / "observatory"
REPEATED = {"focus", "partner", "collaborator", "file", "row"}


@dataclass
class Fixture:
    path: Path
    values: dict
    lists: dict = field(default_factory=dict)
    text: str = ""
    text_es: str = ""  # the text after a line "--- es ---", when the fixture has it in Spanish too

    def get(self, key, default=""):
        return self.values.get(key, default)

    def required(self, key):
        try:
            return self.values[key]
        except KeyError:
            raise CommandError(f"{self.path.name}: “{key}:” is missing.") from None

    def keys_of(self, key) -> list[str]:
        return [part.strip() for part in self.get(key).split(",") if part.strip()]

    def rows(self, key) -> list[list[str]]:
        return [[part.strip() for part in line.split("|")] for line in self.lists.get(key, [])]

    def date(self, key) -> date:
        try:
            return date.fromisoformat(self.required(key))
        except ValueError as error:
            raise CommandError(f"{self.path.name}: {key}: {error}") from error


def read_fixture(path: Path) -> Fixture:
    header, separator, text = path.read_text(encoding="utf-8").partition("\n---\n")
    if not separator:
        raise CommandError(f"{path.name}: the header must end with a line “---”.")
    text, _, text_es = text.partition("\n--- es ---\n")
    fixture = Fixture(path=path, values={}, text=text, text_es=text_es)
    for line in header.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not key:
            continue
        if key in REPEATED:
            fixture.lists.setdefault(key, []).append(value)
        else:
            fixture.values[key] = value
    return fixture


class Command(BaseCommand):
    help = "Load the demo observatories and publications (idempotent), with generated demo files."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_observatory loads demo content; it refuses to run without DEBUG (use --force).")
        self.countries = {c.code: c for c in Country.objects.all()}
        self.bodies = {b.slug: b for b in Body.objects.all()}
        self.topics = {t.slug: t for t in Topic.objects.all()}
        editor = get_user_model().objects.filter(email__iexact=DEMO_USERS[0][0]).first()
        if editor is None or not self.bodies:
            raise CommandError("Run seed_demo first: it loads the taxonomy and creates the demo editor.")
        self.skipped_events = set()
        with transaction.atomic():
            for path in sorted((FIXTURES / "observatories").glob("*.txt")):
                self.load_observatory(read_fixture(path))
            created = updated = 0
            for path in sorted((FIXTURES / "publications").glob("*.txt")):
                was_created, was_updated = self.load_publication(read_fixture(path), editor)
                created += was_created
                updated += was_updated
        self.stdout.write(
            self.style.SUCCESS(
                f"Observatories: {Observatory.objects.count()}. Publications: {created} created, {updated} updated, "
                f"{Publication.objects.count()} in all."
            )
        )
        if self.skipped_events:
            self.stdout.write(f"  Events not found (yet), not linked: {', '.join(sorted(self.skipped_events))}.")
        call_command("seed_indicators", force=True, verbosity=options.get("verbosity", 1))  # demo data series

    # -- Helpers ----------------------------------------------------------------------------

    def pick(self, fixture, key, table, label):
        try:
            return [table[name] for name in fixture.keys_of(key)]
        except KeyError as error:
            raise CommandError(f"{fixture.path.name}: unknown {label} {error}.") from error

    def news_of(self, fixture):
        slugs = fixture.keys_of("news")
        found = list(News.objects.filter(slug__in=slugs))
        if len(found) != len(set(slugs)):
            missing = set(slugs) - {news.slug for news in found}
            raise CommandError(f"{fixture.path.name}: unknown news {sorted(missing)} (run seed_demo first).")
        return found

    def events_of(self, fixture):
        slugs = fixture.keys_of("events")
        found = list(Event.objects.filter(slug__in=slugs))
        self.skipped_events |= set(slugs) - {event.slug for event in found}
        return found

    # -- Observatories ----------------------------------------------------------------------

    def load_observatory(self, fixture):
        body_slug = fixture.required("body")
        if body_slug not in self.bodies:
            raise CommandError(f"{fixture.path.name}: unknown body {body_slug!r}.")
        observatory, _ = Observatory.objects.update_or_create(
            slug=fixture.required("slug"),
            defaults={
                "name_en": fixture.required("name"),
                "summary_en": fixture.required("summary"),
                "mission_en": fixture.required("mission"),
                # Spanish where the fixture has it; the pages fall back to English and say so.
                "name_es": fixture.get("name_es") or None,
                "summary_es": fixture.get("summary_es") or None,
                "mission_es": fixture.get("mission_es") or None,
                "objectives_en": paragraphs_to_html(fixture.text),
                "objectives_es": paragraphs_to_html(fixture.text_es) or None,
                "launched_on": fixture.date("launched"),
                "body": self.bodies[body_slug],
                "funding": fixture.get("funding"),
                "website": fixture.get("website"),
                "position": int(fixture.get("position", "0") or 0),
            },
        )
        observatory.topics.set(self.pick(fixture, "topics", self.topics, "topic"))
        observatory.news.set(self.news_of(fixture))
        observatory.events.set(self.events_of(fixture))
        focus = [(row[0], row[1] if len(row) > 1 else "") for row in fixture.rows("focus")]
        if [(area.title, area.description) for area in observatory.focus_areas.all()] != focus:
            observatory.focus_areas.all().delete()
            FocusArea.objects.bulk_create(
                FocusArea(observatory=observatory, title=title, description=description, position=index)
                for index, (title, description) in enumerate(focus)
            )
        partners = [(*row, "", "", "", "")[:5] for row in fixture.rows("partner")]
        kinds = set(Partner.Kind.values)
        for name, _acronym, kind, _location, _role in partners:
            if kind not in kinds:
                raise CommandError(f"{fixture.path.name}: partner {name!r} has an unknown kind {kind!r}.")
        current = [(p.name, p.acronym, p.kind, p.location, p.role) for p in observatory.partners.all()]
        if current != partners:
            observatory.partners.all().delete()
            Partner.objects.bulk_create(
                Partner(
                    observatory=observatory, name=name, acronym=acronym, kind=kind, location=location, role=role,
                    position=index,
                )
                for index, (name, acronym, kind, location, role) in enumerate(partners)
            )  # fmt: skip
        return observatory

    # -- Publications -----------------------------------------------------------------------

    def load_publication(self, fixture, editor):
        slug = fixture.required("slug")
        observatory = None
        if fixture.get("observatory"):
            observatory = Observatory.objects.filter(slug=fixture.get("observatory")).first()
            if observatory is None:
                raise CommandError(f"{fixture.path.name}: unknown observatory {fixture.get('observatory')!r}.")
        kind = fixture.required("kind")
        if kind not in Publication.Kind.values:
            raise CommandError(f"{fixture.path.name}: unknown kind {kind!r}.")
        content = {
            "title": fixture.required("title"),
            "kind": kind,
            "abstract": fixture.required("abstract"),
            "body": paragraphs_to_html(fixture.text),
            "observatory": observatory,
            "language": fixture.get("language", "en"),
            "publication_date": fixture.date("date"),
            "external_url": fixture.get("link"),
            "citation": fixture.get("citation"),
            "is_featured": fixture.get("featured") == "yes",
            **self.spanish_of(fixture),
        }
        publication = Publication.objects.filter(slug=slug).first()
        created = updated = False
        if publication is None:
            with reversion.create_revision():
                publication = Publication.objects.create(slug=slug, author=editor, **content)
                reversion.set_user(editor)
                reversion.set_comment("Imported from the source documents")
            created = True
        elif any(getattr(publication, name) != value for name, value in content.items()):
            with reversion.create_revision():
                for name, value in content.items():
                    setattr(publication, name, value)
                publication.save()
                reversion.set_user(editor)
                reversion.set_comment("Updated from the source documents")
            updated = True
        publication.bodies.set(self.pick(fixture, "bodies", self.bodies, "body"))
        publication.countries.set(self.pick(fixture, "countries", self.countries, "country"))
        publication.topics.set(self.pick(fixture, "topics", self.topics, "topic"))
        publication.news.set(self.news_of(fixture))
        publication.events.set(self.events_of(fixture))
        self.load_collaborators(fixture, publication)
        self.load_files(fixture, publication)
        if publication.status != Status.PUBLISHED:
            at = timezone.make_aware(datetime.combine(content["publication_date"], time(12, 0)))
            services.publish(item=publication, actor=editor, at=at, comment="Demo content")
        return created, updated

    @staticmethod
    def spanish_of(fixture) -> dict:
        """A publication's Spanish text where the fixture has it (``title_es:``, ``abstract_es:``,
        ``citation_es:``, the body after ``--- es ---``); the pages fall back to English otherwise."""
        return {
            "title_es": fixture.get("title_es") or None,
            "abstract_es": fixture.get("abstract_es") or None,
            "citation_es": fixture.get("citation_es") or None,
            "body_es": paragraphs_to_html(fixture.text_es),
        }

    def load_collaborators(self, fixture, publication):
        wanted = [(*row, "", "")[:3] for row in fixture.rows("collaborator")]
        for kind, name, _affiliation in wanted:
            if kind not in Collaborator.Kind.values:
                raise CommandError(f"{fixture.path.name}: collaborator {name!r} has an unknown kind {kind!r}.")
        current = [(c.kind, c.name, c.affiliation) for c in publication.collaborators.all()]
        if current != wanted:
            publication.collaborators.all().delete()
            Collaborator.objects.bulk_create(
                Collaborator(publication=publication, kind=kind, name=name, affiliation=affiliation, position=index)
                for index, (kind, name, affiliation) in enumerate(wanted)
            )

    def load_files(self, fixture, publication):
        """Each ``file:`` line becomes a generated demo file, written once under ``demo/``."""
        storage = publication_file_storage()
        table = None
        if fixture.lists.get("row"):
            header = [part.strip() for part in fixture.get("table", "Value").split("|")]
            table = (header, [row for row in fixture.rows("row")])
        paragraphs = [publication.abstract] + [
            " ".join(block.split()) for block in fixture.text.split("\n\n") if block.strip()
        ]
        wanted = fixture.rows("file")
        for position, (file_type, title) in enumerate(wanted):
            if file_type not in PublicationFile.FileType.values:
                raise CommandError(f"{fixture.path.name}: unknown file type {file_type!r}.")
            name = f"demo/{publication.slug}-{position + 1}.{file_type}"
            if not storage.exists(name):
                data = demo_files.build(file_type, title=publication.title, paragraphs=paragraphs, table=table)
                content = ContentFile(data, name=name)
                if detect_file_type(content) != file_type:
                    raise CommandError(f"{fixture.path.name}: the generated {file_type} file is not recognised.")
                name = storage.save(name, content)
            PublicationFile.objects.update_or_create(
                publication=publication,
                position=position,
                defaults={
                    "title": title,
                    "file": name,
                    "file_type": file_type,
                    "size": storage.size(name),
                    "is_demo": True,
                },
            )
        publication.files.filter(position__gte=len(wanted)).delete()
