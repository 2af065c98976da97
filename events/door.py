"""The door pass: the QR code a participant shows at the door (events.services.checkin).

It carries the signed door token (events.links.make_door_token); drawn with segno, as SVG for
"My account" (an <img> from a view: the CSP allows images from the site itself) and as PNG
for the confirmation email's attachment.
"""

import io

import segno

from events.links import make_door_token
from events.models import Registration


def _code(registration: Registration) -> segno.QRCode:
    # "M": a fifth of the code may be lost (a cracked screen, a glare) and it still reads.
    return segno.make_qr(make_door_token(registration), error="m")


def pass_svg(registration: Registration) -> bytes:
    buffer = io.BytesIO()
    _code(registration).save(buffer, kind="svg", scale=6, border=4, xmldecl=False, title="QR")
    return buffer.getvalue()


def pass_png(registration: Registration) -> bytes:
    buffer = io.BytesIO()
    _code(registration).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def has_pass(registration: Registration) -> bool:
    """A pass for a seat at an in-person or hybrid event that still takes place."""
    event = registration.event
    return registration.status in Registration.SEATED and event.is_in_person and not event.is_cancelled
