"""/api/v1/events/ (public) and /api/v1/me/registrations/ (the signed-in participant's own).

The list reuses the /events/ page's FilterSet (events.filters.EventFilter) and the same
``published()`` read, so the API shows exactly what the site shows; registering and
cancelling go through events.services, as the web flow does: same rules, same emails.
"""

from types import SimpleNamespace

from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from events import services
from events.filters import EventFilter
from events.models import Event, Registration, Session
from events.serializers import (
    EventDetailSerializer,
    EventSerializer,
    RegistrationRequestSerializer,
    RegistrationSerializer,
)
from portal import cache as page_cache
from portal.api import ReadOnlyViewSet, RequestLanguageMixin, with_search
from portal.api_base import PersonalAnswersMixin
from portal.api_schema import ApiErrorSerializer

# --- Events -------------------------------------------------------------------------------


class FormatIsAFilter(DefaultContentNegotiation):
    """Here ``?format=`` is the page's filter (in person, virtual, hybrid), not REST framework's
    choice of renderer, which would answer ``?format=hybrid`` with a 404. The response's format
    comes from the Accept header alone (JSON is the API's only one)."""

    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)


@extend_schema_view(
    list=extend_schema(
        summary="Published events, upcoming first",
        description=(
            "Upcoming events soonest first, then past events newest first (a `search` without `ordering` "
            "is ranked by relevance). Filters are those of /events/. Times are in each event's own zone."
        ),
    ),
    retrieve=extend_schema(summary="One published event, with its agenda, speakers, partners and documents"),
)
class EventViewSet(ReadOnlyViewSet):
    # Its answers show the seats left: a seat taken or freed turns them (events/apps.py).
    content_cache_tags = (page_cache.LISTS, page_cache.kind(Registration))
    serializer_class = EventSerializer
    content_negotiation_class = FormatIsAFilter
    filterset_class = with_search(EventFilter)
    ordering_fields = ["start", "end", "title", "published_at"]
    ordering = None  # the queryset's own order: upcoming first

    def get_queryset(self):
        # The online access address is never read, so it cannot leak into a response.
        queryset = (
            Event.objects.published().with_seats_taken().select_related("country").prefetch_related("organising_bodies")
        )
        if self.action == "retrieve":
            return queryset.defer("search_document", "online_url").prefetch_related(
                "partners",
                "speakers",
                "documents",
                Prefetch("sessions", queryset=Session.objects.prefetch_related("speakers")),
            )
        return queryset.defer("description", "search_document", "online_url").upcoming_first()

    def get_serializer_class(self):
        return EventDetailSerializer if self.action == "retrieve" else EventSerializer


class EventDetailSchema(OpenApiSerializerExtension):
    """In the schema, EventDetail is Event plus its own fields (``allOf``): the event's choice
    fields then sit in one component only, so their enums get plain names (EventKindEnum
    beside BodyKindEnum and DocumentKindEnum) instead of a naming collision."""

    target_class = EventDetailSerializer

    def map_serializer(self, auto_schema, direction):
        full = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        base = auto_schema.resolve_serializer(EventSerializer, direction)
        own = [name for name in EventDetailSerializer.Meta.fields if name not in EventSerializer.Meta.fields]
        extra = {"type": "object", "properties": {name: full["properties"][name] for name in own}}
        required = [name for name in full.get("required", []) if name in own]
        if required:
            extra["required"] = required
        return {"allOf": [base.ref, extra]}


# --- My registrations ---------------------------------------------------------------------


#: A refused move → (HTTP status, error code). Anything else refused is a conflict with the
#: registration's or the event's state (409).
REFUSALS = {
    services.CannotParticipate: (status.HTTP_400_BAD_REQUEST, "cannot_participate"),
    services.RegistrationClosed: (status.HTTP_409_CONFLICT, "registration_closed"),
    services.AlreadyRegistered: (status.HTTP_409_CONFLICT, "already_registered"),
    services.EventFull: (status.HTTP_409_CONFLICT, "event_full"),
    services.InvalidTransition: (status.HTTP_409_CONFLICT, "invalid_transition"),
}


class Refused(exceptions.APIException):
    """A domain error of events.services, with its message, in the API's error shape."""

    def __init__(self, error: services.RegistrationError):
        self.status_code, code = next(
            (answer for kind, answer in REFUSALS.items() if isinstance(error, kind)),
            (status.HTTP_409_CONFLICT, "refused"),
        )
        super().__init__(detail=str(error), code=code)


ERRORS = {
    400: OpenApiResponse(ApiErrorSerializer, description="Invalid input, or the person cannot take part yet."),
    404: OpenApiResponse(ApiErrorSerializer, description="No such registration of yours."),
    409: OpenApiResponse(
        ApiErrorSerializer, description="Refused: registration closed, event full, already registered…"
    ),
}


@extend_schema_view(
    list=extend_schema(summary="My event registrations, newest first"),
    retrieve=extend_schema(
        summary="One of my registrations", responses={200: RegistrationSerializer, 404: ERRORS[404]}
    ),
    create=extend_schema(
        summary="Register for an event",
        description=(
            "Registers the signed-in participant as the event page does: the registration is pending "
            "until confirmed from the email that is sent. A cancelled registration is renewed."
        ),
        request=RegistrationRequestSerializer,
        responses={201: RegistrationSerializer, 400: ERRORS[400], 409: ERRORS[409]},
    ),
    destroy=extend_schema(
        summary="Cancel my registration",
        description="The same as POST …/cancel/, without a body in the answer. The registration is kept, cancelled.",
        responses={204: None, 404: ERRORS[404], 409: ERRORS[409]},
    ),
)
class MyRegistrationViewSet(
    PersonalAnswersMixin,
    RequestLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The signed-in participant's own registrations; nobody else's is reachable (404)."""

    serializer_class = RegistrationSerializer
    permission_classes = [permissions.IsAuthenticated]
    # Any id without a slash reaches the view and gets the API's JSON 404 (the router's default
    # pattern leaves ids with a dot to the site's HTML 404).
    lookup_value_regex = "[^/]+"
    filterset_fields = ["status"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Registration.objects.none()
        return (
            Registration.objects.of(self.request.user)
            .select_related("event")
            .defer("event__description", "event__search_document", "event__online_url", "key")
            .with_waiting_list_position()
            .order_by("-created_at", "-pk")
        )

    def create(self, request, *args, **kwargs):
        serializer = RegistrationRequestSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            registration = services.register(
                event=serializer.validated_data["event"],
                participant=request.user,
                mode=serializer.validated_data.get("mode", ""),
            )
        except services.RegistrationError as error:
            raise Refused(error) from error
        data = self.get_serializer(self.get_queryset().get(pk=registration.pk)).data
        location = reverse("my-registration-detail", kwargs={"pk": registration.pk})
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": location})

    def destroy(self, request, *args, **kwargs):
        self._cancel()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Cancel my registration",
        description=(
            "Cancels through the same rules as the link in the emails: the personal links stop working, "
            "a freed seat goes to the waiting list, and a cancellation email is sent."
        ),
        request=None,
        responses={200: RegistrationSerializer, 404: ERRORS[404], 409: ERRORS[409]},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        registration = self._cancel()
        return Response(self.get_serializer(self.get_queryset().get(pk=registration.pk)).data)

    def _cancel(self) -> Registration:
        registration = self.get_object()
        try:
            return services.cancel(registration=registration)
        except services.RegistrationError as error:
            raise Refused(error) from error
