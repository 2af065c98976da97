"""Load the demo consultations from fixtures/consultations/ (see its README); safe to run twice.

The demo consultation is open: it opened a few days before the demo was loaded and closes some
days after. Loading again leaves a consultation whose response is published as it is, and opens
again one that closed without a response (so that the demo always has one to comment on).
"""

from datetime import timedelta

import reversion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from consultations.models import Consultation
from observatory.models import Observatory, Publication
from portal import services
from portal.management.commands.seed_demo import paragraphs_to_html
from portal.models import Body, Country, Status, Topic
from portal.richtext import sanitize_html
from portal.roles import EDITORS

FIXTURES = settings.BASE_DIR / "fixtures" / "consultations"


def read_fixture(path):
    header, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    values = {}
    for line in header.splitlines():
        key, _, value = line.partition(":")
        if key.strip():
            values[key.strip()] = value.strip()
    blocks = []
    for block in body.strip().split("\n\n"):
        block = block.strip()
        if block.startswith("## "):
            blocks.append(f"<h2>{sanitize_html(block[3:])}</h2>")
        elif block:
            blocks.append(paragraphs_to_html(block))
    return values, "".join(blocks)


def _split(value):
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class Command(BaseCommand):
    help = "Load the demo consultations (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_consultations loads demo content; it refuses to run without DEBUG (use --force).")
        editor = get_user_model().objects.filter(groups__name=EDITORS, is_active=True).order_by("pk").first()
        if editor is None:
            raise CommandError("No editor to publish the demo consultations: run seed_demo.")
        loaded = []
        with transaction.atomic():
            for path in sorted(FIXTURES.glob("*.txt")):
                loaded.append(self.load(path, editor))
        for consultation in loaded:
            self.stdout.write(f"Demo consultation: {settings.SITE_URL}{consultation.get_absolute_url()}")

    def load(self, path, editor) -> Consultation:
        values, document = read_fixture(path)
        try:
            slug = values["slug"]
            publication = (
                Publication.objects.filter(slug=values["publication"]).first() if "publication" in values else None
            )
            observatory = Observatory.objects.get(slug=values["observatory"]) if values.get("observatory") else None
            bodies = [Body.objects.get(slug=slug_) for slug_ in _split(values.get("bodies"))]
            topics = [Topic.objects.get(slug=slug_) for slug_ in _split(values.get("topics"))]
            countries = [Country.objects.get(code=code) for code in _split(values.get("countries"))]
            opens_days_ago, closes_in_days = int(values["opens_days_ago"]), int(values["closes_in_days"])
            content = {
                "title_en": values["title"], "title_es": values.get("title_es") or None,
                "summary_en": values["summary"], "summary_es": values.get("summary_es") or None,
                "question_en": values["question"], "question_es": values.get("question_es") or None,
                "document_en": sanitize_html(document),
            }  # fmt: skip
        except (KeyError, ValueError, Body.DoesNotExist, Topic.DoesNotExist, Country.DoesNotExist,
                Observatory.DoesNotExist) as error:  # fmt: skip
            raise CommandError(f"{path.name}: malformed fixture ({error!r}).") from error
        now = timezone.now()
        consultation = Consultation.objects.filter(slug=slug).first()
        with reversion.create_revision():
            if consultation is None:
                consultation = Consultation(slug=slug, author=editor, is_demo=True)
            for name, value in content.items():
                setattr(consultation, name, value)
            consultation.publication = publication
            consultation.observatory = observatory or (publication.observatory if publication else None)
            if consultation.pk is None or (not consultation.has_response and consultation.phase != "open"):
                consultation.opens_at = now - timedelta(days=opens_days_ago)
                consultation.closes_at = now + timedelta(days=closes_in_days)
                consultation.closing_notified_at = None
            consultation.is_demo = True
            consultation.save()
            reversion.set_user(editor)
            reversion.set_comment("Demo content")
        consultation.bodies.set(bodies)
        consultation.topics.set(topics)
        consultation.countries.set(countries)
        if consultation.status != Status.PUBLISHED:
            services.publish(item=consultation, actor=editor, at=now - timedelta(days=opens_days_ago), comment="Demo")
        return consultation
