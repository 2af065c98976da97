import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline, TranslationTabularInline

from events import services
from events.models import (
    Certificate,
    Event,
    EventDocument,
    EventPartner,
    FollowUp,
    Registration,
    ReminderRule,
    SeatQuota,
    Session,
    Speaker,
    SurveyQuestion,
)
from events.survey_results import results_xlsx, survey_results
from events.widgets import EventZoneSplitDateTime
from portal import uploads
from portal.admin import CoverImageFormMixin, PublishableAdmin, QueueFilter, TranslatedFieldErrorsMixin
from portal.search import translated_fields

PERSONAL_DATA = "events.view_registration_personal_data"


def sees_personal_data(request) -> bool:
    return request.user.has_perm(PERSONAL_DATA)


# --- Times entered in the event's own zone ------------------------------------------------


class EventZoneFormMixin:
    """Date-times are typed and shown in the event's zone, not the site's.

    Django's form fields read a naive time in the site's zone; ``clean`` re-reads the same
    wall-clock time in the event's zone.
    """

    zone_fields: tuple[str, ...] = ()

    def event_zone_name(self) -> str:
        raise NotImplementedError

    def show_in_event_zone(self, zone_name: str) -> None:
        zone = zoneinfo.ZoneInfo(zone_name)
        for name in self.zone_fields:
            value = getattr(self.instance, name, None) if self.instance.pk else None
            if value is not None and name in self.fields:
                self.initial[name] = timezone.localtime(value, zone).replace(tzinfo=None)
            if name in self.fields:
                # One rule, stated once beside the inputs (events.widgets), in place of Django's note
                # about the server's zone, which contradicted it.
                note = gettext("Type the time in the event's time zone, %(zone)s, whatever the zone of your device.")
                self.fields[name].help_text = ""
                self.fields[name].widget.zone_note = note % {"zone": zone_name}

    def to_event_zone(self, cleaned: dict) -> dict:
        try:
            zone = zoneinfo.ZoneInfo(self.event_zone_name())
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return cleaned
        for name in self.zone_fields:
            value = cleaned.get(name)
            if value is not None:
                wall = timezone.make_naive(value, timezone.get_current_timezone())
                cleaned[name] = timezone.make_aware(wall, zone)
        return cleaned


class EventPartZoneFormMixin(EventZoneFormMixin):
    """A form of one of an event's parts (a session, a quota) in an inline: its times in the
    zone of the event, which the formset passes as ``event_zone``."""

    def __init__(self, *args, event_zone=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event_zone = event_zone or settings.TIME_ZONE
        self.show_in_event_zone(self.event_zone)

    def event_zone_name(self):
        return self.event_zone

    def clean(self):
        return self.to_event_zone(super().clean())


def _valid_zone(name) -> str | None:
    return name if name in zoneinfo.available_timezones() else None


#: The event's own columns (translations included): what the change form hands to update_event.
_EVENT_COLUMNS = frozenset(field.name for field in Event._meta.concrete_fields)


class EventAdminForm(TranslatedFieldErrorsMixin, CoverImageFormMixin, EventZoneFormMixin, forms.ModelForm):
    zone_fields = ("start", "end", "registration_opens_at", "registration_closes_at")
    #: Who is changing the event (set by EventAdmin.get_form for each request).
    actor = None

    class Meta:
        model = Event
        # The translated texts once per language, side by side (events/translation.py).
        fields = (
            "title_en", "title_es", "slug", "kind", "format", "summary_en", "summary_es", "description_en",
            "description_es", "time_zone", "start", "end", "venue_en", "venue_es", "city_en", "city_es", "country",
            "online_url", "organising_bodies", "cover_image", "cover_alt_en", "cover_alt_es", "cover_focus",
            "cover_is_illustration",
            "registration_enabled", "registration_opens_at", "registration_closes_at", "capacity",
            "online_capacity", "has_waiting_list", "join_opens_minutes_before", "state_note_en",
            "state_note_es",
        )  # fmt: skip
        widgets = {
            "organising_bodies": forms.CheckboxSelectMultiple,
            **{
                name: EventZoneSplitDateTime
                for name in ("start", "end", "registration_opens_at", "registration_closes_at")
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_in_event_zone(self.instance.time_zone or settings.TIME_ZONE)

    def event_zone_name(self):
        return _valid_zone(self.cleaned_data.get("time_zone")) or settings.TIME_ZONE

    def clean(self):
        cleaned = self.to_event_zone(super().clean())
        if self.instance.pk and self.actor is not None:
            # The rules are the service's (update_event); asked here so that a refused change is
            # a message on the form and nothing is saved, inlines included.
            changes = {name: value for name, value in cleaned.items() if name in _EVENT_COLUMNS}
            try:
                services.check_event_changes(event=self.instance, actor=self.actor, changes=changes)
            except services.RegistrationError as error:
                raise forms.ValidationError(str(error)) from error
        return cleaned


class SessionForm(EventPartZoneFormMixin, forms.ModelForm):
    zone_fields = ("start", "end")

    class Meta:
        model = Session
        fields = (
            "title_en",
            "title_es",
            "start",
            "end",
            "description_en",
            "description_es",
            "speakers",
            "recording_url",
        )
        widgets = {
            "speakers": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 2}),
            "start": EventZoneSplitDateTime,
            "end": EventZoneSplitDateTime,
        }


class SessionFormSet(forms.BaseInlineFormSet):
    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        # The zone being saved with the event (it may change in the same form), else its current one.
        kwargs["event_zone"] = _valid_zone(self.data.get("time_zone")) or self.instance.time_zone
        return kwargs

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            **self.get_form_kwargs(None),
        )
        self.add_fields(form, None)
        return form


