"""What people follow, who receives the digest, and each digest sent.

- **Follow**: a participant follows one object of a followable model (an observatory, a topic,
  a country, a body, an initiative: following.registry), by a generic relation.
- **Subscriber**: someone who receives the digest: a participant (``user``; their address and
  language are the account's) or, for the newsletter without an account, an address that was
  confirmed by its owner (``email``). A subscriber chooses weekly, daily or none, and may follow
  everything. ``secret`` is part of every personal link (unsubscribe, web version): a new one
  revokes them all.
- **DigestRun**: one period of one frequency (the week of 3 March), started once by the workers.
- **Digest**: what one subscriber was sent for one run: one row per subscriber and run, written
  in the transaction that queues the email (whose outbox key is unique too), so a digest goes
  once, whatever restarts in between. Nothing is written when nothing matched.

Personal data: follows, the subscription and the digests are shown to their owner, exported
and erased with the account; a newsletter address is deleted when its owner leaves.
"""

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_secret() -> str:
    return secrets.token_urlsafe(18)


class Follow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(_("followed since"), default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        ordering = ["content_type", "object_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "content_type", "object_id"], name="following_follow_once"),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="following_follow_item_idx")]

    def __str__(self):
        return f"{self.user} → {self.content_type.model}:{self.object_id}"


class Subscriber(models.Model):
    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        DAILY = "daily", _("Daily")
        NONE = "none", _("Never")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="digest_subscription",
    )
    #: The newsletter without an account: the address its owner confirmed (empty for a participant).
    email = models.EmailField(_("email address"), blank=True)
    #: The newsletter's language (a participant's is their profile's).
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    frequency = models.CharField(_("digest"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    follows_everything = models.BooleanField(_("follows everything"), default=False)
    secret = models.CharField(max_length=40, default=new_secret, editable=False)
    created_at = models.DateTimeField(_("subscribed at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest subscriber")
        verbose_name_plural = _("digest subscribers")
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(email="")) | (Q(user__isnull=True) & ~Q(email="")),
                name="following_subscriber_account_or_address",
            ),
            models.UniqueConstraint(
                Lower("email"), condition=Q(user__isnull=True), name="following_subscriber_one_per_address"
            ),
        ]
        indexes = [models.Index(fields=["frequency", "id"], name="following_subscriber_due_idx")]

    def __str__(self):
        return str(self.user) if self.user_id else self.email

    @property
    def is_newsletter_only(self) -> bool:
        return self.user_id is None

    @property
    def address(self) -> str:
        return self.user.email if self.user_id else self.email

    @property
    def recipient_language(self) -> str:
        return self.user.preferred_language if self.user_id else self.language


class DigestRun(models.Model):
    frequency = models.CharField(max_length=10, choices=Subscriber.Frequency.choices)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    subscribers = models.PositiveIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("digest run")
        verbose_name_plural = _("digest runs")
        ordering = ["-period_end", "frequency"]
        constraints = [
            models.UniqueConstraint(fields=["frequency", "period_start", "period_end"], name="following_run_once"),
            models.CheckConstraint(condition=Q(period_end__gt=models.F("period_start")), name="following_run_period"),
        ]

    def __str__(self):
        return f"{self.get_frequency_display()} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"


class Digest(models.Model):
    run = models.ForeignKey(DigestRun, on_delete=models.CASCADE, related_name="digests")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="digests")
    #: What it held, per section: ``{"publications": [12, 15], …}`` (for its web version).
    items = models.JSONField(default=dict)
    item_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["run", "subscriber"], name="following_digest_once")]

    def __str__(self):
        return f"{self.subscriber} · {self.run}"
