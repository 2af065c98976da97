from django.db import models
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.querysets import PublishableQuerySet

SEATED = ("confirmed", "attended")


class EventQuerySet(PublishableQuerySet):
    def upcoming(self):
        """Published events that have not ended yet, soonest first."""
        return self.published().filter(end__gt=timezone.now()).order_by("start", "pk")

    def past(self):
        return self.published().filter(end__lte=timezone.now()).order_by("-start", "-pk")

    def upcoming_first(self):
        """Upcoming events soonest first, then past events newest first, in one ordering."""
        now = timezone.now()
        return self.annotate(
            is_over=Case(When(end__lte=now, then=Value(1)), default=Value(0), output_field=IntegerField()),
            upcoming_start=Case(When(end__gt=now, then=F("start"))),
            past_start=Case(When(end__lte=now, then=F("start"))),
        ).order_by("is_over", F("upcoming_start").asc(nulls_last=True), F("past_start").desc(nulls_last=True), "pk")

    def overlapping(self, start, end):
        """Events that take place, at least in part, between ``start`` and ``end``."""
        return self.filter(start__lt=end, end__gt=start)

    def with_seats_taken(self):
        """Annotate ``seats_taken`` (and ``online_seats_taken``) with subqueries, so that they combine
        with any filter or search annotation without a GROUP BY over the events' columns."""
        registrations = self.model._meta.get_field("registrations").related_model

        def taken(mode_filter):
            return Coalesce(
                Subquery(
                    registrations.objects.filter(mode_filter, event=OuterRef("pk"), status__in=SEATED)
                    .order_by()
                    .values("event")
                    .annotate(count=Count("pk"))
                    .values("count")
                ),
                0,
            )

        # A hybrid event's online seats are counted apart (``online_seats_taken``); ``seats_taken``
        # is then its room's.
        return self.annotate(seats_taken=taken(~Q(mode="online")), online_seats_taken=taken(Q(mode="online")))

    def with_registration_counts(self):
        """One count per registration status (for organisers), in the same query."""
        counts = {
            f"{status}_count": Count("registrations", filter=Q(registrations__status=status))
            for status in ("pending", "confirmed", "waitlisted", "cancelled", "attended")
        }
        return self.annotate(**counts)

    def reminders_may_be_due(self, now=None):
        """Live, as scheduled, not ended, starting within two weeks (the longest reminder rule)
        and with someone confirmed: the events whose reminders may be due now. The final
        check, per rule, is in Python (Event.due_reminder_rule)."""
        now = now or timezone.now()
        confirmed = self.model._meta.get_field("registrations").related_model.objects.filter(
            event=OuterRef("pk"), status="confirmed"
        )
        return self.filter(
            status="published",
            published_at__lte=now,
            state="scheduled",
            end__gt=now,
            start__lte=now + timezone.timedelta(hours=24 * 14),
        ).filter(Exists(confirmed))

    def for_listing(self):
        """Published events with what a card shows, in a fixed number of queries."""
        return (
            self.published()
            .select_related("country")
            .defer("description", "search_document", "online_url")
            .prefetch_related("organising_bodies")
        )


class RegistrationQuerySet(models.QuerySet):
    def seated(self):
        return self.filter(status__in=SEATED)

    def seats_taken(self) -> int:
        """How many of these registrations hold a seat (``event.registrations.seats_taken()``;
        the moves that take a seat count it under the event's row lock)."""
        return self.seated().count()

    def active(self):
        return self.exclude(status="cancelled")

    def waiting_list(self):
        return self.filter(status="waitlisted").order_by("waitlisted_at", "pk")

    def of(self, user):
        return self.filter(participant=user)

    def with_waiting_list_position(self):
        """Annotate ``waiting_position`` (1 = next to get a seat) in the same query."""
        earlier = (
            self.model.objects.filter(event=OuterRef("event"), status="waitlisted")
            .filter(
                Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
                | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lt=OuterRef("pk"))
            )
            .order_by()
            .values("event")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return self.annotate(waiting_position=Coalesce(Subquery(earlier), 0) + 1)

    def owed_reminder(self, rule):
        """Confirmed registrations for the rule's event that have not had the rule's reminder."""
        return self.filter(event_id=rule.event_id, status="confirmed").exclude(reminders_sent__rule=rule)
