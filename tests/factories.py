"""Factories per state. Times are relative to now; nothing here is a fixed date that rots."""

from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from portal.models import Body, Country, News, NewsLink, Status, Topic
from portal.roles import AUTHORS, EDITORS

PASSWORD = "a-strong-test-password-42"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def yesterday():
    return timezone.now() - timedelta(days=1)


def in_two_days():
    return timezone.now() + timedelta(days=2)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        """The address is confirmed unless ``verified_email=False`` is passed."""
        if create:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=extracted is not False)


class AuthorFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def join_role(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get(name=AUTHORS))


class EditorFactory(UserFactory):
    """An editor as the portal requires them: with an authenticator app (TOTP) set up."""

    is_staff = True

    @factory.post_generation
    def join_role(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get(name=EDITORS))

    @factory.post_generation
    def two_factor(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            from allauth.mfa.totp.internal.auth import TOTP

            TOTP.activate(obj, TOTP_SECRET)


def totp_code(secret: str | None = None) -> str:
    """The code an authenticator app shows now for ``secret``, with at least five seconds of its
    30-second step left (as a person waits for a fresh code rather than type one that is about
    to expire): the portal accepts the current step only, and a browser test fills the code and
    submits it a second or more later on a loaded machine."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    left = 30 - time.time() % 30
    if left < 5:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret or TOTP_SECRET, int(time.time()) // 30))


class ParticipantFactory(UserFactory):
    """A citizen who signed up and verified their email: account + profile with consent, in Peru,
    reading the portal in English. ``profile=False``: no profile yet; ``profile__preferred_language="es"``,
    ``profile__country=…``, ``profile__organisation=…``, ``profile__sector=…`` for another profile."""

    @factory.post_generation
    def profile(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            from accounts.models import Profile

            Profile.objects.create(
                user=obj,
                organisation=kwargs.get("organisation", "Universidad de Lima"),
                position="Researcher",
                sector=kwargs.get("sector", Profile.Sector.ACADEMIA),
                country=profile_country(kwargs.get("country")),
                preferred_language=kwargs.get("preferred_language", "en"),
                privacy_policy_version="1.0",
                privacy_consented_at=timezone.now(),
            )


def profile_country(country=None) -> str:
    """A profile's country (an ISO code) from a test's choice: a code, a row of the bloc's table, or
    none (Peru). A member country's row is made too, as the bloc's table has it."""
    code = getattr(country, "code", country) or "PE"
    if code in {"CL", "CO", "MX", "PE"}:
        CountryFactory(code=code)
    return code


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("code",)

    code = factory.Iterator(["CL", "CO", "MX", "PE"])
    name = factory.LazyAttribute(lambda o: {"CL": "Chile", "CO": "Colombia", "MX": "Mexico", "PE": "Peru"}[o.code])
    status = Country.Status.MEMBER
    time_zone = factory.LazyAttribute(
        lambda o: {"CL": "America/Santiago", "CO": "America/Bogota", "MX": "America/Mexico_City", "PE": "America/Lima"}[
            o.code
        ]
    )


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    name = factory.Sequence(lambda n: f"Technical Group {n}")
    slug = factory.Sequence(lambda n: f"technical-group-{n}")
    kind = Body.Kind.TECHNICAL_GROUP


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class DraftNewsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = News

    title = factory.Sequence(lambda n: f"Ministers meet on trade facilitation, round {n}")
    slug = factory.Sequence(lambda n: f"ministers-meet-round-{n}")
    lead = "The ministers of the four member countries agreed on next steps."
    body = "<p>The meeting took place in Lima.</p>"
    status = Status.DRAFT
    author = factory.SubFactory(AuthorFactory)


class InReviewNewsFactory(DraftNewsFactory):
    status = Status.IN_REVIEW


class PublishedNewsFactory(DraftNewsFactory):
    status = Status.PUBLISHED
    published_at = factory.LazyFunction(yesterday)
    first_published_at = factory.SelfAttribute("published_at")


class ScheduledNewsFactory(PublishedNewsFactory):
    published_at = factory.LazyFunction(in_two_days)


class ArchivedNewsFactory(PublishedNewsFactory):
    status = Status.ARCHIVED


class NewsLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NewsLink

    news = factory.SubFactory(PublishedNewsFactory)
    label = "Recording"
    url = "https://example.org/recording"
