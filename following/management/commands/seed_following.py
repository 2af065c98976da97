"""The demo participant, who follows the labour observatory and responsible business conduct; safe to run twice.

Their digest is sent by the schedule, or at once with ``manage.py send_digests --now`` (README).
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import PrivacyPolicy, Profile
from following import registry, services
from following.models import Subscriber
from portal.management.commands.seed_demo import DEMO_PARTICIPANT, DEMO_PASSWORD
from portal.models import Country, Topic

#: (followable key, slug) of what the demo participant follows.
DEMO_FOLLOWS = [("observatory", "regional-labor-observatory"), ("topic", "responsible-business-conduct")]


class Command(BaseCommand):
    help = "Create the demo participant and what they follow (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_following creates a demo account; it refuses to run without DEBUG (use --force).")
        email, name, _role = DEMO_PARTICIPANT
        with transaction.atomic():
            user = get_user_model().objects.filter(email__iexact=email).first()
            if user is None:
                user = get_user_model().objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name)
            EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            policy = PrivacyPolicy.current()
            if not Profile.objects.filter(user=user).exists():
                Profile.objects.create(
                    user=user,
                    organisation="Demo — Red de Sociedad Civil por la Conducta Empresarial Responsable",
                    position="Coordinator",
                    sector=Profile.Sector.CIVIL_SOCIETY,
                    country=Country.objects.get(code="MX"),
                    preferred_language="en",
                    privacy_policy_version=policy.version if policy else "1.0",
                    privacy_consented_at=timezone.now(),
                )
            for key, slug in DEMO_FOLLOWS:
                followable = registry.followable(key)
                item = followable.choices().filter(slug=slug).first() if followable else None
                if item is not None:
                    services.follow(user=user, item=item)
            Subscriber.objects.filter(user=user).update(frequency=Subscriber.Frequency.WEEKLY)
        topics = Topic.objects.filter(slug__in=[slug for key, slug in DEMO_FOLLOWS if key == "topic"])
        self.stdout.write(f"Demo participant {email} follows the labour observatory and {', '.join(map(str, topics))}.")
