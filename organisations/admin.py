from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from organisations import services
from organisations.models import Membership, Organisation


class MembershipInline(admin.TabularInline):
    """Who belongs to the organisation. Read-only: memberships change through the members' pages."""

    model = Membership
    extra = 0
    can_delete = False
    fields = ("person", "invited_email", "role", "status", "created_at", "joined_at", "ended_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("organisations.view_membership")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "size_class", "sector", "is_verified", "is_demo", "created_at")
    list_filter = ("is_verified", "is_demo", "size_class", "sector", "country")
    search_fields = ("name", "slug")
    readonly_fields = ("is_verified", "verified_at", "verified_by", "created_by", "created_at", "updated_at")
    inlines = [MembershipInline]
    actions = ["verify"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("verified_by")

    @admin.action(description=_("Verify the selected organisations"), permissions=["verify"])
    def verify(self, request, queryset):
        done = 0
        for organisation in queryset:
            try:
                services.verify(organisation=organisation, actor=request.user)
            except services.OrganisationError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d organisation verified.", "%(count)d organisations verified.", done)
                % {"count": done},
                messages.SUCCESS,
            )

    def has_verify_permission(self, request):
        return request.user.has_perm("organisations.verify_organisation")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Read-only list for staff who may see who belongs to which organisation."""

    list_display = ("organisation", "person", "invited_email", "role", "status", "created_at")
    list_filter = ("status", "role")
    search_fields = ("organisation__name", "person__email", "invited_email")
    list_select_related = ("organisation", "person")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
