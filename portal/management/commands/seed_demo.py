"""Load the demo content: the taxonomy and every news article of the source documents.

Safe to run twice: rows are matched on natural keys (ISO code, slug) and only changed
when the fixture changed. Refuses to run outside DEBUG unless --force is given.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import reversion
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import PrivacyPolicy
from portal import covers, services, vocabulary
from portal.models import Body, Country, CoverImage, KeyFigure, News, NewsLink, Status, Topic
from portal.richtext import sanitize_html
from portal.roles import AUTHORS, EDITORS

FIXTURES = settings.BASE_DIR / "fixtures"
DEMO_PASSWORD = "pacific-demo-2026"
DEMO_USERS = [
    ("editor@demo.alianzapacifico.example", "Elena Editora", EDITORS),
    ("author@demo.alianzapacifico.example", "Andrés Autor", AUTHORS),
]
# Participants of a demo company (created by the integrity app's seed_integrity).
DEMO_COMPANY_USERS = [
    ("representative@demo.alianzapacifico.example", "Rosa Representante", "Company representative"),
    ("colleague@demo.alianzapacifico.example", "Carlos Colega", "Colleague (asks to join the company)"),
]
# The participant who follows the labour observatory and comments on the demo consultation
# (created by the following app's seed_following).
DEMO_PARTICIPANT = ("participant@demo.alianzapacifico.example", "Paula Participante", "Participant (follows things)")


@dataclass
class Article:
    title: str
    slug: str
    date: date
    lead: str
    body: str
    title_es: str = ""
    lead_es: str = ""
    body_es: str = ""
    countries: list = field(default_factory=list)
    bodies: list = field(default_factory=list)
    topics: list = field(default_factory=list)
    links: list = field(default_factory=list)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def paragraphs_to_html(text: str) -> str:
    """Plain paragraphs (blank-line separated; "- " lines are list items) → simple HTML.

    An address the source gives (``https://…``) becomes a link to it."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{_linked(line[2:].strip())}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        elif lines:
            blocks.append(f"<p>{_linked(' '.join(lines))}</p>")
    return "".join(blocks)


_ADDRESS = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)»”’]")


def _linked(text: str) -> str:
    """``text`` escaped, each http(s) address in it a link."""
    parts, last = [], 0
    for match in _ADDRESS.finditer(text):
        address = match.group(0)
        parts += [escape(text[last : match.start()]), f'<a href="{escape(address)}">{escape(address)}</a>']
        last = match.end()
    parts.append(escape(text[last:]))
    return "".join(parts)


def parse_article(path: Path) -> Article:
    header, _, bodies = path.read_text(encoding="utf-8").partition("\n---\n")
    body, _, body_es = bodies.partition("\n--- es ---\n")
    values, links = {}, []
    for line in header.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "link":
            label, _, url = value.partition("|")
            links.append((label.strip(), url.strip()))
        elif key:
            values[key] = value
    try:
        return Article(
            title=values["title"],
            slug=values["slug"],
            date=date.fromisoformat(values["date"]),
            lead=values["lead"],
            body=paragraphs_to_html(body),
            title_es=values.get("title_es", ""),
            lead_es=values.get("lead_es", ""),
            body_es=paragraphs_to_html(body_es) if body_es.strip() else "",
            countries=_split(values.get("countries", "")),
            bodies=_split(values.get("bodies", "")),
            topics=_split(values.get("topics", "")),
            links=links,
        )
    except (KeyError, ValueError) as error:
        raise CommandError(f"{path.name}: malformed fixture ({error}).") from error


def _covered_countries(item):
    """The countries an item is about: its ``countries``, or its one ``country`` (an event's)."""
    if hasattr(item, "countries"):
        return list(item.countries.all())
    country = getattr(item, "country", None)
    return [country] if country else []


def _and(names: list[str], word: str) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {word} {names[-1]}"


