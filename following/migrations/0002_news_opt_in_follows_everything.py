"""The news opt-in of sign-up, stored and never used until now, becomes "follow everything": each
profile that ticked it gets a weekly digest of everything (its consent time kept as confirmation)."""

import secrets

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    Profile = apps.get_model("accounts", "Profile")
    Subscriber = apps.get_model("following", "Subscriber")
    already = set(Subscriber.objects.filter(user__isnull=False).values_list("user_id", flat=True))
    Subscriber.objects.bulk_create(
        [
            Subscriber(
                user_id=user_id,
                email="",
                frequency="weekly",
                follows_everything=True,
                secret=secrets.token_urlsafe(18),
                created_at=opted_in_at or timezone.now(),
                confirmed_at=opted_in_at or timezone.now(),
            )
            for user_id, opted_in_at in Profile.objects.filter(news_opt_in=True).values_list("user_id", "news_opt_in_at")
            if user_id not in already
        ],
        batch_size=1000,
    )
    Subscriber.objects.filter(user__profile__news_opt_in=True, follows_everything=False).update(follows_everything=True)


class Migration(migrations.Migration):
    dependencies = [("following", "0001_initial"), ("accounts", "0002_privacypolicy_profile")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
