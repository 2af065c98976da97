"""Domain errors of events: a refused move, with the message to show the person (``str(error)``).

Views, the admin and the API turn them into a message, a page or the API's error shape.
"""

from datetime import datetime


class RegistrationError(Exception):
    """A refused move; ``str(error)`` is the message to show the person."""


class RegistrationClosed(RegistrationError):
    pass


class AlreadyRegistered(RegistrationError):
    pass


class EventFull(RegistrationError):
    pass


class CannotParticipate(RegistrationError):
    """The person has no verified email address or no participant profile."""


class InvalidTransition(RegistrationError):
    pass


class InvalidToken(RegistrationError):
    """A personal link that is tampered with, revoked, or for another event."""


class TokenExpired(InvalidToken):
    pass


class NotYourLink(InvalidToken):
    """A signed-in person opened a link that belongs to someone else."""


class JoinNotOpenYet(RegistrationError):
    def __init__(self, message, *, opens_at: datetime):
        super().__init__(message)
        self.opens_at = opens_at


class EventOver(RegistrationError):
    pass


class EventChangeRefused(RegistrationError):
    """An organiser's change to the event (cancel, postpone, reschedule) that cannot be made."""


class EventChangeNotAllowed(EventChangeRefused):
    """The person may not make this change to the event (postponing and cancelling are for editors)."""


class CheckInRefused(RegistrationError):
    """A check-in at the door that cannot be recorded (the message says why, for staff to read out)."""


class CheckInNotAllowed(CheckInRefused):
    """The person asking has no check-in permission."""


class CertificateRefused(RegistrationError):
    """No certificate can be issued or revoked (the message says why)."""


class SurveyRefused(RegistrationError):
    """A survey answer that cannot be recorded (the message says why)."""


class QuotaRefused(RegistrationError):
    """A quota rule that cannot be saved (shares over 100%, a mode on an event that is not hybrid)."""
