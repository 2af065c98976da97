from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from following.models import DigestRun, Subscriber
from portal.admin import SuperusersOnlyMixin


@admin.register(DigestRun)
class DigestRunAdmin(SuperusersOnlyMixin, admin.ModelAdmin):
    """Which digests went out, and to how many (the people themselves are personal data)."""

    list_display = ("__str__", "frequency", "period_start", "period_end", "subscribers", "batches", "sent")
    list_filter = ("frequency",)
    date_hierarchy = "period_end"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(sent_count=Count("digests"))

    @admin.display(description=_("digests sent"), ordering="sent_count")
    def sent(self, obj):
        return obj.sent_count


@admin.register(Subscriber)
class SubscriberAdmin(SuperusersOnlyMixin, admin.ModelAdmin):
    list_display = ("__str__", "frequency", "follows_everything", "created_at", "confirmed_at")
    list_filter = ("frequency", "follows_everything")
    search_fields = ("email", "user__email")
    fields = ("user", "email", "language", "frequency", "follows_everything", "created_at", "confirmed_at")
    readonly_fields = fields
