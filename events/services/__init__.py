"""Registration and the event's own life: one service function per move, a module per concern.

- ``registration``: the participant's moves (register, confirm, cancel, promote, join, check in);
- ``changes``: the event's own life (cancel, postpone, reschedule, a new reminder lead time);
- ``reminders``: when reminders are due, their task per event and reminder time, the batches;
- ``personal_data``: "My account", the export and the erasure of a participant's registrations.

Domain errors are in events.errors, personal links (tokens, their addresses) in events.links.

Emails are sent by tasks (events.tasks) enqueued after commit; each email is sent once
(a stamp on the registration is checked under a row lock, events.emails).

Views, the admin, tasks and commands call these functions; none sets a status itself.
"""

from events.errors import (
    AlreadyRegistered,
    CannotParticipate,
    EventChangeRefused,
    EventFull,
    EventOver,
    InvalidToken,
    InvalidTransition,
    JoinNotOpenYet,
    NotYourLink,
    RegistrationClosed,
    RegistrationError,
    TokenExpired,
)
from events.services.changes import cancel_event, follow_reminder_lead_time, postpone_event, reschedule_event
from events.services.personal_data import (
    erase_registrations,
    export_registrations,
    my_registrations,
    my_registrations_section,
)
from events.services.registration import (
    MOVES,
    cancel,
    check_in,
    check_join,
    confirm,
    join,
    promote_from_waitlist,
    register,
    resend_confirmation,
)
from events.services.reminders import schedule_event_reminders, send_due_reminders

__all__ = [
    "MOVES",
    "AlreadyRegistered", "CannotParticipate", "EventChangeRefused", "EventFull", "EventOver", "InvalidToken",
    "InvalidTransition", "JoinNotOpenYet", "NotYourLink", "RegistrationClosed", "RegistrationError",
    "TokenExpired",
    "cancel", "cancel_event", "check_in", "check_join", "confirm",
    "erase_registrations", "export_registrations", "follow_reminder_lead_time", "join", "make_token",
    "my_registrations", "my_registrations_section", "postpone_event", "promote_from_waitlist", "read_token",
    "register", "reschedule_event", "resend_confirmation", "schedule_event_reminders",
    "send_due_reminders",
]  # fmt: skip