# English and Spanish side by side in every inline (plain modeltranslation inlines: the tabbed
# ones load jQuery from a CDN, which the site's Content-Security-Policy refuses).


class PartnerInline(TranslationTabularInline):
    model = EventPartner
    extra = 0
    fields = ("name", "url", "position")


class SeatQuotaForm(EventPartZoneFormMixin, forms.ModelForm):
    """A quota's release time is typed in the event's zone, like the event's own times."""

    zone_fields = ("release_at",)

    class Meta:
        model = SeatQuota
        fields = ("category", "sector", "country", "mode", "share", "release", "release_at")
        widgets = {"release_at": EventZoneSplitDateTime}


class SeatQuotaFormSet(SessionFormSet):
    def clean(self):
        """The shares as they would be saved go through the service's check: over 100% is a
        message on the form, and nothing is saved (the event and every inline included)."""
        super().clean()
        if any(self.errors):
            return
        kept = [form.instance for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        try:
            # ``instance`` is the event as it is being saved (its format included).
            services.check_quota_shares(event=self.instance, quotas=kept)
        except services.QuotaRefused as error:
            raise forms.ValidationError(str(error)) from error


class SeatQuotaInline(admin.StackedInline):
    """Shares of the seats reserved for categories of participants (docs/events.md, "Quotas")."""

    # Stacked, not tabular: a tabular row's fields have no <label>.
    model = SeatQuota
    form = SeatQuotaForm
    formset = SeatQuotaFormSet
    extra = 0
    verbose_name_plural = _("seat quotas (shares of the seats reserved for categories of participants)")


class SpeakerForm(TranslatedFieldErrorsMixin, forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # As for the cover image: the admin gives this file input no <label> of its own.
        if "photo" in self.fields:
            self.fields["photo"].widget.attrs["aria-label"] = gettext("Photo")

    def clean_photo(self):
        return uploads.validate_image(self.cleaned_data.get("photo"), max_bytes=settings.IMAGE_UPLOAD_MAX_BYTES)


class SpeakerInline(TranslationStackedInline):
    model = Speaker
    form = SpeakerForm
    extra = 0
    fields = (("name", "role"), "organisation", "bio", ("photo", "photo_alt"), "position")


class SessionInline(TranslationStackedInline):
    """The agenda. Speakers are chosen among the event's own (save new speakers first)."""

    model = Session
    form = SessionForm
    formset = SessionFormSet
    extra = 0
    fields = ("title", ("start", "end"), "description", "speakers", "recording_url")

    def get_formset(self, request, obj=None, **kwargs):
        self._event = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "speakers":
            event = getattr(self, "_event", None)
            kwargs["queryset"] = Speaker.objects.filter(event=event) if event else Speaker.objects.none()
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ReminderRuleInline(TranslationStackedInline):
    """The event's reminders: any number, each at its own time with its own opening text.
    The last one (closest to the start) carries the personal access link."""

    # Stacked, not tabular: every event has a rule, and a tabular row's fields have no <label>.
    model = ReminderRule
    extra = 0
    fields = ("hours_before", "lead")
    verbose_name_plural = _("reminders to confirmed participants (the last one carries the access link)")


class FollowUpInline(TranslationStackedInline):
    """The emails after the event (to those who attended, to those who did not) and when they go."""

    model = FollowUp
    extra = 0
    max_num = 1
    fields = ("hours_after", "attended_text", "absent_text")


class SurveyQuestionInline(TranslationStackedInline):
    """The short survey linked from the follow-up emails."""

    model = SurveyQuestion
    extra = 0
    fields = ("text", "kind", "is_required", "position")


class DocumentInline(TranslationTabularInline):
    model = EventDocument
    extra = 0
    fields = ("title", "kind", "file", "url", "position")


@admin.register(Event)
class EventAdmin(PublishableAdmin, TranslationAdmin):
    """The workflow admin first (its change form and read-only rules), then the side-by-side
    translated fields (the same order as portal.admin.NewsAdmin)."""

    form = EventAdminForm
    list_display = ("title", "kind", "format", "start_in_zone", "state", "registrations")
    list_filter = (QueueFilter, "status", "state", "kind", "format", "country", "organising_bodies", "start")
    search_fields = (*translated_fields(Event, ("title", "summary", "city", "venue")), "slug")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "start"
    inlines = [
        PartnerInline, SpeakerInline, SessionInline, ReminderRuleInline, SeatQuotaInline, DocumentInline,
        FollowUpInline, SurveyQuestionInline,
    ]  # fmt: skip
    actions = ["postpone_events", "cancel_events"]
    readonly_fields = ("state", "registration_summary", "quota_summary")
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "format", "summary", "description")}),
        (_("When"), {"fields": ("time_zone", "start", "end")}),
        (_("Where"), {"fields": ("venue", "city", "country", "online_url")}),
        (_("Organisers"), {"fields": ("organising_bodies",)}),
        (_("Cover image"), {"fields": ("cover_image", "cover_alt", "cover_focus", "cover_is_illustration")}),
        (
            _("Registration"),
            {
                "fields": (
                    "registration_enabled",
                    ("registration_opens_at", "registration_closes_at"),
                    ("capacity", "online_capacity", "has_waiting_list"),
                    "join_opens_minutes_before",
                    "registration_summary",
                    "quota_summary",
                )
            },
        ),
        (_("Takes place"), {"fields": ("state", "state_note")}),
        (_("Workflow"), {"fields": ("status", "published_at", "author", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author").with_registration_counts()

    @admin.display(description=_("start"), ordering="start")
    def start_in_zone(self, obj):
        return f"{obj.local_start:%Y-%m-%d %H:%M} ({obj.time_zone})"

    @admin.display(description=_("registrations"))
    def registrations(self, obj):
        if not obj.registration_enabled and not obj.confirmed_count and not obj.pending_count:
            return "—"
        url = reverse("admin:events_registration_changelist") + f"?event__id__exact={obj.pk}"
        text = gettext("%(confirmed)s confirmed · %(waitlisted)s waiting · %(pending)s pending") % {
            "confirmed": obj.confirmed_count + obj.attended_count,
            "waitlisted": obj.waitlisted_count,
            "pending": obj.pending_count,
        }
        return format_html('<a href="{}">{}</a>', url, text)

    @admin.display(description=_("registrations"))
    def registration_summary(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        counts = getattr(obj, "confirmed_count", None)
        if counts is None:
            obj = Event.objects.with_registration_counts().get(pk=obj.pk)
        rows = [
            (Registration.Status.PENDING.label, obj.pending_count),
            (Registration.Status.CONFIRMED.label, obj.confirmed_count),
            (Registration.Status.WAITLISTED.label, obj.waitlisted_count),
            (Registration.Status.CANCELLED.label, obj.cancelled_count),
            (Registration.Status.ATTENDED.label, obj.attended_count),
        ]
        url = reverse("admin:events_registration_changelist") + f"?event__id__exact={obj.pk}"
        seats = obj.capacity if obj.capacity is not None else gettext("unlimited")
        if obj.is_hybrid:  # the room and online apart: their own seats and waiting lists
            by_mode = dict(
                Registration.objects.filter(event_id=obj.pk, status__in=Registration.SEATED)
                .values_list("mode")
                .annotate(count=Count("pk"))
                .values_list("mode", "count")
            )
            online = obj.online_capacity if obj.online_capacity is not None else gettext("unlimited")
            seats = gettext("%(room_taken)s of %(room)s in the room, %(online_taken)s of %(online)s online") % {
                "room_taken": by_mode.get("in_person", 0), "room": seats,
                "online_taken": by_mode.get("online", 0), "online": online,
            }  # fmt: skip
        return format_html(
            '<ul class="registration-counts">{}</ul><p>{} {} · <a href="{}">{}</a> · <a href="{}">{}</a></p>',
            format_html_join("", "<li>{}: <strong>{}</strong></li>", rows),
            gettext("Seats:"),
            seats,
            url,
            gettext("See the registrations"),
            reverse("admin:events_event_survey_results", args=[obj.pk]),
            gettext("Survey results"),
        )

    @admin.display(description=_("quota use"))
    def quota_summary(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        uses = services.quota_use(event=obj)
        if not uses:
            return gettext("No quotas.")
        unlimited = gettext("no seat limit")
        rows = [
            (
                use.quota.label,
                Registration.Attendance(mode).label if mode else "",
                unlimited if use.reserved is None else use.reserved,
                use.taken,
                unlimited if use.free is None else use.free,
                gettext("open") if use.is_open else gettext("released to everyone"),
            )
            for mode, use in uses
        ]
        return format_html(
            '<table class="quota-use"><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr>'
            "</thead><tbody>{}</tbody></table>",
            gettext("Seats reserved per quota"),
            gettext("Quota"),
            gettext("Seats of"),
            gettext("Reserved"),
            gettext("Taken"),
            gettext("Free"),
            gettext("Reserved seats"),
            format_html_join(
                "", '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>', rows
            ),
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/survey-results/",
                self.admin_site.admin_view(self.survey_results_view),
                name="events_event_survey_results",
            ),
            *super().get_urls(),
        ]

    def survey_results_view(self, request, object_id):
        """The survey's results per country and sector (``?format=xlsx``: the same as a spreadsheet)."""
        if not request.user.has_perm("events.view_surveyresponse"):
            raise PermissionDenied
        event = get_object_or_404(Event, pk=object_id)
        if request.GET.get("format") == "xlsx":
            response = HttpResponse(
                results_xlsx(event), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            response["Content-Disposition"] = f'attachment; filename="survey-{event.slug}.xlsx"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Survey results: %(event)s") % {"event": event},
            "event": event,
            "opts": self.model._meta,
            "results": survey_results(event),
        }
        return TemplateResponse(request, "events/admin/survey_results.html", context)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user  # a class made for this request: its check asks on the person's behalf
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            services.add_default_reminder(event=form.instance)
        # The rules' tasks follow the rules as saved (a new, moved or removed reminder).
        services.follow_reminder_rules(event=form.instance)
        # The shares checked again under the event's lock; seats a change freed go to the waiting list.
        try:
            promoted = services.quotas_changed(event=form.instance)
        except services.QuotaRefused as error:  # another organiser saved quotas meanwhile
            transaction.set_rollback(True)
            self.message_user(request, str(error), messages.ERROR)
            return
        if promoted:
            self.message_user(
                request,
                ngettext(
                    "%(count)d person moved from the waiting list to a seat.",
                    "%(count)d people moved from the waiting list to a seat.",
                    len(promoted),
                )
                % {"count": len(promoted)},
                messages.INFO,
            )

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # The form has put the new values on ``obj``; the service saves them with their rules.
        changes = {name: getattr(obj, name) for name in form.changed_data if name in _EVENT_COLUMNS}
        try:
            update = services.update_event(event=obj, actor=request.user, changes=changes)
        except services.RegistrationError as error:  # the event changed since the form checked
            transaction.set_rollback(True)
            self.message_user(request, str(error), messages.ERROR)
            return
        obj.refresh_from_db()
        if update.rescheduled:
            self.message_user(
                request,
                gettext("The new time is saved; registered participants are told and their reminders follow it."),
                messages.INFO,
            )
        if update.promoted:
            self.message_user(
                request,
                ngettext(
                    "%(count)d person moved from the waiting list to a seat.",
                    "%(count)d people moved from the waiting list to a seat.",
                    len(update.promoted),
                )
                % {"count": len(update.promoted)},
                messages.INFO,
            )

    def _state_action(self, request, queryset, state, done):
        for event in queryset:
            try:
                services.update_event(event=event, actor=request.user, changes={"state": state})
            except services.EventChangeNotAllowed as error:
                self.message_user(request, str(error), messages.ERROR)
                return
            except services.RegistrationError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, done % {"event": event}, messages.SUCCESS)

    @admin.action(description=_("Postpone the selected events (participants are told)"))
    def postpone_events(self, request, queryset):
        self._state_action(request, queryset, Event.State.POSTPONED, gettext("“%(event)s” is postponed."))

    @admin.action(description=_("Cancel the selected events (participants are told)"))
    def cancel_events(self, request, queryset):
        self._state_action(request, queryset, Event.State.CANCELLED, gettext("“%(event)s” is cancelled."))


# --- Registrations ------------------------------------------------------------------------


class RegistrationResource(resources.ModelResource):
    """Export without personal data: who registered is left out."""

    event = fields.Field(attribute="event__title", column_name="event")
    event_start = fields.Field(attribute="event__start", column_name="event start")
    # The quota whose reserved seat the registration holds (empty: an unreserved seat).
    quota = fields.Field(column_name="quota")

    class Meta:
        model = Registration
        fields = (
            "id", "event", "event_start", "status", "created_at", "confirmed_at", "waitlisted_at",
            "cancelled_at", "attended_at", "attendance", "mode", "quota",
        )  # fmt: skip
        export_order = fields

    def dehydrate_status(self, registration):
        return registration.get_status_display()

    def dehydrate_quota(self, registration):
        return registration.quota.label if registration.quota_id else ""


class PersonalRegistrationResource(RegistrationResource):
    """Export with who registered: only for staff with the personal-data permission."""

    full_name = fields.Field(attribute="participant__full_name", column_name="full name")
    email = fields.Field(attribute="participant__email", column_name="email")
    organisation = fields.Field(column_name="organisation")
    position = fields.Field(column_name="position")
    sector = fields.Field(column_name="sector")
    country = fields.Field(column_name="country")

    class Meta(RegistrationResource.Meta):
        fields = (
            *RegistrationResource.Meta.fields,
            "full_name",
            "email",
            "organisation",
            "position",
            "sector",
            "country",
        )
        export_order = fields

    def _profile(self, registration):
        return getattr(registration.participant, "profile", None)

    def dehydrate_organisation(self, registration):
        profile = self._profile(registration)
        return profile.organisation if profile else ""

    def dehydrate_position(self, registration):
        profile = self._profile(registration)
        return profile.position if profile else ""

    def dehydrate_sector(self, registration):
        profile = self._profile(registration)
        return profile.get_sector_display() if profile else ""

    def dehydrate_country(self, registration):
        profile = self._profile(registration)
        return profile.country.name if profile else ""


@admin.register(Registration)
class RegistrationAdmin(ExportMixin, admin.ModelAdmin):
    """Organisers' view of registrations. Statuses change only through events.services
    (check-in here; everything else is the participant's own move)."""

    change_list_template = "events/admin/registration_change_list.html"
    formats = [CSV, XLSX]
    list_display = (
        "__str__", "participant_shown", "status", "mode", "created_at", "confirmed_at", "attended_at", "attendance",
    )  # fmt: skip
    list_filter = (
        "status",
        "mode",
        "attendance",
        ("quota", admin.RelatedOnlyFieldListFilter),
        "promoted_from_waiting_list",
        ("event", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("event", "participant")
    date_hierarchy = "created_at"
    actions = ["check_in"]
    base_fields = (
        "event", "status", "created_at", "confirm_requested_at", "confirmed_at", "waitlisted_at", "cancelled_at",
        "attended_at",
        "attendance", "mode", "quota", "promoted_from_waiting_list", "reminders_sent_list",
    )  # fmt: skip
    personal_fields = ("participant_name", "participant_email", "participant_profile")

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("event", "participant")
        if sees_personal_data(request):
            queryset = queryset.select_related("participant__profile")
        return queryset

    def get_fields(self, request, obj=None):
        return (*self.base_fields, *(self.personal_fields if sees_personal_data(request) else ()))

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("reminders sent"))
    def reminders_sent_list(self, obj):
        sent = obj.reminders_sent.select_related("rule").order_by("sent_at")
        return format_html_join(
            ", ", "{} ({})", ((str(row.rule), f"{row.sent_at:%Y-%m-%d %H:%M} UTC") for row in sent)
        ) or gettext("None yet")

    def get_search_fields(self, request):
        if sees_personal_data(request):
            return (
                "participant__email",
                "participant__full_name",
                "participant__profile__organisation",
                "event__title_en",
                "event__title_es",
            )
        return ("event__title_en", "event__title_es")

    def has_add_permission(self, request):
        return False  # participants register themselves

    def has_delete_permission(self, request, obj=None):
        return False  # kept for the counts; cancelling is the participant's move

    def get_export_resource_classes(self, request):
        return [PersonalRegistrationResource if sees_personal_data(request) else RegistrationResource]

    def get_export_queryset(self, request):
        queryset = super().get_export_queryset(request).select_related("quota")
        if sees_personal_data(request):
            queryset = queryset.select_related("participant__profile")
        return queryset

    def get_list_display(self, request):
        who = "participant_shown" if sees_personal_data(request) else "participant_number"
        return ("__str__", who, *self.list_display[2:])

    @admin.display(description=_("participant"))
    def participant_shown(self, obj):
        return f"{obj.participant.full_name or '—'} <{obj.participant.email}>"

    @admin.display(description=_("participant"))
    def participant_number(self, obj):
        return gettext("Participant #%(id)s") % {"id": obj.participant_id}

    @admin.display(description=_("name"))
    def participant_name(self, obj):
        return obj.participant.full_name

    @admin.display(description=_("email"))
    def participant_email(self, obj):
        return obj.participant.email

    @admin.display(description=_("profile"))
    def participant_profile(self, obj):
        profile = getattr(obj.participant, "profile", None)
        if profile is None:
            return "—"
        parts = [profile.organisation, profile.position, profile.get_sector_display(), profile.country.name]
        return " · ".join(part for part in parts if part)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            counts = dict(
                context["cl"]
                .queryset.order_by()
                .values_list("status")
                .annotate(count=Count("pk"))
                .values_list("status", "count")
            )
            context["status_counts"] = [(label, counts.get(value, 0)) for value, label in Registration.Status.choices]
        return response

    def has_check_in_permission(self, request):
        return services.can_check_in(request.user)

    @admin.action(description=_("Check in: attended in person"), permissions=["check_in"])
    def check_in(self, request, queryset):
        done = 0
        for registration in queryset.select_related("event"):
            try:
                services.check_in(registration=registration, actor=request.user)
            except services.RegistrationError as error:
                self.message_user(request, f"#{registration.pk}: {error}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d participant checked in.", "%(count)d participants checked in.", done)
                % {"count": done},
                messages.SUCCESS,
            )


class CertificateRevokeForm(forms.ModelForm):
    class Meta:
        model = Certificate
        fields = ("revoked_reason",)


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Certificates issued (the facts as issued, read-only). To revoke one, give the reason and
    save: ``services.revoke_certificate`` records who and when; the verification page says so."""

    form = CertificateRevokeForm
    list_display = ("code_shown", "holder_name", "event_title", "attendance", "issued_at", "revoked_at")
    list_filter = ("attendance", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("code", "holder_name", "event_title")
    date_hierarchy = "issued_at"
    list_select_related = ("registration",)
    fields = (
        "code", "holder_name", "event_title", "event_start", "event_end", "time_zone", "hours", "organiser",
        "attendance", "language", "issued_at", "revoked_at", "revoked_by", "revoked_reason",
    )  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        editable = (
            () if obj is None or obj.is_revoked or not self.has_revoke_permission(request) else ("revoked_reason",)
        )
        return tuple(name for name in self.fields if name not in editable)

    def has_add_permission(self, request):
        return False  # issued to the participant, never made by hand

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, not deleted: the verification page must say "revoked"

    def has_change_permission(self, request, obj=None):
        return self.has_revoke_permission(request)

    def has_revoke_permission(self, request):
        return request.user.has_perm("events.revoke_certificate")

    def save_model(self, request, obj, form, change):
        if "revoked_reason" not in form.changed_data:
            return
        try:
            services.revoke_certificate(
                certificate=Certificate.objects.get(pk=obj.pk), actor=request.user, reason=obj.revoked_reason
            )
        except services.CertificateRefused as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, gettext("The certificate is revoked."), messages.SUCCESS)
