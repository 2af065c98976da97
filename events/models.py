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
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.models import Profile
from events.querysets import EventQuerySet, RegistrationQuerySet
from events.validators import validate_document
from portal.images import make_variants
from portal.models import Body, Country, CoverImage, Publishable, validate_time_zone
from portal.richtext import RichTextField
from portal.search import refresh_search_document

__all__ = [
    "Event",
    "EventDocument",
    "EventPartner",
    "Registration",
    "ReminderRule",
    "ReminderSent",
    "Session",
    "Speaker",
]


def new_registration_key() -> str:
    return secrets.token_urlsafe(16)


#: The door code's letters: no 0/O, 1/I/L, easy to read aloud and to type on a phone.
DOOR_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_door_code() -> str:
    """Eight letters and digits, shown as ``ABCD-EFGH``: what staff type at the door when the
    QR code cannot be scanned. Renewed with the registration's key (cancelling revokes it)."""
    return "".join(secrets.choice(DOOR_CODE_ALPHABET) for _ in range(8))


def normalise_door_code(typed: str) -> str:
    """What staff typed, as stored: capitals, without spaces or dashes."""
    return "".join(typed.split()).replace("-", "").upper()


# The reminder task's bookkeeping is not content: restoring a revision must not bring back an
# older one (the task it stood for may have run).
@reversion.register(
    follow=["partners", "speakers", "sessions", "documents", "reminder_rules"], exclude=["schedule_changed_at"]
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
    online_capacity = models.PositiveIntegerField(
        _("online seats (hybrid events)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "For a hybrid event, “seats” are the seats in the room and these the online ones. Empty: unlimited."
        ),
    )
    has_waiting_list = models.BooleanField(
        _("waiting list"), default=True, help_text=_("When the event is full, later confirmations join a waiting list.")
    )
    join_opens_minutes_before = models.PositiveIntegerField(
        _("access opens, minutes before the start"),
        default=30,
        validators=[MaxValueValidator(60 * 24 * 7)],
        help_text=_("From then until the end, the personal link leads to the online access address."),
    )
    is_demo = models.BooleanField(_("demo event"), default=False, editable=False)
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
        if self.online_capacity is not None and self.format != self.Format.HYBRID:
            errors["online_capacity"] = _("Only a hybrid event has online seats of their own.")
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
    def join_link_reminder_at(self):
        """When the reminder with the personal access link goes (the last reminder; None without
        reminders). What the pages and emails promise about the link follows it."""
        hours = self.join_link_reminder_hours
        return None if hours is None else self.start - timedelta(hours=hours)

    @property
    def is_reminder_due(self) -> bool:
        """The time of the reminder with the personal access link has come (it goes at once, or has gone)."""
        at = self.join_link_reminder_at
        return at is not None and at <= timezone.now()

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
    def is_hybrid(self) -> bool:
        return self.format == self.Format.HYBRID

    def seats_for(self, mode: str) -> int | None:
        """The seats of ``mode`` (a hybrid event's room or online seats; any other event's only
        ones, whatever ``mode``); None: unlimited."""
        if self.is_hybrid and mode == Registration.Attendance.ONLINE:
            return self.online_capacity
        return self.capacity

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

    def due_reminder_rule(self, *, now=None) -> "ReminderRule | None":
        """The reminder that goes now, or None: the event is live and as scheduled and has not
        ended, and of its rules whose time has come, the latest (the one closest to the start).

        An earlier rule whose time has come too is superseded by it: a participant confirmed
        an hour before the start gets one reminder, not three. Reads ``reminder_rules``
        (prefetch it for many events).
        """
        now = now or timezone.now()
        if not (self.is_live and self.state == self.State.SCHEDULED and now < self.end):
            return None
        come = [rule for rule in self.reminder_rules.all() if rule.at(self) <= now]
        return min(come, key=lambda rule: rule.hours_before, default=None)

    @cached_property
    def join_link_reminder_hours(self) -> int | None:
        """How many hours before the start the last reminder goes (it carries the personal
        access link, ReminderRule.carries_join_link); None without reminders."""
        return min((rule.hours_before for rule in self.reminder_rules.all()), default=None)

    def are_reminders_due(self, *, now=None) -> bool:
        """A reminder of the event goes now (``due_reminder_rule``)."""
        return self.due_reminder_rule(now=now) is not None

    @property
    def seats_left(self) -> int | None:
        """Needs ``seats_taken`` (annotated by EventQuerySet.with_seats_taken())."""
        if self.capacity is None:
            return None
        return max(self.capacity - getattr(self, "seats_taken", 0), 0)

    @property
    def online_seats_left(self) -> int | None:
        """A hybrid event's online seats left; needs ``online_seats_taken`` (with_seats_taken())."""
        if not self.is_hybrid or self.online_capacity is None:
            return None
        return max(self.online_capacity - getattr(self, "online_seats_taken", 0), 0)

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
    # Part of every personal link (confirm, cancel, join, the door pass); a new key revokes the old links.
    key = models.CharField(max_length=32, default=new_registration_key, editable=False)
    # Typed at the door instead of scanning the pass (events.services.checkin); renewed with the key.
    door_code = models.CharField(_("door code"), max_length=8, default=new_door_code, editable=False)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("waiting since"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    attended_at = models.DateTimeField(_("attended at"), null=True, blank=True)
    attendance = models.CharField(_("attended"), max_length=20, choices=Attendance.choices, blank=True)
    # How the participant takes part in a hybrid event (its own seats and waiting list); empty otherwise.
    mode = models.CharField(_("takes part"), max_length=20, choices=Attendance.choices, blank=True)
    promoted_from_waiting_list = models.BooleanField(_("promoted from the waiting list"), default=False)
    # When the participant confirmed, for an event with a waiting list: the link's POST only queues
    # the confirmation and a task worker gives the seats in this order (services.decide_confirmations).
    confirm_requested_at = models.DateTimeField(_("confirmation received at"), null=True, blank=True, editable=False)
    # The quota whose reserved seat this registration holds (events.quotas); empty: an unreserved seat.
    quota = models.ForeignKey(
        "SeatQuota",
        verbose_name=_("seat quota"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
        editable=False,
    )
    # Waitlisted although seats were free: they were reserved for quotas the participant does not match.
    waitlisted_by_quota = models.BooleanField(default=False, editable=False)
    # Idempotent emails: each is sent once, the stamp checked under a row lock.
    status_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The follow-up email after the event (events.emails.send_follow_ups): once, stamped here.
    follow_up_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
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
            ("check_in_registration", _("Can check participants in at the door")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "participant"], name="events_registration_one_per_participant"),
            models.UniqueConstraint(fields=["event", "door_code"], name="events_registration_door_code_unique"),
        ]
        indexes = [
            models.Index(fields=["event", "status"], name="events_reg_event_status_idx"),
            models.Index(fields=["event", "status", "waitlisted_at"], name="events_reg_waitlist_idx"),
            models.Index(fields=["event", "mode", "status"], name="events_reg_mode_idx"),
            models.Index(fields=["participant", "-created_at"], name="events_reg_participant_idx"),
            models.Index(fields=["status_changed_at"], name="events_reg_changed_idx"),
            # The queue of confirmations still to decide, in arrival order (and the check for one ahead).
            models.Index(
                fields=["event", "confirm_requested_at", "id"],
                name="events_reg_confirm_queue_idx",
                condition=Q(status="pending", confirm_requested_at__isnull=False),
            ),
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
    def door_code_shown(self) -> str:
        return f"{self.door_code[:4]}-{self.door_code[4:]}"

    @cached_property
    def join_link_sent_at(self):
        """When a reminder with the personal access link was sent to this registration (its
        ReminderSent stamp), else None: what "My account" and the event page tell. One query."""
        event = self.event
        stamps = self.reminders_sent.select_related("rule").order_by("-sent_at")
        return next((stamp.sent_at for stamp in stamps if stamp.rule.carries_join_link(event)), None)

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


class SeatQuota(models.Model):
    """A share of an event's seats reserved for a category of participants (events.quotas has
    the counting rule). Shares of an event's quotas add up to at most 100% per mode: checked by
    ``services.check_quota_shares`` under the event's row lock."""

    class Category(models.TextChoices):
        MSME = "msme", _("Micro, small and medium enterprises (MSMEs)")
        LED_BY_WOMEN = "led_by_women", _("Organisations led by women")
        SECTOR = "sector", _("Stakeholder sector")
        COUNTRY = "country", _("Country")

    class Release(models.TextChoices):
        RELEASED = "released", _("Released to everyone at the release time")
        KEPT = "kept", _("Kept for the category")

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="quotas")
    category = models.CharField(_("reserved for"), max_length=20, choices=Category.choices)
    sector = models.CharField(
        _("stakeholder sector"),
        max_length=30,
        choices=Profile.Sector.choices,
        blank=True,
        help_text=_("Only for the category “Stakeholder sector”."),
    )
    country = CountryField(_("country"), blank=True, help_text=_("Only for the category “Country”."))
    mode = models.CharField(
        _("seats of"),
        max_length=20,
        choices=Registration.Attendance.choices,
        blank=True,
        help_text=_("Hybrid events only. Empty: the share applies to the room and to the online seats alike."),
    )
    share = models.PositiveSmallIntegerField(
        _("share (%)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Percentage of the seats reserved (rounded down to whole seats)."),
    )
    release = models.CharField(_("if not filled"), max_length=20, choices=Release.choices, default=Release.KEPT)
    release_at = models.DateTimeField(
        _("release time"), null=True, blank=True, help_text=_("When unfilled reserved seats go to everyone.")
    )
    # Stamped by the workers' sweep once the waiting list has had the released seats.
    released_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("seat quota")
        verbose_name_plural = _("seat quotas")
        ordering = ["event", "mode", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(share__gte=1, share__lte=100), name="events_quota_share_1_to_100"),
            models.CheckConstraint(
                condition=~Q(release="released") | Q(release_at__isnull=False), name="events_quota_release_has_time"
            ),
            models.CheckConstraint(
                condition=Q(category="sector", country="") & ~Q(sector="")
                | Q(category="country", sector="") & ~Q(country="")
                | Q(category__in=["msme", "led_by_women"], sector="", country=""),
                name="events_quota_category_value",
            ),
            models.UniqueConstraint(
                fields=["event", "mode", "category", "sector", "country"], name="events_quota_one_per_category"
            ),
        ]
        indexes = [models.Index(fields=["release", "released_at", "release_at"], name="events_quota_release_idx")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        if self.category == self.Category.SECTOR:
            return gettext("Sector: %(sector)s") % {"sector": self.get_sector_display()}
        if self.category == self.Category.COUNTRY:
            return gettext("Country: %(country)s") % {"country": self.country.name}
        return str(self.get_category_display())

    def is_open(self, now) -> bool:
        """Its reserved seats are held for the category: kept, or before the release time."""
        return self.release == self.Release.KEPT or self.release_at is None or now < self.release_at

    def clean(self):
        errors = {}
        if self.category == self.Category.SECTOR and not self.sector:
            errors["sector"] = _("Choose the sector the seats are reserved for.")
        if self.category == self.Category.COUNTRY and not self.country:
            errors["country"] = _("Choose the country the seats are reserved for.")
        if self.category != self.Category.SECTOR and self.sector:
            errors["sector"] = _("A sector only goes with the category “Stakeholder sector”.")
        if self.category != self.Category.COUNTRY and self.country:
            errors["country"] = _("A country only goes with the category “Country”.")
        if self.release == self.Release.RELEASED and self.release_at is None:
            errors["release_at"] = _("Say when unfilled seats are released to everyone.")
        if self.mode and self.event_id and not self.event.is_hybrid:
            errors["mode"] = _("Only a hybrid event has seats of two kinds.")
        if errors:
            raise ValidationError(errors)


@reversion.register()
class ReminderRule(models.Model):
    """One reminder of an event: this many hours before the start, with its own lead text.

    Each confirmed participant gets each rule's reminder once (a ReminderSent row), unless a
    later rule's time has come too (``Event.due_reminder_rule``: only the latest goes). The
    personal access link goes in the reminders that carry it (``carries_join_link``).
    """

    DEFAULT_HOURS_BEFORE = 24

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="reminder_rules")
    hours_before = models.PositiveSmallIntegerField(
        _("hours before the start"),
        default=DEFAULT_HOURS_BEFORE,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text=_("e.g. 168 for a week, 24 for a day, 1 for an hour."),
    )
    lead = models.TextField(
        _("opening text"),
        max_length=600,
        blank=True,
        help_text=_("The reminder's first paragraph. Empty: “… starts soon, and you are registered.”"),
    )
    # The reminder time for which the event's reminder task (events.tasks.send_event_reminders)
    # is enqueued: the first confirmation enqueues it, the others see it is there.
    enqueued_for = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-hours_before", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "hours_before"], name="events_reminder_rule_one_per_time"),
            models.CheckConstraint(
                condition=Q(hours_before__gte=1, hours_before__lte=24 * 14), name="events_reminder_rule_hours_range"
            ),
        ]

    def __str__(self):
        return gettext("%(hours)s hours before") % {"hours": self.hours_before}

    def at(self, event: Event | None = None):
        """When this reminder goes (``event``: the rule's event, already read)."""
        return (event or self.event).start - timedelta(hours=self.hours_before)

    def carries_join_link(self, event: Event | None = None) -> bool:
        """The rule for the personal access link: a reminder whose time is inside the access
        window (from ``join_opens_minutes_before`` the start), and the event's last reminder in
        any case (reads ``event.reminder_rules``)."""
        event = event or self.event
        if self.hours_before * 60 <= event.join_opens_minutes_before:
            return True
        return self.hours_before == min(rule.hours_before for rule in event.reminder_rules.all())