class Command(BaseCommand):
    help = "Load the demo taxonomy and news from fixtures/ (idempotent) and create the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo loads demo content and demo accounts; it refuses to run without DEBUG (use --force)."
            )
        with transaction.atomic():
            self.load_taxonomy()
            self.ensure_privacy_policy()
            editor = self.ensure_demo_users()
            created, updated = self.load_news(editor)
            self.load_key_figures()
            call_command("seed_events", force=True, verbosity=options.get("verbosity", 1))  # events app
            call_command("seed_observatory", force=True, verbosity=options.get("verbosity", 1))  # observatory app
            call_command("seed_procurement", force=True, verbosity=options.get("verbosity", 1))  # procurement app
            call_command("seed_integrity", force=True, verbosity=options.get("verbosity", 1))  # integrity app
            call_command("seed_consultations", force=True, verbosity=options.get("verbosity", 1))  # consultations app
            call_command("seed_following", force=True, verbosity=options.get("verbosity", 1))  # following app
            self.illustrate_demo_items()
            # "Did you mean …?" draws on the published titles just loaded (the workers' sweep keeps it current).
            vocabulary.rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo content: {created} news created, {updated} updated, {News.objects.count()} in all."
            )
        )
        # The addresses follow SITE_URL, which `make run HOST=… PORT=…` writes into var/demo.env.
        self.stdout.write(f"Demo accounts (demo only), to sign in at {settings.SITE_URL}{reverse('account_login')}:")
        for email, _name, role in DEMO_USERS:
            self.stdout.write(f"  {role[:-1]:<7} {email}  password: {DEMO_PASSWORD}")
        self.stdout.write("  The editor has two-factor authentication on: in the demo, enter the code 000000.")
        for email, _name, role in [*DEMO_COMPANY_USERS, DEMO_PARTICIPANT]:
            self.stdout.write(f"  {role}: {email}  password: {DEMO_PASSWORD}")

    def load_taxonomy(self):
        data = json.loads((FIXTURES / "taxonomy.json").read_text(encoding="utf-8"))
        for row in data["countries"]:
            Country.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name_en": row["name"],
                    "name_es": row.get("name_es"),
                    "status": row["status"],
                    "time_zone": row["time_zone"],
                },
            )
        for row in data["bodies"]:
            Body.objects.update_or_create(
                slug=row["slug"],
                defaults={
                    "name_en": row["name"],
                    "name_es": row.get("name_es"),
                    "kind": row["kind"],
                    "description_en": row.get("description", ""),
                    "description_es": row.get("description_es"),
                },
            )
        for row in data["topics"]:
            Topic.objects.update_or_create(
                slug=row["slug"],
                defaults={
                    "name_en": row["name"],
                    "name_es": row.get("name_es"),
                    "description_en": row.get("description", ""),
                    "description_es": row.get("description_es"),
                },
            )

    def load_key_figures(self):
        """The home's key figures: real figures from the seed documents, each with its source."""
        rows = json.loads((FIXTURES / "key_figures.json").read_text(encoding="utf-8"))
        news = {item.slug: item for item in News.objects.filter(slug__in=[row["news"] for row in rows])}
        for order, row in enumerate(rows):
            KeyFigure.objects.update_or_create(
                key=row["key"],
                defaults={
                    "order": order,
                    "source_news": news.get(row["news"]),
                    **{
                        f"{name}_{language}": row[name if language == "en" else f"{name}_es"]
                        for name in ("value", "label", "source", "as_of")
                        for language in ("en", "es")
                    },
                },
            )

    def illustrate_demo_items(self):
        """Every demo item with a cover field and no image gets a map of the countries it covers
        (portal.covers), marked as an illustration; items that have one keep it (a second run
        makes nothing)."""
        made = 0
        for model in apps.get_models():
            if not issubclass(model, CoverImage) or model._meta.abstract:
                continue
            for item in model._default_manager.filter(cover_image=""):
                countries = _covered_countries(item)
                codes = [country.code for country in countries] or ["CL", "CO", "MX", "PE"]
                names_en = [country.name_en for country in countries] or ["Chile", "Colombia", "Mexico", "Peru"]
                names_es = [country.name_es or country.name_en for country in countries] or [
                    "Chile",
                    "Colombia",
                    "México",
                    "Perú",
                ]
                item.cover_image.save(
                    f"map-{'-'.join(codes).lower()}.png", ContentFile(covers.map_cover(codes)), save=False
                )
                item.cover_alt_en = f"Illustration: a map of {_and(names_en, 'and')}, highlighted."
                item.cover_alt_es = f"Ilustración: un mapa en el que se destaca {_and(names_es, 'y')}."
                item.cover_is_illustration = True
                item.save(
                    update_fields=["cover_image", "cover_alt", "cover_alt_en", "cover_alt_es", "cover_is_illustration"]
                )
                made += 1
        if made:
            self.stdout.write(f"Demo illustrations: {made} maps drawn.")

    def ensure_privacy_policy(self):
        """The demo's policy, in English and Spanish (Spanish speakers accept it to sign up)."""
        texts = {
            "title_en": "Privacy policy",
            "body_en": paragraphs_to_html((FIXTURES / "privacy_policy.txt").read_text(encoding="utf-8")),
            "title_es": "Política de privacidad",
            "body_es": paragraphs_to_html((FIXTURES / "privacy_policy_es.txt").read_text(encoding="utf-8")),
        }
        policy, created = PrivacyPolicy.objects.get_or_create(
            version="1.0", defaults={**texts, "effective_from": timezone.now()}
        )
        # A demo set up before the policy was translated gets its Spanish text (nothing else changes).
        if not created and not policy.body_es:
            PrivacyPolicy.objects.filter(pk=policy.pk).update(title_es=texts["title_es"], body_es=texts["body_es"])

    def ensure_demo_users(self):
        User = get_user_model()
        editor = None
        for email, name, role in DEMO_USERS:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name, is_staff=True)
            EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            user.groups.add(Group.objects.get(name=role))
            if role == EDITORS:
                editor = user
                # Editors must have two-factor authentication; the demo's one accepts 000000.
                if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                    TOTP.activate(user, generate_totp_secret())
        return editor

    def load_news(self, editor):
        created = updated = 0
        zone = timezone.get_default_timezone()
        countries = {c.code: c for c in Country.objects.all()}
        bodies = {b.slug: b for b in Body.objects.all()}
        topics = {t.slug: t for t in Topic.objects.all()}
        for path in sorted((FIXTURES / "news").glob("*.txt")):
            article = parse_article(path)
            try:
                wanted_countries = [countries[code] for code in article.countries]
                wanted_bodies = [bodies[slug] for slug in article.bodies]
                wanted_topics = [topics[slug] for slug in article.topics]
            except KeyError as error:
                raise CommandError(f"{path.name}: unknown taxonomy key {error}.") from error
            content = {
                "title_en": article.title,
                "lead_en": article.lead,
                "body_en": sanitize_html(article.body),
                # Spanish where the fixture has it; otherwise the page falls back to English and says so.
                "title_es": article.title_es or None,
                "lead_es": article.lead_es or None,
                "body_es": sanitize_html(article.body_es),  # stored as "" when absent (see RichTextField)
            }
            news = News.objects.filter(slug=article.slug).first()
            if news is None:
                with reversion.create_revision():
                    news = News.objects.create(slug=article.slug, author=editor, **content)
                    reversion.set_user(editor)
                    reversion.set_comment("Imported from the source documents")
                created += 1
            elif any(getattr(news, name) != value for name, value in content.items()):
                with reversion.create_revision():
                    for name, value in content.items():
                        setattr(news, name, value)
                    news.save()
                    reversion.set_user(editor)
                    reversion.set_comment("Updated from the source documents")
                updated += 1
            news.countries.set(wanted_countries)
            news.bodies.set(wanted_bodies)
            news.topics.set(wanted_topics)
            if [(link.label, link.url) for link in news.links.all()] != article.links:
                news.links.all().delete()
                NewsLink.objects.bulk_create(
                    NewsLink(news=news, label=label, url=url, position=index)
                    for index, (label, url) in enumerate(article.links)
                )
            if news.status != Status.PUBLISHED:
                at = timezone.make_aware(datetime.combine(article.date, time(12, 0)), zone)
                services.publish(item=news, actor=editor, at=at, comment="Demo content")
        return created, updated
