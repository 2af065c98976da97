"""What the API shows of events, and of a participant's own registrations.

Public event data is what the event page shows: never the online access address
(``Event.online_url``, which only the personal join link leads to) and nothing about who
registered. Translated text comes in the request's language (``Accept-Language``), falling
back to the other language as the pages do.
"""

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from events.models import Event, EventDocument, EventPartner, Registration, Session, Speaker
from events.services import MOVES

# --- Shared pieces ------------------------------------------------------------------------


class EventTimeField(serializers.DateTimeField):
    """A time in the event's own zone, with its UTC offset, as the event page shows it."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        event = instance if isinstance(instance, Event) else instance.event
        return timezone.localtime(value, event.zone) if value is not None else None

    def enforce_timezone(self, value):
        return value  # already in the event's zone


def absolute_url(serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


# --- Events -------------------------------------------------------------------------------


class SpeakerSerializer(serializers.ModelSerializer):
    photo = serializers.ImageField(read_only=True, use_url=True, allow_null=True)

    class Meta:
        model = Speaker
        fields = ["id", "name", "role", "organisation", "bio", "photo", "photo_alt"]


class SessionSerializer(serializers.ModelSerializer):
    start = EventTimeField()
    end = EventTimeField()
    speakers = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="The ids of the event's speakers who take part."
    )

    class Meta:
        model = Session
        fields = ["title", "description", "start", "end", "speakers", "recording_url"]


class PartnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = EventPartner
        fields = ["name", "url"]


class DocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The public address of the file or the linked document.")

    class Meta:
        model = EventDocument
        fields = ["title", "kind", "url"]

    def get_url(self, document) -> str:
        return absolute_url(self, document.href)


class EventSerializer(serializers.ModelSerializer):
    """An event as lists show it. Needs ``seats_taken`` (EventQuerySet.with_seats_taken())."""

    url = serializers.SerializerMethodField(help_text="The event page.")
    start = EventTimeField(help_text="In the event's own time zone, as every time of the event.")
    end = EventTimeField()
    country = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    organising_bodies = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    cover_image = serializers.ImageField(read_only=True, use_url=True, allow_null=True)
    is_registration_open = serializers.SerializerMethodField(
        help_text="Whether a participant can register now (POST /api/v1/me/registrations/)."
    )
    registration_opens_at = EventTimeField(allow_null=True, help_text="Null: open since publication.")
    registration_closes_at = EventTimeField(
        source="registration_closes", help_text="When registration closes (at the start unless set otherwise)."
    )
    seats_left = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Seats not yet taken (a hybrid event's seats in the room); null when the seats are unlimited.",
    )
    online_seats_left = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="A hybrid event's online seats not yet taken; null: unlimited or not hybrid.",
    )

    class Meta:
        model = Event
        fields = [
            "slug", "url", "title", "kind", "format", "state", "state_note", "summary",
            "time_zone", "start", "end", "venue", "city", "country", "organising_bodies",
            "cover_image", "cover_alt", "registration_enabled", "is_registration_open",
            "registration_opens_at", "registration_closes_at", "capacity", "seats_left", "online_capacity",
            "online_seats_left", "has_waiting_list", "published_at", "updated_at",
        ]  # fmt: skip

    def get_url(self, event) -> str:
        return absolute_url(self, event.get_absolute_url())

    def get_is_registration_open(self, event) -> bool:
        return event.registration_enabled and event.is_registration_open


class EventDetailSerializer(EventSerializer):
    sessions = SessionSerializer(many=True, read_only=True, help_text="The agenda, in order.")
    speakers = SpeakerSerializer(many=True, read_only=True)
    partners = PartnerSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "description", "sessions", "speakers", "partners", "documents"]


# --- A participant's own registrations ----------------------------------------------------


class RegistrationEventSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    start = EventTimeField()
    end = EventTimeField()

    class Meta:
        model = Event
        fields = ["slug", "url", "title", "start", "end", "time_zone", "state"]

    def get_url(self, event) -> str:
        return absolute_url(self, event.get_absolute_url())


class RegistrationSerializer(serializers.ModelSerializer):
    event = RegistrationEventSerializer(read_only=True)
    waiting_list_position = serializers.SerializerMethodField(
        help_text="1 = the next to get a seat; null unless on the waiting list."
    )
    can_cancel = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    attendance = serializers.ChoiceField(
        choices=Registration.Attendance.choices,
        allow_blank=True,
        read_only=True,
        help_text="How the participant attended; empty until they have.",
    )
    mode = serializers.ChoiceField(
        choices=Registration.Attendance.choices,
        allow_blank=True,
        read_only=True,
        help_text="A hybrid event: how the participant takes part (in the room or online); empty for other events.",
    )

    class Meta:
        model = Registration
        fields = [
            "id", "url", "event", "status", "waiting_list_position", "can_cancel", "created_at", "confirmed_at",
            "waitlisted_at", "cancelled_at", "attended_at", "attendance", "mode", "promoted_from_waiting_list",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, registration) -> str:
        return absolute_url(self, reverse("my-registration-detail", kwargs={"pk": registration.pk}))

    def get_waiting_list_position(self, registration) -> int | None:
        return registration.waiting_list_position

    def get_can_cancel(self, registration) -> bool:
        return registration.status in MOVES[Registration.Status.CANCELLED] and not registration.event.is_past


class RegistrationRequestSerializer(serializers.Serializer):
    event = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Event.objects.published(),
        help_text="The slug of a published event (as in /api/v1/events/).",
    )
    mode = serializers.ChoiceField(
        choices=Registration.Attendance.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="A hybrid event: how the participant takes part (each has its own seats); ignored otherwise.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Evaluated per request: an event published a moment ago is found.
        self.fields["event"].queryset = Event.objects.published()
