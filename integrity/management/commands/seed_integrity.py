"""Load the demo of the integrity app: the initiative of the source document (with its real
text, in English and Spanish), its pledge, the questionnaire of fixtures/integrity/, and
generated demo organisations with three yearly cycles of submitted self-assessments, so that
benchmarks and progress show. Creates the demo company accounts and prints them.

Safe to run twice: rows are matched on slugs, emails and (organisation, cycle); what exists
is left alone. Refuses to run outside DEBUG unless --force is given. ``seed_demo`` calls it.
"""

import json
import random

import reversion
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import PrivacyPolicy, Profile
from integrity import benchmarks, questionnaires, scoring, services
from integrity.models import (
    Answer,
    Assessment,
    Initiative,
    InitiativePartner,
    InitiativeSource,
    PledgeSignature,
    PledgeVersion,
    Questionnaire,
    SectionScore,
)
from organisations.models import Membership, Organisation, Sector, SizeClass
from portal import services as workflow
from portal.management.commands.seed_demo import DEMO_COMPANY_USERS, DEMO_PASSWORD, DEMO_USERS, paragraphs_to_html
from portal.models import Country, Status, Topic
from portal.richtext import sanitize_html

FIXTURES = settings.BASE_DIR / "fixtures" / "integrity"
REPRESENTATIVE, COLLEAGUE = (user[:2] for user in DEMO_COMPANY_USERS)
DEMO_COMPANY = "Demo — Minera Andina del Pacífico S.A."

# Generated organisations: (name, country, size, sector). Names say they are demo data.
_NAMES = [
    "Andes",
    "Pacífico",
    "Cordillera",
    "Austral",
    "Altiplano",
    "Caribe",
    "Sierra",
    "Valle",
    "Río",
    "Costa",
    "Volcán",
    "Desierto",
    "Selva",
    "Bahía",
    "Meseta",
]
_KINDS = {
    "C": "Manufacturas",
    "F": "Constructora",
    "G": "Comercial",
    "J": "Tecnologías",
    "K": "Servicios Financieros",
    "B": "Minera",
    "H": "Logística",
    "M": "Consultores",
}
COUNTRIES = ["CL", "CO", "MX", "PE"]


