#!/usr/bin/env python
"""Build the benchmark's large dataset in the database that DATABASE_URL names (PostgreSQL).

    DATABASE_URL=postgresql://… PORTAL_ENV=production SECRET_KEY=… ALLOWED_HOSTS=… \\
        .venv/bin/python scripts/bench/generate.py [--scale 1.0] [--seed 2026]

At scale 1: 20,000 news (English and Spanish), 2,000 events with sessions, speakers and
partners, 50,000 participants (account, profile, verified address), 200,000 registrations,
50,000 publications, 1,000,000 indicator observations (through the real import,
scripts/bench/indicators.py), 10,000 organisations with five yearly cycles of
self-assessments (about 35,000 assessments, 700,000 answers, benchmarks once per cycle),
and 200,000 OCDS contracting processes (through the real import, scripts/bench/ocds_import.py),
in a few minutes on two cores. Rows go in in batches with COPY
(the same values bulk_create would write, several times faster for wide rows); workflow
states are set directly (status, published_at), not through the services, which would
send emails and write revisions per row. The search documents are
then computed in one UPDATE per table, with the expression portal.search and
observatory.search use (the GIN index is dropped for the UPDATE and built again after).

It adds to what is there (run it on a fresh database after `migrate`; it loads the demo
taxonomy and content first when the database has none). Publications are generated last
and any failure there is reported, not fatal: the observatory app may still be changing.
The counts and the time of each step go to stdout and to --report (JSON).
"""

import argparse
import json
import random
import sys
import time
import traceback
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from boot import Progress, boot

COPY_BATCH = 10_000

_FIRST_NAMES = (
    "María José Ana Luisa Camila Valentina Sofía Isabella Daniela Gabriela Carolina Paula Andrea Lucía Fernanda "
    "Juan Carlos Luis Jorge Andrés Felipe Diego Sebastián Mateo Santiago Alejandro Javier Ricardo Eduardo Pablo "
    "Claudia Patricia Rosa Verónica Natalia Mónica Alejandra Catalina Ximena Renata Emily Sarah James Michael David"
)
_LAST_NAMES = (
    "González Muñoz Rojas Díaz Pérez Soto Contreras Silva Martínez Sepúlveda Morales Rodríguez López Fuentes "
    "Hernández García Torres Ramírez Flores Gómez Sánchez Vargas Castillo Chávez Quispe Mamani Huamán Ramos "
    "Castro Ortiz Cárdenas Restrepo Ospina Jaramillo Londoño Valencia Mejía Cruz Reyes Aguilar Mendoza Vega"
)
FIRST_NAMES, LAST_NAMES = _FIRST_NAMES.split(), _LAST_NAMES.split()
ORGANISATIONS = [
    "ProChile", "ProColombia", "PromPerú", "Secretaría de Economía", "Ministerio de Comercio, Industria y Turismo",
    "ChileCompra", "Colombia Compra Eficiente", "OSCE Perú", "Universidad de Chile", "Universidad de los Andes",
    "Pontificia Universidad Católica del Perú", "Universidad Nacional Autónoma de México", "Tecnológico de Monterrey",
    "Universidad de Lima", "Cámara de Comercio de Bogotá", "Sociedad de Fomento Fabril", "Fundación Chile",
    "Confederación de Cámaras Industriales", "Colegio San Ignacio", "Liceo Bicentenario",
    "Institución Educativa Distrital",
    "Exportadora Andina S.A.", "Café de Altura S.A.S.", "Textiles del Pacífico", "Agroindustrias del Sur",
]  # fmt: skip
POSITIONS = [
    "Analyst", "Director", "Coordinator", "Teacher", "Researcher", "Adviser", "Manager", "Student", "Consultant",
    "Docente", "Jefa de área", "Profesional", "Asesor", "Gerente de exportaciones", "Investigadora",
]  # fmt: skip
MAIL_DOMAINS = ["correo.example", "mail.example", "universidad.example", "empresa.example", "gob.example"]
CITIES = {
    "CL": ["Santiago", "Valparaíso", "Concepción", "Antofagasta"],
    "CO": ["Bogotá", "Medellín", "Cali", "Cartagena", "Barranquilla"],
    "MX": ["Mexico City", "Guadalajara", "Monterrey", "Mérida", "Puebla"],
    "PE": ["Lima", "Cusco", "Arequipa", "Trujillo"],
}
VENUES = ["Ministry of Foreign Affairs", "Chamber of Commerce", "Convention Centre", "University auditorium",
          "Hotel conference room", "Embassy", "Ministry of Economy", "Trade promotion agency"]  # fmt: skip
SESSION_TITLES = [
    ("Opening", "Apertura"), ("Welcome remarks", "Palabras de bienvenida"), ("Keynote", "Conferencia magistral"),
    ("Panel discussion", "Panel de discusión"), ("Round table", "Mesa redonda"),
    ("Questions and answers", "Preguntas y respuestas"), ("Presentation of results", "Presentación de resultados"),
    ("Working session", "Sesión de trabajo"), ("Business roundtables", "Ruedas de negocios"),
    ("Closing remarks", "Palabras de cierre"), ("Networking", "Networking"),
]  # fmt: skip
SPEAKER_ROLES = [
    ("Speaker", "Expositor"), ("Keynote speaker", "Conferencista principal"), ("Moderator", "Moderadora"),
    ("Panellist", "Panelista"),
]  # fmt: skip
PARTNERS = ["OECD", "ILO", "IDB", "CAF", "ECLAC", "European Union", "Fundación Chile", "APEC", "World Bank"]


