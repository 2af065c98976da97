from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from portal.roles import AUTHORS, EDITORS

_CONTENT = ("eventpartner", "speaker", "session", "eventdocument")

EVENTS_GRANTS = {
    # Authors write and submit their own event drafts (rule in portal.services.can_edit) and
    # see how many registered, not who.
    AUTHORS: [
        "add_event", "change_event", "view_event",
        *(f"{verb}_{model}" for model in _CONTENT for verb in ("add", "change", "delete", "view")),
        "view_registration",
    ],
    # Editors publish, postpone and cancel events, check participants in and export the lists.
    EDITORS: [
        "add_event", "change_event", "delete_event", "view_event", "publish_event",
        *(f"{verb}_{model}" for model in _CONTENT for verb in ("add", "change", "delete", "view")),
        "view_registration", "change_registration", "view_registration_personal_data",
    ],
}  # fmt: skip

#: The event's reminder rules are part of its content (granted by migration 0007).
REMINDER_RULE_GRANTS = {
    role: [f"{verb}_reminderrule" for verb in ("add", "change", "delete", "view")] for role in (AUTHORS, EDITORS)
}


#: Editors check participants in at the door (granted by migration 0008).
DOOR_GRANTS = {EDITORS: ["check_in_registration"]}


#: Editors see the certificates issued and revoke them (granted by migration 0009).
CERTIFICATE_GRANTS = {EDITORS: ["view_certificate", "revoke_certificate"]}


#: The follow-up emails and the survey are part of the event's content; editors see the results
#: (granted by migration 0010).
_FOLLOW_UP_CONTENT = [
    f"{verb}_{model}" for model in ("followup", "surveyquestion") for verb in ("add", "change", "delete", "view")
]
FOLLOW_UP_GRANTS = {AUTHORS: _FOLLOW_UP_CONTENT, EDITORS: [*_FOLLOW_UP_CONTENT, "view_surveyresponse"]}


#: The seat quotas are part of the event's content (granted by migration 0013).
QUOTA_GRANTS = {
    role: [f"{verb}_seatquota" for verb in ("add", "change", "delete", "view")] for role in (AUTHORS, EDITORS)
}


def all_grants() -> dict[str, list[str]]:
    later = (REMINDER_RULE_GRANTS, DOOR_GRANTS, CERTIFICATE_GRANTS, FOLLOW_UP_GRANTS, QUOTA_GRANTS)
    return {
        role: [*EVENTS_GRANTS[role], *(name for grants in later for name in grants.get(role, []))]
        for role in EVENTS_GRANTS
    }


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from accounts import registry as personal_data
        from events import emails, services, times
        from events.models import Event
        from events.registry import EventSitemap, event_more_url, event_search, upcoming_events_block
        from portal import cache, registry
        from portal.models import Country
        from portal.roles import register_grants

        register_grants("events", all_grants())
        registry.register_search(
            registry.SearchProvider(
                key="events",
                label=_("Events"),
                search=event_search,
                result_template="events/includes/event_result.html",
                more_url=event_more_url,
                order=20,
            )
        )
        registry.register_home_block(
            registry.HomeBlock(
                key="events",
                template="events/includes/home_block.html",
                block_context=upcoming_events_block,
                order=20,
                tags=(cache.kind(Event),),
            )
        )
        registry.register_sitemap("events", EventSitemap)
        from events.api import EventViewSet, MyRegistrationViewSet

        registry.register_api("events", EventViewSet, basename="event")
        registry.register_api("me/registrations", MyRegistrationViewSet, basename="my-registration")
        personal_data.register(
            personal_data.PersonalData(
                key="events",
                label=_("My event registrations"),
                export=services.export_registrations,
                erase=services.erase_registrations,
                section_template="events/includes/my_registrations.html",
                section_context=services.my_registrations_section,
                order=20,
            )
        )
        registry.register_sweep(registry.Sweep("events-emails", emails.queue_owed_emails, order=50))
        registry.register_sweep(registry.Sweep("events-follow-ups", emails.send_follow_ups, order=55))
        registry.register_sweep(registry.Sweep("events-quota-release", services.release_quotas, order=45))
        registry.register_sweep(
            registry.Sweep("events-confirmation-queue", services.decide_owed_confirmations, order=44)
        )
        _watch_what_public_pages_show()
        from events.digest import SECTION
        from following.registry import register_digest_section

        register_digest_section(SECTION)  # upcoming events open for registration, in the digests
        post_save.connect(times.forget_member_zones, sender=Country, dispatch_uid="events-member-zones-save")
        post_delete.connect(times.forget_member_zones, sender=Country, dispatch_uid="events-member-zones-delete")


def _watch_what_public_pages_show():
    """The cached public pages turn when these change (portal.cache.watch)."""
    from events.models import Event, EventDocument, EventPartner, Registration, ReminderRule, Session, Speaker
    from portal import cache

    # A published event, all but what no page shows: the online access address (only the
    # personal join link leads to it) and the reminders' bookkeeping.
    cache.watch(
        Event,
        ignore=(*cache.BOOKKEEPING, "online_url", "schedule_changed_at"),
        shown_when=cache.PUBLISHED,
    )
    for part in (EventPartner, Speaker, Session, EventDocument):
        cache.watch(part, part_of="event")
    # The event page says when the access link arrives (the last reminder's time); the task's
    # bookkeeping (enqueued_for) and the lead texts (only in emails) show on no page.
    cache.watch(ReminderRule, fields=("hours_before",), part_of="event")
    # Of registrations, pages show only the seats they take (``seats_left`` on the event page and
    # in the API), never who registered. So a registration counts as a change of its event only
    # when it takes or frees a seat (confirmed, promoted from the waiting list, cancelled after
    # confirming): a pending or waitlisted registration, attending after confirming and every
    # email stamp (status_notified_at, ReminderSent rows…) change no page. The seats show on the
    # event's page only (no list shows them): a seat taken or freed turns that page alone.
    # The API's event reads show the seats left too: they depend on the registrations' type tag.
    cache.watch(
        Registration,
        fields=(),
        shown_when={"status__in": Registration.SEATED},
        part_of="event",
        on_lists=False,
        also=lambda registration: {cache.kind(Registration)},
    )
