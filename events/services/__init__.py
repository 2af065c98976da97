"""Registration and the event's own life: one service function per move, a module per concern.

- ``registration``: the participant's moves (register, confirm, cancel, promote, join, check in);
- ``changes``: the event's own life, one ``update_event`` (times, seats,
  postponing and cancelling, and who may do each);
- ``reminders``: the reminder rules, their tasks per event and rule time, the batches;
- ``certificates``: attendance certificates (issued, checked by their code, revoked);
- ``checkin``: check-in at the door (the QR pass or its short code) and the admin's action;
- ``quotas``: seat quotas (shares of the seats reserved for categories of participants) and
  their release (the counting rule: events.quotas);
- ``survey``: the survey after the event (one response per participant);
- ``personal_data``: "My account", the export and the erasure of a participant's registrations.

Domain errors are in events.errors, personal links (tokens, their addresses) in events.links.

Emails are sent by tasks (events.tasks) enqueued after commit; each email is sent once
(a stamp on the registration is checked under a row lock, events.emails).

Views, the admin, tasks and commands call these functions; none sets a status itself.
"""

from events.errors import (
    AlreadyRegistered,
    CannotParticipate,
    CertificateRefused,
    CheckInNotAllowed,
    CheckInRefused,
    EventChangeNotAllowed,
    EventChangeRefused,
    EventFull,
    EventOver,
    InvalidToken,
    InvalidTransition,
    JoinNotOpenYet,
    NotYourLink,
    QuotaRefused,
    RegistrationClosed,
    RegistrationError,
    SurveyRefused,
    TokenExpired,
)
from events.services.certificates import (
    attended_hours,
    certificate_refusal,
    find_certificate,
    issue_certificate,
    revoke_certificate,
)
from events.services.changes import (
    EventUpdate,
    cancel_event,
    check_event_changes,
    postpone_event,
    reschedule_event,
    update_event,
)
from events.services.checkin import DoorCheckIn, can_check_in, check_in, check_in_at_door
from events.services.personal_data import (
    erase_registrations,
    export_registrations,
    my_registrations,
    my_registrations_section,
)
from events.services.quotas import check_quota_shares, quota_use, quotas_changed, release_quotas, save_quota
from events.services.registration import (
    MOVES,
    cancel,
    check_join,
    closed_reason,
    confirm,
    decide_confirmations,
    decide_owed_confirmations,
    join,
    link_used,
    promote_from_waitlist,
    quota_waiting_reason,
    register,
    request_confirmation,
    resend_confirmation,
    switch_mode,
    waiting_reason,
)
from events.services.reminders import (
    add_default_reminder,
    follow_reminder_rules,
    schedule_event_reminders,
    send_due_reminders,
)
from events.services.survey import answer_survey, survey_refusal

__all__ = [
    # errors
    "AlreadyRegistered", "CannotParticipate",
    "CertificateRefused", "CheckInNotAllowed", "CheckInRefused", "EventChangeNotAllowed", "EventChangeRefused",
    "EventFull",
    "EventOver", "InvalidToken", "InvalidTransition", "JoinNotOpenYet", "NotYourLink", "QuotaRefused",
    "RegistrationClosed",
    "RegistrationError", "SurveyRefused", "TokenExpired",
    # the participants' moves
    "MOVES", "cancel", "check_join",
    "closed_reason", "confirm", "link_used",
    "decide_confirmations",
    "decide_owed_confirmations", "join", "promote_from_waitlist",
    "quota_waiting_reason", "register",
    "request_confirmation",
    "resend_confirmation", "switch_mode", "waiting_reason",
    # quotas
    "check_quota_shares", "quota_use", "quotas_changed", "release_quotas", "save_quota",
    # certificates
    "attended_hours", "certificate_refusal", "find_certificate", "issue_certificate", "revoke_certificate",
    # the survey
    "answer_survey", "survey_refusal",
    # check-in at the door
    "DoorCheckIn", "can_check_in", "check_in", "check_in_at_door",
    # the event's own life
    "EventUpdate", "cancel_event", "check_event_changes", "postpone_event", "reschedule_event", "update_event",
    # reminders
    "add_default_reminder", "follow_reminder_rules", "schedule_event_reminders", "send_due_reminders",
    # personal data
    "erase_registrations", "export_registrations", "my_registrations", "my_registrations_section",
]  # fmt: skip