class ReminderSent(models.Model):
    """Registration ``registration`` was sent (queued in the outbox) the reminder of ``rule``.

    The stamp of the reminder, written in the transaction that queues the email: unique per
    registration and rule, so nobody gets a rule's reminder twice. A reschedule deletes the
    event's stamps (each rule goes again for the new time); registering again deletes the
    registration's own.
    """

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="reminders_sent")
    rule = models.ForeignKey(ReminderRule, on_delete=models.CASCADE, related_name="sent")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registration", "rule"], name="events_reminder_sent_once"),
        ]
        indexes = [models.Index(fields=["rule", "registration"], name="events_reminder_sent_rule_idx")]

    def __str__(self):
        return f"{self.registration_id} · {self.rule}"


def new_certificate_code() -> str:
    """Twelve letters and digits, shown ``ABCD-EFGH-JKLM``: what anyone types on the verification page."""
    return "".join(secrets.choice(DOOR_CODE_ALPHABET) for _ in range(12))


class Certificate(models.Model):
    """An attendance certificate: issued once per registration whose attendance was recorded,
    with the facts it states as they were when issued (a later change of the event or of the
    person's name does not rewrite a certificate already handed out). Staff may revoke it
    (events.services.certificates.revoke_certificate): the verification page then says so.
    """

    registration = models.OneToOneField(
        # Erasing the person's registrations (My account) erases their certificates: it names them.
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="certificate",
    )
    code = models.CharField(_("verification code"), max_length=12, unique=True, default=new_certificate_code)
    holder_name = models.CharField(_("name"), max_length=200)
    event_title = models.CharField(_("event"), max_length=250)
    event_start = models.DateTimeField(_("start"))
    event_end = models.DateTimeField(_("end"))
    time_zone = models.CharField(_("time zone"), max_length=64)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    organiser = models.CharField(_("organised by"), max_length=500)
    attendance = models.CharField(_("attended"), max_length=20, choices=Registration.Attendance.choices)
    language = models.CharField(_("language"), max_length=10)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("attendance certificate")
        verbose_name_plural = _("attendance certificates")
        ordering = ["-issued_at", "-pk"]
        permissions = [("revoke_certificate", _("Can revoke attendance certificates"))]
        constraints = [
            models.CheckConstraint(condition=Q(event_end__gt=F("event_start")), name="events_certificate_dates"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""), name="events_certificate_revoked_why"
            ),
        ]

    def __str__(self):
        return f"{self.code_shown} · {self.holder_name}"

    def get_absolute_url(self):
        return reverse("events:certificate_verify", kwargs={"code": self.code_shown})

    @property
    def code_shown(self) -> str:
        return "-".join(self.code[start : start + 4] for start in range(0, 12, 4))

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def local_start(self):
        return timezone.localtime(self.event_start, zoneinfo.ZoneInfo(self.time_zone))

    @property
    def local_end(self):
        return timezone.localtime(self.event_end, zoneinfo.ZoneInfo(self.time_zone))