def ascii_slug(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class Generator:
    def __init__(self, *, scale: float, seed: int):
        from vocabulary import TextPool

        self.rng = random.Random(seed)
        self.scale = scale
        self.text = TextPool(seed=seed)
        self.counts = {
            "news": int(20_000 * scale),
            "events": int(2_000 * scale),
            "participants": int(50_000 * scale),
            "registrations": int(200_000 * scale),
            "publications": int(50_000 * scale),
            "organisations": int(10_000 * scale),
        }
        self.cycles = 5  # yearly self-assessment cycles, the last one the current year
        self.now = datetime.now(UTC)
        self.timings: dict[str, float] = {}
        self.result: dict = {"requested": dict(self.counts), "created": {}, "notes": []}

    # -- Helpers ---------------------------------------------------------------------------

    def step(self, name):
        generator = self

        class _Step:
            def __enter__(self):
                self.started = time.monotonic()
                print(f"-- {name}", file=sys.stderr, flush=True)

            def __exit__(self, *exc):
                generator.timings[name] = round(time.monotonic() - self.started, 1)

        return _Step()

    def bulk(self, model, objects, progress: Progress | None = None):
        """Insert ``objects`` with PostgreSQL's COPY, in batches; returns them with their ids set.

        What bulk_create does, several times faster for wide rows: the ids are drawn from the
        table's own sequence first, and every value goes through the field's ``pre_save`` and
        ``get_db_prep_save`` (auto_now stamps, translated fields, foreign keys) as in bulk_create.
        """
        from django.db import connection

        meta = model._meta
        fields = meta.concrete_fields
        quote = connection.ops.quote_name
        copy_sql = f"COPY {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
        for start in range(0, len(objects), COPY_BATCH):
            chunk = objects[start : start + COPY_BATCH]
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, meta.pk.column, len(chunk)],
                )
                for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                    obj.pk = pk
                    obj._state.adding, obj._state.db = False, connection.alias
                with cursor.cursor.copy(copy_sql) as copy:
                    for obj in chunk:
                        copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
            if progress:
                progress.advance(len(chunk))
        return objects

    @staticmethod
    def bilingual(model, **values) -> dict:
        """Field values for ``model`` from (English, Spanish) pairs: both languages where the
        field is translated (django-modeltranslation), else the English (or only) text."""
        from modeltranslation.translator import NotRegistered, translator

        try:
            translated = set(translator.get_options_for_model(model).fields)
        except NotRegistered:
            translated = set()
        fields = {}
        for name, (english, spanish) in values.items():
            fields[name] = english if english is not None else spanish
            if name in translated:
                fields[f"{name}_en"], fields[f"{name}_es"] = english, spanish
        return fields

    def when_between(self, start: datetime, end: datetime) -> datetime:
        return start + (end - start) * self.rng.random()

    def recent_bias(self, start: datetime, end: datetime) -> datetime:
        """A moment between start and end, more often recent (as a portal's archive grows)."""
        return start + (end - start) * (self.rng.random() ** 0.6)

    def pick_some(self, items, low, high, weights=None):
        k = self.rng.randint(low, high)
        if not items or k <= 0:
            return []
        if weights:
            chosen = set()
            while len(chosen) < min(k, len(items)):
                chosen.add(self.rng.choices(items, weights=weights)[0])
            return list(chosen)
        return self.rng.sample(items, min(k, len(items)))

    # -- Baseline --------------------------------------------------------------------------

    def ensure_baseline(self):
        """The taxonomy, a privacy policy and the demo content, when the database has none."""
        from django.core.management import call_command

        from accounts.models import PrivacyPolicy
        from portal.models import Country

        if not Country.objects.exists():
            try:
                call_command("seed_demo", force=True, verbosity=0)
            except Exception as error:  # the demo content of an app in progress may fail
                self.result["notes"].append(f"seed_demo failed ({error!r}); loaded the taxonomy only")
                from portal.management.commands.seed_demo import Command

                Command().load_taxonomy()
                Command().ensure_privacy_policy()
        if not PrivacyPolicy.objects.exists():
            from portal.management.commands.seed_demo import Command

            Command().ensure_privacy_policy()
        from django.contrib.auth import get_user_model

        self.editor = get_user_model().objects.filter(is_staff=True).order_by("pk").first()
        self.countries = list(Country.objects.order_by("pk"))
        self.country_weights = [8 if c.status == Country.Status.MEMBER else 1 for c in self.countries]
        self.members = [c for c in self.countries if c.status == Country.Status.MEMBER] or self.countries
        from portal.models import Body, Topic

        self.bodies = list(Body.objects.order_by("pk"))
        self.topics = list(Topic.objects.order_by("pk"))
        self.policy_version = PrivacyPolicy.current().version

    # -- Participants ----------------------------------------------------------------------

    def participants(self):
        from allauth.account.models import EmailAddress
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password

        from accounts.models import Profile

        User = get_user_model()
        total = self.counts["participants"]
        # One real hash for everyone (hashing 50,000 passwords would take hours): every
        # participant can sign in with the password in docs/performance.md.
        password = make_password("bench-participant-2026")
        taken = set(User.objects.values_list("email", flat=True))
        progress = Progress("participants", total * 3)
        users = []
        for index in range(total):
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            email = f"{ascii_slug(first)}.{ascii_slug(last)}.{index}@{self.rng.choice(MAIL_DOMAINS)}"
            if email in taken:
                continue
            users.append(
                User(
                    email=email,
                    full_name=f"{first} {last}",
                    password=password,
                    date_joined=self.recent_bias(self.now - timedelta(days=5 * 365), self.now - timedelta(days=1)),
                )
            )
        users = self.bulk(User, users, progress)
        sectors = [value for value, _label in Profile.Sector.choices]
        profiles = [
            Profile(
                user=user,
                organisation=self.rng.choice(ORGANISATIONS),
                position=self.rng.choice(POSITIONS),
                sector=self.rng.choice(sectors),
                country=self.rng.choices(self.countries, weights=self.country_weights)[0].code,
                preferred_language="es" if self.rng.random() < 0.7 else "en",
                privacy_policy_version=self.policy_version,
                privacy_consented_at=user.date_joined,
                news_opt_in=self.rng.random() < 0.3,
            )
            for user in users
        ]
        self.bulk(Profile, profiles, progress)
        addresses = [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users]
        self.bulk(EmailAddress, addresses, progress)
        progress.finish()
        self.participant_ids = [user.pk for user in users]
        self.result["created"]["participants"] = len(users)

    # -- News ------------------------------------------------------------------------------

    def news(self):
        from portal.models import News, Status

        total = self.counts["news"]
        progress = Progress("news", total * 2)
        start = datetime(2012, 1, 1, tzinfo=UTC)
        items, item_topics = [], []
        for index in range(total):
            published_at = self.recent_bias(start, self.now - timedelta(hours=1))
            roll = self.rng.random()
            if roll < 0.95:
                status = Status.PUBLISHED
            elif roll < 0.97:
                status, published_at = Status.DRAFT, None
            elif roll < 0.98:
                status, published_at = Status.IN_REVIEW, None
            elif roll < 0.99:
                status = Status.ARCHIVED
            else:  # scheduled: published, going live later
                status, published_at = Status.PUBLISHED, self.now + timedelta(days=self.rng.randint(1, 30))
            # Most are in both languages; some only in one (the page then shows the fallback).
            languages = self.rng.choices([("en", "es"), ("en",), ("es",)], weights=[80, 15, 5])[0]
            topics = self.pick_some(self.topics, 1, 3)
            topic_slugs = [topic.slug for topic in topics]
            item_topics.append(topics)
            fields = {}
            for lang in ("en", "es"):
                if lang in languages:
                    fields[f"title_{lang}"] = self.text.title(lang, topic_slugs)[:250]
                    fields[f"lead_{lang}"] = self.text.lead(lang, topics=topic_slugs)
                    fields[f"body_{lang}"] = self.text.html(lang, self.rng.randint(2, 7), topic_slugs)
                else:
                    fields[f"title_{lang}"] = fields[f"lead_{lang}"] = fields[f"body_{lang}"] = None
            main = languages[0]
            items.append(
                News(
                    title=fields[f"title_{main}"],
                    lead=fields[f"lead_{main}"],
                    body=fields[f"body_{main}"],
                    **fields,
                    slug=f"{ascii_slug(fields[f'title_{main}'])[:80].strip()}-{index}".replace(" ", "-")[:120],
                    status=status,
                    published_at=published_at,
                    first_published_at=published_at if status in (Status.PUBLISHED, Status.ARCHIVED) else None,
                    author=self.editor,
                )
            )
            progress.advance()
        items = self.bulk(News, items, progress)
        progress.finish()
        self.fix_slugs(News)
        self.m2m(
            News,
            items,
            countries=(self.countries, 1, 3, self.country_weights),
            bodies=(self.bodies, 0, 2, None),
            topics=item_topics,
        )
        self.news_ids = [item.pk for item in items]
        self.result["created"]["news"] = len(items)

    def fix_slugs(self, model):
        """Slugs made from free text may carry characters a SlugField refuses; keep [-a-z0-9]."""
        from django.db import connection

        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET slug = trim(both '-' from regexp_replace(regexp_replace(slug, '[^a-z0-9-]+', '-', 'g'), '-+', '-', 'g')) "  # noqa: E501
                f"WHERE slug !~ '^[a-z0-9]+(-[a-z0-9]+)*$'"
            )

    def m2m(self, model, items, **relations):
        """Fill the many-to-many tables: relations = {field: (choices, low, high, weights)}, or
        {field: [the chosen objects of each item]}."""
        total = sum(len(items) for _ in relations)
        progress = Progress(f"{model._meta.model_name} links", total)
        for name, how in relations.items():
            through = model._meta.get_field(name).remote_field.through
            source = f"{model._meta.model_name}_id"
            target = next(f.attname for f in through._meta.concrete_fields if f.is_relation and f.attname != source)
            rows = []
            for index, item in enumerate(items):
                chosen_objects = how[index] if isinstance(how, list) else self.pick_some(*how)
                for chosen in chosen_objects:
                    rows.append(through(**{source: item.pk, target: chosen.pk}))
            self.bulk(through, rows)
            progress.advance(len(items))
        progress.finish()

    # -- Events ----------------------------------------------------------------------------

    def events(self):
        from events.models import Event, EventPartner, Session, Speaker
        from portal.models import Status

        total = self.counts["events"]
        progress = Progress("events", total)
        kinds = [value for value, _ in Event.Kind.choices]
        formats = [value for value, _ in Event.Format.choices]
        first_start = datetime(2014, 1, 1, tzinfo=UTC)
        last_start = self.now + timedelta(days=365)
        events = []
        for index in range(total):
            # About one in eight is still to come, as on a portal with a long archive.
            if self.rng.random() < 0.12:
                start = self.when_between(self.now + timedelta(days=2), last_start)
            else:
                start = self.recent_bias(first_start, self.now - timedelta(days=1))
            start = start.replace(minute=self.rng.choice([0, 30]), second=0, microsecond=0)
            days = self.rng.choices([1, 2, 3], weights=[80, 15, 5])[0]
            end = start + timedelta(hours=self.rng.choice([1, 1.5, 2, 3, 4])) + timedelta(days=days - 1)
            fmt = self.rng.choice(formats)
            country = self.rng.choice(self.members)
            in_spanish = self.rng.random() < 0.75  # most events are announced in both languages
            # Events have no topics of their own: their text is about one or two anyway.
            about = [topic.slug for topic in self.pick_some(self.topics, 1, 2)]
            city = self.rng.choice(CITIES.get(country.code, [country.name])) if fmt != Event.Format.VIRTUAL else ""
            venue = self.rng.choice(VENUES) if fmt != Event.Format.VIRTUAL else ""
            texts = self.bilingual(
                Event,
                title=(self.text.title("en", about)[:230], self.text.title("es", about)[:230] if in_spanish else None),
                summary=(
                    self.text.lead("en", 590, about),
                    self.text.lead("es", 590, about) if in_spanish else None,
                ),
                description=(
                    self.text.html("en", self.rng.randint(2, 6), about),
                    self.text.html("es", self.rng.randint(2, 6), about) if in_spanish else None,
                ),
                venue=(venue, venue if in_spanish else None),
                city=(city, city if in_spanish else None),
            )
            has_registration = self.rng.random() < 0.7
            events.append(
                Event(
                    **texts,
                    slug=f"{ascii_slug(texts['title'])[:80].strip()}-{index}".replace(" ", "-"),
                    kind=self.rng.choice(kinds),
                    format=fmt,
                    time_zone=country.time_zone,
                    start=start,
                    end=end,
                    country=country if fmt != Event.Format.VIRTUAL or self.rng.random() < 0.5 else None,
                    online_url=f"https://meet.example/{index}" if fmt != Event.Format.IN_PERSON else "",
                    registration_enabled=has_registration,
                    capacity=self.rng.choice([30, 50, 80, 100, 150, 200, 300, 500])
                    if has_registration and self.rng.random() < 0.4
                    else None,
                    has_waiting_list=self.rng.random() < 0.8,
                    status=Status.PUBLISHED if self.rng.random() < 0.97 else Status.DRAFT,
                    published_at=start - timedelta(days=self.rng.randint(7, 60)),
                    first_published_at=start - timedelta(days=self.rng.randint(7, 60)),
                    author=self.editor,
                )
            )
        for event in events:
            if event.status != Status.PUBLISHED:
                event.published_at = event.first_published_at = None
            elif event.published_at > self.now:
                event.published_at = event.first_published_at = self.now - timedelta(hours=1)
        events = self.bulk(Event, events, progress)
        progress.finish()
        self.fix_slugs(Event)
        # Every event with the default reminder (a day before), as the admin gives a new one.
        from events.models import ReminderRule

        self.reminder_rules = {
            rule.event_id: rule
            for rule in self.bulk(
                ReminderRule,
                [ReminderRule(event_id=event.pk, hours_before=ReminderRule.DEFAULT_HOURS_BEFORE) for event in events],
            )
        }
        self.m2m(Event, events, organising_bodies=(self.bodies, 1, 2, None))

        progress = Progress("sessions and speakers", len(events))
        speakers, sessions, partners, session_speakers = [], [], [], []
        for event in events:
            event_speakers = []
            for position in range(self.rng.randint(1, 6)):
                organisation = self.rng.choice(ORGANISATIONS + PARTNERS)
                event_speakers.append(
                    Speaker(
                        event=event,
                        name=f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
                        position=position,
                        **self.bilingual(
                            Speaker,
                            role=self.rng.choice(SPEAKER_ROLES),
                            organisation=(organisation, organisation),
                            bio=(self.text.lead("en", 600), self.text.lead("es", 600)),
                        ),
                    )
                )
            speakers += event_speakers
            span = (event.end - event.start) / max(1, self.rng.randint(1, 8))
            moment = event.start
            while moment + span <= event.end + timedelta(seconds=1) and len(sessions) < 10**7:
                sessions.append(
                    (
                        Session(
                            event=event,
                            start=moment,
                            end=moment + span,
                            **self.bilingual(
                                Session,
                                title=self.rng.choice(SESSION_TITLES),
                                description=(self.text.paragraph("en", 1), self.text.paragraph("es", 1))
                                if self.rng.random() < 0.5
                                else ("", ""),
                            ),
                            recording_url=f"https://video.example/{event.pk}/{len(sessions)}"
                            if event.end < self.now and self.rng.random() < 0.3
                            else "",
                        ),
                        event_speakers,
                    )
                )
                moment += span
            for position, name in enumerate(self.pick_some(PARTNERS, 0, 3)):
                partners.append(
                    EventPartner(event=event, position=position, **self.bilingual(EventPartner, name=(name, name)))
                )
            progress.advance()
        progress.finish()
        self.bulk(Speaker, speakers)
        created_sessions = self.bulk(Session, [session for session, _ in sessions])
        through = Session.speakers.through
        for session, (_, event_speakers) in zip(created_sessions, sessions, strict=True):
            for speaker in self.pick_some(event_speakers, 1, 2):
                session_speakers.append(through(session_id=session.pk, speaker_id=speaker.pk))
        self.bulk(through, session_speakers)
        self.bulk(EventPartner, partners)
        self.events_created = events
        self.result["created"].update(
            events=len(events), sessions=len(created_sessions), speakers=len(speakers), partners=len(partners)
        )

    # -- Registrations ---------------------------------------------------------------------

    def registrations(self):
        from events.models import Registration, ReminderSent

        Status = Registration.Status
        total = self.counts["registrations"]
        open_events = [e for e in self.events_created if e.registration_enabled and e.status == "published"]
        participants = self.participant_ids
        if not open_events or not participants:
            self.result["notes"].append("no registrations: no events with registration or no participants")
            return
        # A few events draw thousands (the teachers' webinars), most a few dozen: a Zipf-like share.
        self.rng.shuffle(open_events)
        weights = [1 / (rank + 1) ** 0.75 for rank in range(len(open_events))]
        scale = total / sum(weights)
        sizes = [min(len(participants), max(1, round(w * scale))) for w in weights]
        sizes[0] += total - sum(sizes)  # the most popular takes the rounding difference
        sizes[0] = min(sizes[0], len(participants))
        progress = Progress("registrations", sum(sizes))
        batch = []
        reminded = []
        self.events_by_id = {event.pk: event for event in open_events}
        created = 0
        for event, size in zip(open_events, sizes, strict=True):
            is_past = event.end <= self.now
            seats = event.capacity
            seated = 0
            for participant_id in self.rng.sample(participants, size):
                created_at = event.start - timedelta(days=self.rng.uniform(1, 45))
                created_at = min(created_at, self.now - timedelta(minutes=5))
                row = Registration(
                    event_id=event.pk,
                    participant_id=participant_id,
                    created_at=created_at,
                    status_changed_at=created_at,
                    status_notified_at=created_at,
                )
                roll = self.rng.random()
                if roll < (0.08 if is_past else 0.06):
                    row.status, row.cancelled_at = Status.CANCELLED, created_at + timedelta(hours=2)
                elif not is_past and roll < 0.20:
                    row.status = Status.PENDING
                elif seats is not None and seated >= seats:
                    if event.has_waiting_list:
                        row.status, row.waitlisted_at = Status.WAITLISTED, created_at + timedelta(minutes=10)
                    else:
                        row.status, row.cancelled_at = Status.CANCELLED, created_at + timedelta(hours=2)
                else:
                    seated += 1
                    row.confirmed_at = created_at + timedelta(minutes=10)
                    if is_past and self.rng.random() < 0.65:
                        row.status, row.attended_at = Status.ATTENDED, event.start + timedelta(minutes=5)
                        row.attendance = "online" if event.format == "virtual" else "in_person"
                    else:
                        row.status = Status.CONFIRMED
                    if self.reminder_rules[event.pk].at(event) <= self.now:
                        reminded.append(row)
                row.status_changed_at = row.cancelled_at or row.waitlisted_at or row.confirmed_at or created_at
                row.status_notified_at = row.status_changed_at
                batch.append(row)
                if len(batch) >= COPY_BATCH:
                    self.bulk(Registration, batch)
                    created += len(batch)
                    progress.advance(len(batch))
                    batch = []
        if batch:
            self.bulk(Registration, batch)
            created += len(batch)
            progress.advance(len(batch))
        progress.finish()
        # The reminders whose time has passed were sent (their stamps; rows have ids once inserted).
        self.bulk(
            ReminderSent,
            [
                ReminderSent(
                    registration_id=row.pk,
                    rule_id=self.reminder_rules[row.event_id].pk,
                    sent_at=self.reminder_rules[row.event_id].at(self.events_by_id[row.event_id]),
                )
                for row in reminded
            ],
        )
        self.result["created"]["registrations"] = created
        self.result["largest_event_registrations"] = max(sizes)

    # -- Publications ----------------------------------------------------------------------

    def publications(self):
        from observatory.models import Collaborator, Observatory, Publication
        from portal.models import Status

        total = self.counts["publications"]
        observatories = list(Observatory.objects.order_by("pk"))
        self.observatory_topics = {observatory.pk: list(observatory.topics.all()) for observatory in observatories}
        if not observatories:
            self.result["notes"].append("no observatory in the database: publications have none")
        kinds = [value for value, _ in Publication.Kind.choices]
        kind_weights = [30 if k in ("study", "report", "article") else 8 for k in kinds]
        progress = Progress("publications", total * 2)
        items, item_topics = [], []
        first_day = date(2005, 1, 1)
        span_days = (self.now.date() - first_day).days
        for index in range(total):
            lang = "es" if self.rng.random() < 0.45 else "en"
            observatory = self.rng.choice(observatories) if observatories and self.rng.random() < 0.75 else None
            # An observatory's publications are mostly on its own subject.
            topics = self.pick_some(self.topics, 1, 3)
            if observatory is not None and self.rng.random() < 0.7:
                own = [t for t in self.observatory_topics.get(observatory.pk, []) if t not in topics]
                topics = (own[:1] + topics)[:3]
            topic_slugs = [topic.slug for topic in topics]
            item_topics.append(topics)
            other = "en" if lang == "es" else "es"
            translated = self.rng.random() < 0.5  # title and abstract also in the other language
            title = {lang: self.text.title(lang, topic_slugs)[:300]}
            abstract = {lang: self.text.paragraph(lang, self.rng.randint(2, 5), topic_slugs)[:2900]}
            if translated:
                title[other] = self.text.title(other, topic_slugs)[:300]
                abstract[other] = self.text.paragraph(other, self.rng.randint(2, 5), topic_slugs)[:2900]
            # The document itself is the file; the page has its abstract and a short text.
            body = {lang: self.text.html(lang, self.rng.randint(1, 4), topic_slugs)}
            texts = self.bilingual(
                Publication,
                title=(title.get("en"), title.get("es")),
                abstract=(abstract.get("en"), abstract.get("es")),
                body=(body.get("en"), body.get("es")),
            )
            day = first_day + timedelta(days=int(span_days * (self.rng.random() ** 0.5)))
            status = Status.PUBLISHED if self.rng.random() < 0.97 else Status.DRAFT
            published_at = (
                datetime(day.year, day.month, day.day, 12, tzinfo=UTC) if status == Status.PUBLISHED else None
            )
            items.append(
                Publication(
                    **texts,
                    slug=f"{ascii_slug(texts['title'])[:80].strip()}-{index}".replace(" ", "-"),
                    kind=self.rng.choices(kinds, weights=kind_weights)[0],
                    observatory=observatory,
                    language=lang,
                    publication_date=day,
                    is_featured=self.rng.random() < 0.002,
                    status=status,
                    published_at=published_at,
                    first_published_at=published_at,
                    author=self.editor,
                )
            )
            progress.advance()
        items = self.bulk(Publication, items, progress)
        progress.finish()
        self.fix_slugs(Publication)
        self.m2m(
            Publication,
            items,
            countries=(self.countries, 1, 4, self.country_weights),
            topics=item_topics,
            bodies=(self.bodies, 0, 2, None),
        )
        collaborators = []
        for item in items:
            if self.rng.random() < 0.4:
                for position in range(self.rng.randint(1, 3)):
                    collaborators.append(
                        Collaborator(
                            publication=item,
                            name=f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
                            affiliation=self.rng.choice(ORGANISATIONS),
                            position=position,
                        )
                    )
        self.bulk(Collaborator, collaborators)
        self.result["created"]["publications"] = len(items)
        self.result["created"]["collaborators"] = len(collaborators)

    # -- Search documents and statistics ---------------------------------------------------

    def integrity(self):
        """Organisations (each with a representative among the participants) and five yearly cycles of
        submitted self-assessments on the demo questionnaire, scored as submitting does, then the
        benchmarks computed once per cycle (integrity.benchmarks.recompute)."""
        from integrity import benchmarks, scoring, services
        from integrity.models import Answer, Assessment, Questionnaire, SectionScore
        from organisations.models import Membership, Organisation, Sector, SizeClass

        questionnaire = Questionnaire.objects.filter(slug="integrity-self-assessment").first()
        if questionnaire is None or questionnaire.current_version() is None:
            from integrity import questionnaires

            path = Path(__file__).resolve().parents[2] / "fixtures" / "integrity" / "questionnaire.json"
            version = questionnaires.import_json(path.read_text(encoding="utf-8"))
            questionnaires.publish_version(version=version, actor=self.editor)
            questionnaire = version.questionnaire
        version = questionnaire.current_version()
        spec = services.structure(version)
        questions = [
            (question.pk, sorted(((o.pk, o.score) for o in question.options.all()), key=lambda item: item[1]),
             question.allows_not_applicable)
            for question in version.questions.prefetch_related("options").order_by("section__position", "position")
        ]  # fmt: skip
        total = self.counts["organisations"]
        countries = [c.code for c in self.members]
        sizes = list(SizeClass.values)
        # Sectors as an economy has them: trade, manufacturing and services first, households last.
        sectors = list(Sector.values)
        sector_weights = [6, 3, 12, 1, 1, 8, 16, 6, 5, 5, 4, 3, 7, 4, 1, 3, 3, 2, 3, 0.2, 0.1]
        size_weights = [40, 30, 18, 12]
        organisations = []
        for index in range(total):
            name = f"Bench {self.rng.choice(['Andina', 'Pacífico', 'Austral', 'Caribe', 'Sierra'])} {index:05d} S.A."
            organisations.append(
                Organisation(
                    name=name,
                    slug=f"bench-{index:05d}",
                    country=self.rng.choices(countries, weights=[3, 4, 6, 3][: len(countries)])[0],
                    size_class=self.rng.choices(sizes, weights=size_weights)[0],
                    sector=self.rng.choices(sectors, weights=sector_weights)[0],
                    is_led_by_women=self.rng.random() < 0.2,
                    is_verified=self.rng.random() < 0.8,
                    is_demo=True,
                    created_at=self.now - timedelta(days=self.rng.uniform(30, 2000)),
                )
            )
        self.bulk(Organisation, organisations, Progress("organisations", total))
        representatives = self.participant_ids[:total]
        self.bulk(
            Membership,
            [
                Membership(organisation_id=org.pk, person_id=person, role=Membership.Role.REPRESENTATIVE,
                           status=Membership.Status.ACTIVE, created_at=org.created_at, joined_at=org.created_at)
                for org, person in zip(organisations, representatives, strict=False)
            ],
        )  # fmt: skip
        current = self.now.year
        maturity = {org.pk: self.rng.uniform(0.1, 0.8) for org in organisations}
        created = 0
        for step_number, cycle in enumerate(range(current - self.cycles + 1, current + 1)):
            taking = [org for org in organisations if self.rng.random() < 0.55 + 0.08 * step_number]
            progress = Progress(f"self-assessments {cycle}", len(taking))
            assessments, answers, section_scores = [], [], []
            for org in taking:
                level = min(0.97, maturity[org.pk] + 0.05 * step_number)
                chosen, scored = [], {}
                for question_id, options, allows_na in questions:
                    if allows_na and self.rng.random() < 0.07:
                        chosen.append((question_id, None))
                        scored[question_id] = scoring.NOT_APPLICABLE
                        continue
                    position = min(len(options) - 1, max(0, round(self.rng.gauss(level * (len(options) - 1), 0.9))))
                    chosen.append((question_id, options[position][0]))
                    scored[question_id] = options[position][1]
                result = scoring.score(spec, scored)
                submitted = datetime(cycle, self.rng.randint(2, 11), self.rng.randint(1, 28), 12, tzinfo=UTC)
                submitted = min(submitted, self.now - timedelta(hours=1))
                assessment = Assessment(
                    questionnaire_id=questionnaire.pk, version_id=version.pk, organisation_id=org.pk, cycle=cycle,
                    status=Assessment.Status.SUBMITTED, submitted_at=submitted, score=result.overall,
                    country=org.country, size_class=org.size_class, sector=org.sector, created_at=submitted,
                )  # fmt: skip
                assessments.append((assessment, chosen, result))
            self.bulk(Assessment, [row[0] for row in assessments], progress)
            for assessment, chosen, result in assessments:
                for question_id, option_id in chosen:
                    answers.append(
                        Answer(assessment_id=assessment.pk, question_id=question_id, option_id=option_id,
                               is_not_applicable=option_id is None, answered_at=assessment.submitted_at)
                    )  # fmt: skip
                section_scores.extend(
                    SectionScore(assessment_id=assessment.pk, section_code=code, score=value)
                    for code, value in result.sections.items()
                )
            self.bulk(Answer, answers)
            self.bulk(SectionScore, section_scores)
            created += len(assessments)
            started = time.monotonic()
            shown = benchmarks.recompute(questionnaire=questionnaire, cycle=cycle)
            self.result.setdefault("benchmark_recompute_s", {})[cycle] = round(time.monotonic() - started, 2)
            self.result.setdefault("benchmark_groups_shown", {})[cycle] = shown
        self.result["created"]["organisations"] = total
        self.result["created"]["self_assessments"] = created

    def search_documents(self, model, expression):
        """One UPDATE for the whole table, with its GIN indexes dropped first and built again after.

        The same UPDATE puts created_at/updated_at where the content's dates are (bulk_create
        stamps them with now), so each row is rewritten once.
        """
        from django.db import connection
        from django.db.models import F
        from django.db.models.functions import Coalesce

        table = model._meta.db_table
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef ILIKE %s",
                    [table, "%USING gin%"],
                )
                gin = cursor.fetchall()
                for name, _definition in gin:
                    cursor.execute(f'DROP INDEX "{name}"')
            started = time.monotonic()
            rows = model._base_manager.update(
                search_document=expression,
                created_at=Coalesce(F("published_at"), F("created_at")) - timedelta(days=2),
                updated_at=Coalesce(F("published_at"), F("updated_at")),
            )
            updated = time.monotonic() - started
            with connection.cursor() as cursor:
                for _name, definition in gin:
                    cursor.execute(definition)
            print(
                f"  {table}: {rows:,} search documents in {updated:.1f}s, "
                f"GIN index in {time.monotonic() - started - updated:.1f}s",
                file=sys.stderr,
            )
        finally:
            connection.close()  # each runs in its own thread (see all_search_documents)

    def all_search_documents(self):
        """The tables' UPDATEs run side by side, one per connection: two cores, two tables at once."""
        from concurrent.futures import ThreadPoolExecutor

        from django.apps import apps

        from portal.search import document_vector

        jobs = []
        if apps.is_installed("observatory") and "publications" in self.result["created"]:
            from django.db.models import Case, When

            from observatory import search as publication_search
            from observatory.models import Publication

            # Each publication's document uses its language's configuration (observatory.search):
            # one CASE over the languages, with the app's own expression for each.
            def vector(config):
                return publication_search.publication_vector(Publication, config)

            expression = Case(
                *[When(language=lang, then=vector(cfg)) for lang, cfg in Publication.SEARCH_CONFIGS.items()],
                default=vector("simple"),
            )
            jobs.append((Publication, expression))
        for label in ("portal.News", "events.Event"):
            model = apps.get_model(label)
            jobs.append((model, document_vector(model)))
        with ThreadPoolExecutor(max_workers=2) as pool:
            for future in [pool.submit(self.search_documents, model, expression) for model, expression in jobs]:
                future.result()

    def indicator_data(self):
        """1,000,000 observations (at scale 1) in a published dataset of the labour observatory,
        through the real import (indicators.py): the data pages are measured on it."""
        import indicators

        result = indicators.run(max(int(1_000_000 * self.scale), 1000), publish=True)
        if result["exit_code"] != 0:
            raise RuntimeError(f"the import failed: {result['stderr_tail']}")
        self.result["created"]["observations"] = result["rows"]
        self.result["indicator_import"] = result

    def procurement_data(self):
        """200,000 generated contracting processes (at scale 1) of the four members, published: the store
        the procurement pages are measured on, imported by the real command (ocds_import.py)."""
        import ocds_import

        from procurement import demo

        releases = max(int(200_000 * demo.RELEASES_PER_PROCESS * self.scale), 1000)
        result = ocds_import.run(releases, publish=True, seed=2026)
        if result["exit_code"] != 0:
            raise RuntimeError(f"the OCDS import failed: {result['stderr_tail']}")
        self.result["created"]["ocds_releases"] = result["releases"]
        self.result["procurement_import"] = result

    def analyze(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")

    # -- All -------------------------------------------------------------------------------

    def run(self):
        started = time.monotonic()
        with self.step("baseline (taxonomy, demo content)"):
            self.ensure_baseline()
        with self.step("participants"):
            self.participants()
        with self.step("news"):
            self.news()
        with self.step("events"):
            self.events()
        with self.step("registrations"):
            self.registrations()
        with self.step("publications"):
            try:
                self.publications()
            except Exception as error:  # the observatory app is being finished: report, go on
                traceback.print_exc()
                self.result["notes"].append(f"publications NOT generated: {error!r}")
        with self.step("organisations and self-assessments"):
            try:
                self.integrity()
            except Exception as error:  # report, go on: the rest of the dataset is still useful
                traceback.print_exc()
                self.result["notes"].append(f"self-assessments NOT generated: {error!r}")
        with self.step("indicator data"):
            try:
                self.indicator_data()
            except Exception as error:  # reported, not fatal, as for publications
                traceback.print_exc()
                self.result["notes"].append(f"indicator data NOT generated: {error!r}")
        with self.step("procurement data (OCDS)"):
            try:
                self.procurement_data()
            except Exception as error:  # reported, not fatal, as for the indicator data
                traceback.print_exc()
                self.result["notes"].append(f"procurement data NOT generated: {error!r}")
        with self.step("search documents"):
            self.all_search_documents()
        with self.step("search vocabulary"):
            from portal import vocabulary as search_vocabulary  # "Did you mean …?" over the new titles

            self.result["search_terms"] = search_vocabulary.rebuild()
        with self.step("VACUUM ANALYZE"):
            self.analyze()
        self.result["timings_s"] = self.timings
        self.result["total_s"] = round(time.monotonic() - started, 1)
        self.result["corpus_sentences"] = self.text.stats
        return self.result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the issue's volumes (default)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--report", type=Path, help="write the counts and timings here (JSON)")
    args = parser.parse_args()
    boot()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("generate.py needs PostgreSQL (DATABASE_URL=postgresql://…): search documents are tsvectors.")
    result = Generator(scale=args.scale, seed=args.seed).run()
    for note in result["notes"]:
        print(f"NOTE: {note}", file=sys.stderr)
    print(json.dumps(result, indent=2))
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
