"""Events (seminars, webinars, workshops, meetings…) and participants' registrations.

An Event is under the shared editorial workflow (portal.models.Publishable). Its own
``state`` (as scheduled, postponed, cancelled) is a separate thing: it says whether the
event takes place, and changes only through events.services.

Registrations move through an explicit state machine (events.services.registration.MOVES):

    pending ──confirm──▶ confirmed ──join / check in──▶ attended
       │         └─(full)─▶ waitlisted ──promote──▶ confirmed
       └──────────────┴───────────┴──cancel──▶ cancelled ──register again──▶ pending
"""

import secrets
import zoneinfo
from datetime import timedelta

import reversion
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events.querysets import EventQuerySet, RegistrationQuerySet
from events.validators import validate_document
from portal.images import make_variants
from portal.models import Body, Country, CoverImage, Publishable, validate_time_zone
from portal.richtext import RichTextField
from portal.search import refresh_search_document

__all__ = ["Event", "EventDocument", "EventPartner", "Registration", "Session", "Speaker"]


def new_registration_key() -> str:
    return secrets.token_urlsafe(16)


# The reminder task's bookkeeping is not content: restoring a revision must not bring back an
# older one (the task it stood for may have run).
@reversion.register(
    follow=["partners", "speakers", "sessions", "documents"], exclude=["reminders_enqueued_for", "schedule_changed_at"]
)
class Event(Publishable, CoverImage):
    COVER_UPLOAD_TO = "events/%Y/"

    class Kind(models.TextChoices):
        SEMINAR = "seminar", _("Seminar")
        WEBINAR = "webinar", _("Webinar")
        WORKSHOP = "workshop", _("Workshop")
        MEETING = "meeting", _("Meeting")
        FORUM = "forum", _("Forum")
        BUSINESS_ROUNDTABLE = "business_roundtable", _("Business roundtable")
        FAIR = "fair", _("Fair")
        SUMMIT = "summit", _("Summit")
        COLLOQUIUM = "colloquium", _("Colloquium")
        LAUNCH = "launch", _("Launch")

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIRTUAL = "virtual", _("Virtual")
        HYBRID = "hybrid", _("Hybrid")

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("As scheduled")
        POSTPONED = "postponed", _("Postponed")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=250)
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        help_text=_("The address of the event page. It cannot change once the event has been published."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.SEMINAR)
    format = models.CharField(_("format"), max_length=20, choices=Format.choices, default=Format.VIRTUAL)
    state = models.CharField(
        _("takes place"),
        max_length=20,
        choices=State.choices,
        default=State.SCHEDULED,
        editable=False,
        help_text=_("Changed with the “Postpone” and “Cancel the event” actions, which tell the participants."),
    )
    state_note = models.CharField(
        _("note on postponement or cancellation"),
        max_length=300,
        blank=True,
        help_text=_("Shown on the event page, e.g. “New date to be announced”."),
    )
    summary = models.TextField(_("summary"), max_length=600, help_text=_("One or two sentences shown in lists."))
    description = RichTextField(_("description"), blank=True)

    # When: stored in UTC, entered and shown in the event's own zone.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.TIME_ZONE,
        validators=[validate_time_zone],
        help_text=_("The IANA time zone of the event, e.g. America/Mexico_City. Start and end are in this zone."),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))

    # Where.
    venue = models.CharField(_("venue"), max_length=250, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    online_url = models.URLField(
        _("online access address"),
        max_length=500,
        blank=True,
        help_text=_(
            "Never shown publicly. Confirmed participants reach it through their personal link, "
            "from shortly before the start until the end."
        ),
    )

    organising_bodies = models.ManyToManyField(
        Body, verbose_name=_("organising bodies"), blank=True, related_name="events"
    )

    # Registration.
    registration_enabled = models.BooleanField(
        _("participants register on the portal"),
        default=False,
        help_text=_("Off for events that are only announced or reported on."),
    )
    registration_opens_at = models.DateTimeField(
        _("registration opens"), null=True, blank=True, help_text=_("Empty: as soon as the event is published.")
    )
    registration_closes_at = models.DateTimeField(
        _("registration closes"), null=True, blank=True, help_text=_("Empty: when the event starts.")
    )
    capacity = models.PositiveIntegerField(
        _("seats"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: unlimited."),
    )
    has_waiting_list = models.BooleanField(
        _("waiting list"), default=True, help_text=_("When the event is full, later confirmations join a waiting list.")
    )
    reminder_hours_before = models.PositiveSmallIntegerField(
        _("reminder, hours before the start"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text=_("Confirmed participants get their personal access link this long before the start."),
    )
    join_opens_minutes_before = models.PositiveIntegerField(
        _("access opens, minutes before the start"),
        default=30,
        validators=[MaxValueValidator(60 * 24 * 7)],
        help_text=_("From then until the end, the personal link leads to the online access address."),
    )
    is_demo = models.BooleanField(_("demo event"), default=False, editable=False)
    # The reminder time for which the event's reminder task (events.tasks.send_event_reminders)
    # is enqueued: the first confirmation enqueues it, the others see it is there.
    reminders_enqueued_for = models.DateTimeField(null=True, blank=True, editable=False)
    # When participants were last owed a "new date"/"postponed" email (events.emails tells those
    # who registered before it; the workers' sweep finds it if its task was lost).
    schedule_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    search_document = SearchVectorField(null=True, editable=False)
    SEARCH_FIELDS = (("title", "A"), ("summary", "B"), ("description", "C"))

    objects = EventQuerySet.as_manager()

    class Meta(Publishable.Meta):
        verbose_name = _("event")
        verbose_name_plural = _("events")
        permissions = [("publish_event", _("Can publish, schedule, unpublish and archive events"))]
        indexes = [
            *Publishable.Meta.indexes,
            models.Index(fields=["status", "start"], name="events_event_status_start_idx"),
            models.Index(fields=["status", "end"], name="events_event_status_end_idx"),
            models.Index(fields=["kind", "start"], name="events_event_kind_start_idx"),
            models.Index(fields=["format", "start"], name="events_event_format_start_idx"),
            models.Index(fields=["country", "start"], name="events_event_country_start_idx"),
        ]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="events_event_ends_after_start"),
            *CoverImage.Meta.constraints,
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="events_event_registration_closes_after_opening",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        refresh_search_document(self)

    def get_absolute_url(self):
        return reverse("events:event_detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        errors = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = _("The event must end after it starts.")
        if self.format in {self.Format.IN_PERSON, self.Format.HYBRID} and not (self.city and self.country_id):
            errors["city"] = _("Say where an in-person or hybrid event takes place: city and country.")
        if self.format == self.Format.IN_PERSON and self.online_url:
            errors["online_url"] = _("An in-person event has no online access address; choose “Hybrid”.")
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and self.registration_closes_at <= self.registration_opens_at
        ):
            errors["registration_closes_at"] = _("Registration must close after it opens.")
        if errors:
            raise ValidationError(errors)

    # -- Time -------------------------------------------------------------------------------

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def local_start(self):
        return timezone.localtime(self.start, self.zone)

    @property
    def local_end(self):
        return timezone.localtime(self.end, self.zone)

    @property
    def is_multi_day(self) -> bool:
        return self.local_start.date() != self.local_end.date()

    @property
    def is_past(self) -> bool:
        return self.end <= timezone.now()

    @property
    def has_started(self) -> bool:
        return self.start <= timezone.now()

    @property
    def reminder_at(self):
        return self.start - timedelta(hours=self.reminder_hours_before)

    @property
    def join_opens_at(self):
        return self.start - timedelta(minutes=self.join_opens_minutes_before)

    @property
    def join_window(self) -> str:
        """Whether a personal access link leads in now: "not_yet", "open" (from join_opens_at to
        the end) or "over". What the pages and emails say about the link follows it."""
        now = timezone.now()
        if now < self.join_opens_at:
            return "not_yet"
        return "open" if now < self.end else "over"

    @property
    def is_reminder_due(self) -> bool:
        """The reminder time has come (a reminder then goes at once, or has gone)."""
        return self.reminder_at <= timezone.now()

    # -- State ------------------------------------------------------------------------------

    @property
    def is_cancelled(self) -> bool:
        return self.state == self.State.CANCELLED

    @property
    def is_postponed(self) -> bool:
        return self.state == self.State.POSTPONED

    @property
    def is_online(self) -> bool:
        return self.format in {self.Format.VIRTUAL, self.Format.HYBRID}

    @property
    def is_in_person(self) -> bool:
        return self.format in {self.Format.IN_PERSON, self.Format.HYBRID}

    @property
    def registration_closes(self):
        return self.registration_closes_at or self.start

    def registration_closed_reason(self, *, now=None) -> str | None:
        """Why nobody can register for the event now, or None when registration is open."""
        now = now or timezone.now()
        if not self.is_live:
            return gettext("This event is not published.")
        if not self.registration_enabled:
            return gettext("This event takes no registrations on the portal.")
        if self.is_cancelled:
            return gettext("This event has been cancelled.")
        if self.is_postponed:
            return gettext("This event has been postponed; registration reopens when a new date is set.")
        if self.start <= now:
            return gettext("This event has already started or taken place.")
        if self.registration_opens_at and now < self.registration_opens_at:
            return gettext("Registration opens on %(when)s.") % {
                "when": timezone.localtime(self.registration_opens_at, self.zone).strftime("%Y-%m-%d %H:%M %Z")
            }
        if now >= self.registration_closes:
            return gettext("Registration has closed.")
        return None

    @property
    def is_registration_open(self) -> bool:
        """Open to new registrations now (the rule: ``registration_closed_reason``)."""
        return self.registration_closed_reason() is None

    def are_reminders_due(self, *, now=None) -> bool:
        """The event's reminders go now: it is live and as scheduled, its reminder time has come, it has not ended."""
        now = now or timezone.now()
        return self.is_live and self.state == self.State.SCHEDULED and self.reminder_at <= now < self.end

    @property
    def seats_left(self) -> int | None:
        """Needs ``seats_taken`` (annotated by EventQuerySet.with_seats_taken())."""
        if self.capacity is None:
            return None
        return max(self.capacity - getattr(self, "seats_taken", 0), 0)

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.venue, self.city, self.country.name if self.country else "") if part)


