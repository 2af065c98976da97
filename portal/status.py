from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """Where an item stands in the editorial workflow (moves are in portal.services)."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")