class Command(BaseCommand):
    help = "Load the integrity demo (initiative, pledge, questionnaire, demo organisations and cycles). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")
        parser.add_argument("--organisations", type=int, default=72, help="How many demo organisations (default 72).")

    def handle(self, *args, force=False, organisations=72, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_integrity loads demo content; it refuses to run without DEBUG (use --force).")
        User = get_user_model()
        editor = User.objects.filter(email__iexact=DEMO_USERS[0][0]).first()
        with transaction.atomic():
            initiative = self.load_initiative(editor)
            questionnaire = self.load_questionnaire(initiative, editor)
            representative, colleague = self.ensure_company_accounts()
            created = self.generate(questionnaire, initiative, organisations, representative, colleague)
        cycle = services.current_cycle()
        self.stdout.write(
            self.style.SUCCESS(
                f"Integrity demo: “{initiative.name}”, questionnaire v{questionnaire.current_version().number}, "
                f"{Organisation.objects.filter(is_demo=True).count()} demo organisations "
                f"({created} new assessments), cycles {cycle - 2}–{cycle}."
            )
        )
        self.stdout.write(
            f"  Demo company: {DEMO_COMPANY}, represented by {REPRESENTATIVE[0]}; its {cycle} self-assessment is "
            "not started yet (start it from “My organisations”)."
        )

    # -- The initiative and its pledge -------------------------------------------------------

    def load_initiative(self, editor) -> Initiative:
        data = json.loads((FIXTURES / "initiative.json").read_text(encoding="utf-8"))
        content = {
            **{f"name_{code}": data["name"][code] for code in ("en", "es")},
            **{f"summary_{code}": data["summary"][code] for code in ("en", "es")},
            **{f"mission_{code}": data["mission"][code] for code in ("en", "es")},
            **{f"leading_organisation_{code}": data["leading_organisation"][code] for code in ("en", "es")},
            **{f"goals_{code}": sanitize_html(paragraphs_to_html(data["goals"][code])) for code in ("en", "es")},
            **{
                f"activities_{code}": sanitize_html(paragraphs_to_html(data["activities"][code]))
                for code in ("en", "es")
            },
            "year_established": data["year_established"],
            "is_from_open_sources": True,
        }
        initiative = Initiative.objects.filter(slug=data["slug"]).first()
        if initiative is None:
            with reversion.create_revision():
                initiative = Initiative.objects.create(slug=data["slug"], author=editor, **content)
                reversion.set_comment("Imported from the source documents")
            initiative.countries.set(Country.objects.filter(code__in=data["countries"]))
            initiative.topics.set(Topic.objects.filter(slug__in=data["topics"]))
            for position, partner in enumerate(data["partners"]):
                InitiativePartner.objects.create(
                    initiative=initiative,
                    kind=partner["kind"],
                    position=position,
                    **{f"name_{code}": partner["name"][code] for code in ("en", "es")},
                )
            for position, source in enumerate(data["sources"]):
                InitiativeSource.objects.create(
                    initiative=initiative,
                    position=position,
                    **{f"title_{code}": source["title"][code] for code in ("en", "es")},
                )
        if not initiative.pledge_versions.exists():
            PledgeVersion.objects.create(
                initiative=initiative,
                number=1,
                **{f"text_{code}": sanitize_html(paragraphs_to_html(data["pledge"][code])) for code in ("en", "es")},
            )
        if initiative.status != Status.PUBLISHED and editor is not None:
            workflow.publish(item=initiative, actor=editor, at=timezone.now(), comment="Demo content")
        return initiative

    def load_questionnaire(self, initiative, editor) -> Questionnaire:
        text = (FIXTURES / "questionnaire.json").read_text(encoding="utf-8")
        slug = json.loads(text)["questionnaire"]["slug"]
        questionnaire = Questionnaire.objects.filter(slug=slug).first()
        if questionnaire is None or questionnaire.current_version() is None:
            version = questionnaires.import_json(text, questionnaire=questionnaire)
            questionnaires.publish_version(version=version, actor=editor)
            questionnaire = version.questionnaire
        if questionnaire.initiative_id != initiative.pk:
            questionnaire.initiative = initiative
            questionnaire.save(update_fields=["initiative"])
        return questionnaire

    # -- Accounts --------------------------------------------------------------------------

    def ensure_company_accounts(self):
        User = get_user_model()
        policy = PrivacyPolicy.current()
        people = []
        for email, name in (REPRESENTATIVE, COLLEAGUE):
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name)
            EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            Profile.objects.get_or_create(
                user=user,
                defaults={
                    "organisation": DEMO_COMPANY,
                    "position": "Compliance officer" if user.email == REPRESENTATIVE[0] else "Internal auditor",
                    "sector": Profile.Sector.BUSINESS,
                    "country": "PE",
                    "preferred_language": "es",
                    "privacy_policy_version": policy.version if policy else "1.0",
                    "privacy_consented_at": timezone.now(),
                },
            )
            people.append(user)
        return people

    # -- Generated organisations and their cycles ---------------------------------------------

    def plan(self, count):
        """Deterministic: (name, country, size, sector, maturity) for each demo organisation."""
        rng = random.Random(2026)
        sizes = list(SizeClass.values)
        sectors = list(_KINDS)
        rows = []
        for index in range(count):
            country = COUNTRIES[index % 4]
            size = sizes[(index // 4) % 4]
            sector = sectors[(index // 16 + index) % len(sectors)] if index % 3 else sectors[index % 3]
            name = f"Demo — {_KINDS[sector]} {_NAMES[index % len(_NAMES)]} {index + 1:02d}"
            rows.append((name, country, size, sector, rng.uniform(0.15, 0.85)))
        return rows

    def generate(self, questionnaire, initiative, count, representative, colleague) -> int:
        version = questionnaire.current_version()
        spec = services.structure(version)
        questions = list(version.questions.prefetch_related("options").order_by("section__position", "position"))
        cycle = services.current_cycle()
        cycles = [cycle - 2, cycle - 1, cycle]
        pledge = services.current_pledge(initiative)
        created = 0
        touched = set()
        plan = self.plan(count)
        plan.append((DEMO_COMPANY, "PE", SizeClass.LARGE, Sector.B, 0.35))
        for index, (name, country, size, sector, maturity) in enumerate(plan):
            is_company = name == DEMO_COMPANY
            organisation, _new = Organisation.objects.get_or_create(
                slug=f"demo-{index + 1:02d}" if not is_company else "demo-minera-andina-del-pacifico",
                defaults={
                    "name": name,
                    "country": country,
                    "size_class": size,
                    "sector": sector,
                    "is_demo": True,
                    "is_verified": True,
                    "verified_at": timezone.now(),
                    "is_led_by_women": index % 5 == 0,
                },
            )
            if is_company:
                Membership.objects.get_or_create(
                    organisation=organisation,
                    person=representative,
                    defaults={"role": Membership.Role.REPRESENTATIVE, "status": Membership.Status.ACTIVE,
                              "joined_at": timezone.now()},
                )  # fmt: skip
            if index % 3 == 0 and pledge and not PledgeSignature.objects.filter(organisation=organisation).exists():
                PledgeSignature.objects.create(
                    initiative=initiative, organisation=organisation, version=pledge,
                    signed_at=timezone.now() - timezone.timedelta(days=400 - index * 3),
                )  # fmt: skip
            rng = random.Random(f"{name}")
            for step, year in enumerate(cycles):
                if is_company and year == cycle:
                    continue  # the demo representative does this one in the demo
                if not is_company and index % 9 == 4 and step == 0:
                    continue  # some joined later
                if Assessment.objects.filter(
                    questionnaire=questionnaire, organisation=organisation, cycle=year
                ).exists():
                    continue
                level = min(0.97, maturity + 0.08 * step)
                answers = {}
                rows = []
                for question in questions:
                    options = sorted(question.options.all(), key=lambda option: option.score)
                    if question.allows_not_applicable and rng.random() < 0.08:
                        answers[question.pk] = scoring.NOT_APPLICABLE
                        rows.append(Answer(question=question, is_not_applicable=True))
                        continue
                    position = min(len(options) - 1, max(0, round(rng.gauss(level * (len(options) - 1), 0.8))))
                    option = options[position]
                    answers[question.pk] = option.score
                    rows.append(Answer(question=question, option=option))
                result = scoring.score(spec, answers)
                submitted = timezone.now().replace(year=year, month=min(11, 3 + index % 8), day=10)
                assessment = Assessment.objects.create(
                    questionnaire=questionnaire, version=version, organisation=organisation, cycle=year,
                    status=Assessment.Status.SUBMITTED, submitted_at=min(submitted, timezone.now()),
                    score=result.overall, country=country, size_class=size, sector=sector,
                    created_at=min(submitted, timezone.now()),
                )  # fmt: skip
                for row in rows:
                    row.assessment = assessment
                    row.answered_at = assessment.submitted_at
                Answer.objects.bulk_create(rows)
                SectionScore.objects.bulk_create(
                    SectionScore(assessment=assessment, section_code=code, score=value)
                    for code, value in result.sections.items()
                )
                created += 1
                touched.add(year)
        for year in sorted(touched):
            benchmarks.recompute(questionnaire=questionnaire, cycle=year)
        return created