@reversion.register()
class EventPartner(models.Model):
    """An organisation that co-organises or supports the event (OECD, ILO, Fundación Chile…)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("website"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name


@reversion.register()
class Speaker(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="speakers")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True, help_text=_("e.g. Keynote speaker, Moderator."))
    organisation = models.CharField(_("organisation"), max_length=250, blank=True)
    bio = models.TextField(_("short bio"), max_length=1200, blank=True)
    photo = models.ImageField(_("photo"), upload_to="events/speakers/%Y/", blank=True)
    photo_alt = models.CharField(_("photo text alternative"), max_length=250, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    #: Responsive variants of the photo (portal.images): square, centred.
    IMAGE_VARIANTS = {"photo": ("photo", None)}

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(photo="") | ~Q(photo_alt=""), name="events_speaker_photo_has_alt"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        make_variants(self.photo, use="photo")  # once, at upload (portal.images)

    def clean(self):
        super().clean()
        if self.photo and not self.photo_alt.strip():
            raise ValidationError({"photo_alt": _("Describe the photo: a text alternative is required.")})


@reversion.register()
class Session(models.Model):
    """One item of the agenda; multi-day events have sessions on several days."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=250)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    description = models.TextField(_("description"), blank=True)
    speakers = models.ManyToManyField(Speaker, verbose_name=_("speakers"), blank=True, related_name="sessions")
    recording_url = models.URLField(
        _("recording"), max_length=500, blank=True, help_text=_("Added after the session, e.g. a video link.")
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("agenda")
        ordering = ["start", "pk"]
        indexes = [models.Index(fields=["event", "start"], name="events_session_event_start_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="events_session_ends_after_start"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("The session must end after it starts.")})

    @property
    def local_start(self):
        return timezone.localtime(self.start, self.event.zone)

    @property
    def local_end(self):
        return timezone.localtime(self.end, self.event.zone)


@reversion.register()
class EventDocument(models.Model):
    """An agenda, a presentation, an exit document… uploaded now; publications will be linked later."""

    class Kind(models.TextChoices):
        AGENDA = "agenda", _("Agenda")
        PRESENTATION = "presentation", _("Presentation")
        OUTCOME = "outcome", _("Outcome document")
        REPORT = "report", _("Report")
        OTHER = "other", _("Other")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=250)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("file"), upload_to="events/documents/%Y/", blank=True, validators=[validate_document])
    url = models.URLField(
        _("or a link"), max_length=500, blank=True, help_text=_("Where the document is published, if not uploaded.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(file="") | ~Q(url=""), name="events_document_has_file_or_link"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if not self.file and not self.url:
            raise ValidationError(_("Upload a file or give a link."))

    @property
    def href(self) -> str:
        return self.file.url if self.file else self.url


class Registration(models.Model):
    """One participant's registration for one event (a database constraint keeps it to one).

    Personal data: the admin shows who registered only to staff with the
    ``view_registration_personal_data`` permission.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")

    class Attendance(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")

    #: Statuses that hold a seat.
    SEATED = (Status.CONFIRMED, Status.ATTENDED)
    #: Statuses of a registration that still counts (not cancelled).
    ACTIVE = (Status.PENDING, Status.CONFIRMED, Status.WAITLISTED, Status.ATTENDED)

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="registrations")
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="registrations"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    # Part of every personal link (confirm, cancel, join); a new key revokes the old links.
    key = models.CharField(max_length=32, default=new_registration_key, editable=False)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("waiting since"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    attended_at = models.DateTimeField(_("attended at"), null=True, blank=True)
    attendance = models.CharField(_("attended"), max_length=20, choices=Attendance.choices, blank=True)
    promoted_from_waiting_list = models.BooleanField(_("promoted from the waiting list"), default=False)
    # Idempotent emails: each is sent once, the stamp checked under a row lock.
    status_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True, editable=False)
    # "<state>:<start>" of the last change of date or postponement the participant was told of.
    schedule_notified_as = models.CharField(max_length=64, blank=True, editable=False)
    event_cancelled_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("view_registration_personal_data", _("Can see who registered (participants' personal data)")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "participant"], name="events_registration_one_per_participant"),
        ]
        indexes = [
            models.Index(fields=["event", "status"], name="events_reg_event_status_idx"),
            models.Index(fields=["event", "status", "waitlisted_at"], name="events_reg_waitlist_idx"),
            models.Index(fields=["participant", "-created_at"], name="events_reg_participant_idx"),
            models.Index(fields=["status", "reminder_sent_at"], name="events_reg_reminder_idx"),
            models.Index(fields=["status_changed_at"], name="events_reg_changed_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} · {self.event}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def holds_seat(self) -> bool:
        return self.status in self.SEATED

    @property
    def waiting_list_position(self) -> int | None:
        if self.status != self.Status.WAITLISTED:
            return None
        if hasattr(self, "waiting_position"):  # RegistrationQuerySet.with_waiting_list_position()
            return self.waiting_position
        earlier = Registration.objects.filter(event_id=self.event_id, status=self.Status.WAITLISTED).filter(
            Q(waitlisted_at__lt=self.waitlisted_at) | Q(waitlisted_at=self.waitlisted_at, pk__lt=self.pk)
        )
        return earlier.count() + 1
