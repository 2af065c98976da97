"""What the logs and the error tracker say about a line's request (settings.LOGGING, SENTRY_DSN).

Imported by the settings module: no models here.
"""

from django_guid import get_guid


def tag_sentry_event(event: dict, hint: dict) -> dict:
    """Sentry's before_send: tag each event with the request id, as the log lines carry it."""
    request_id = get_guid()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event