@reversion.register()
class FollowUp(models.Model):
    """The emails after the event: one to those who attended, another to those who had a seat
    and did not come, each with the recordings, the outcome documents and the survey link.
    An event has them when it has this row (the admin's "Follow-up" part); the workers send
    them ``hours_after`` its end (events.emails.send_follow_ups), once per registration."""

    event = models.OneToOneField(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="follow_up")
    hours_after = models.PositiveSmallIntegerField(
        _("hours after the end"), default=24, validators=[MaxValueValidator(24 * 14)]
    )
    attended_text = models.TextField(
        _("message to those who attended"), max_length=2000, blank=True,
        help_text=_("Empty: “Thank you for taking part…”."),
    )  # fmt: skip
    absent_text = models.TextField(
        _("message to those who did not attend"), max_length=2000, blank=True,
        help_text=_("Empty: “We missed you…”."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("follow-up emails")
        verbose_name_plural = _("follow-up emails")

    def __str__(self):
        return gettext("Follow-up of “%(event)s”") % {"event": self.event}

    def sends_at(self, event: Event | None = None):
        return (event or self.event).end + timedelta(hours=self.hours_after)


@reversion.register()
class SurveyQuestion(models.Model):
    """One question of the event's short survey: a rating from 1 to 5, or free text."""

    class Kind(models.TextChoices):
        RATING = "rating", _("Rating from 1 to 5")
        TEXT = "text", _("Free text")

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="survey_questions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RATING)
    text = models.CharField(_("question"), max_length=300)
    is_required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text


class SurveyResponse(models.Model):
    """One participant's answers (one per registration: a database constraint). Staff see the
    answers with the respondent's country and sector only; no participant sees another's."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="survey_responses")
    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="survey_response")
    # As the respondent's profile said when answering (the results per country and sector).
    country = CountryField(blank=True)  # an ISO 3166 code, as the profile keeps it
    sector = models.CharField(max_length=30, blank=True)
    attended = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["event", "country"], name="events_survey_event_country")]

    def __str__(self):
        return f"#{self.pk} · {self.event}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(max_length=2000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="events_survey_answer_once"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="events_survey_rating_1_5"
            ),
        ]

    def __str__(self):
        return f"{self.question}: {self.rating or self.text[:40]}"
