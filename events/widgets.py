"""The admin's date and time inputs for event times, with the one rule about their zone.

Times of an event (and of its sessions) are typed in the event's own zone. Django's inputs add,
by JavaScript, "Note: Enter times in the America/Bogota timezone" (the server's) whenever the
editor's device is in another zone, which contradicts it. This widget states the event's rule
in the place of that note: the element carries the class Django's script looks for, so the
script adds nothing, and the inputs' aria-describedby already points to it.
"""

from django.contrib.admin.widgets import AdminSplitDateTime


class EventZoneSplitDateTime(AdminSplitDateTime):
    # Widgets render with the form renderer, which reads the apps' templates only (not templates/).
    template_name = "events/widgets/event_zone_datetime.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.zone_note = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["zone_note"] = self.zone_note
        return context
