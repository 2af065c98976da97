"""The bytes of an outbox email, written directly for the shape almost every email has.

Django builds a message with Python's email package (``EmailMessage.message()`` with the modern
policy, then ``as_bytes()``): about 2.5 ms per email on this machine, most of the delivery's cost
for a digest or a reminder. Almost every email of the portal is the same shape: a text body and
optionally one HTML alternative, no attachment, ASCII addresses. ``wire()`` writes that shape
itself (quoted-printable bodies with binascii, headers as encoded words only when they are not
ASCII) in a tenth of the time, and says ``None`` for anything else, which then goes through
Django as before. ``tests/portal/test_mime.py`` parses what it writes back with the email package
and compares it with what Django writes, header by header and part by part.

One difference on purpose: a long ASCII header (``List-Unsubscribe`` with its token) is written
as it is, as RFC 2369 and RFC 8058 expect, where the email package turns it into encoded words
that mail providers do not read as a link.
"""

import binascii
import functools
import re
import secrets
from base64 import b64encode
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from django.conf import settings
from django.core.mail.utils import DNS_NAME
from django.utils import timezone

#: Headers the message's own fields write; an email that sets one of them itself goes through Django.
OWN = {
    "from",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "subject",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
}
MAX_LINE = 998  # RFC 5322 §2.1.1
WORD_BYTES = 45  # 60 characters of base64: an encoded word of 72 after the fold (RFC 2047 §2: 75)
#: The usual forms, read without the email package's parser: "a@b.c" and "Name <a@b.c>".
PLAIN = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+")
NAMED = re.compile(r"([^<>\"\\,;:()@\[\]]*?) *<([A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+)>")


@dataclass(frozen=True)
class Wire:
    """What the SMTP conversation needs: the envelope and the message's bytes (CRLF lines)."""

    sender: str
    recipients: list[str]
    data: bytes


def wire(data: dict) -> Wire | None:
    """The message ``data`` (portal.outbox.serialise's) as bytes, or None when it is not the simple shape."""
    if data["attachments"] or data["bcc"] and not data["to"] + data["cc"]:
        return None
    alternatives = data["alternatives"]
    if len(alternatives) > 1 or (alternatives and alternatives[0][1] != "text/html"):
        return None
    headers = data["headers"]
    names = {str(name).lower() for name in headers}
    if names & OWN:
        return None
    sender = _address(data["from_email"])
    recipients = [_address(address) for address in [*data["to"], *data["cc"], *data["bcc"]] if address]
    if sender is None or not recipients or None in recipients:
        return None
    lines = [
        _header("Subject", str(data["subject"])),
        _address_header("From", [data["from_email"]]),
        _address_header("To", data["to"]),
        _address_header("Cc", data["cc"]),
        _address_header("Reply-To", data["reply_to"]),
    ]
    if "date" not in names:
        now = timezone.localtime() if settings.EMAIL_USE_LOCALTIME else datetime.now(UTC)
        lines.append(f"Date: {format_datetime(now)}\r\n")
    if "message-id" not in names:
        lines.append(f"Message-ID: {make_msgid(domain=DNS_NAME)}\r\n")
    for name, value in headers.items():
        if not _header_name(str(name)):
            return None
        lines.append(_header(str(name), str(value)))
    if None in lines:
        return None
    head = "".join(line for line in lines if line)
    text = _part("text/plain", data["body"])
    if not alternatives:
        message = f"MIME-Version: 1.0\r\n{head}".encode("ascii") + text
    else:
        # "=_" never occurs in quoted-printable text ("=" is always written "=3D"), so the
        # boundary cannot occur in the parts.
        boundary = f"=_{secrets.token_hex(16)}"
        html = _part("text/html", alternatives[0][0])
        dash = f"--{boundary}\r\n".encode("ascii")
        message = b"".join(
            [
                b"MIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n",
                f' boundary="{boundary}"\r\n{head}\r\n'.encode("ascii"),
                dash,
                text,
                b"\r\n",
                dash,
                html,
                f"\r\n--{boundary}--\r\n".encode("ascii"),
            ]
        )
    return Wire(sender=sender, recipients=recipients, data=message)


def _part(mimetype: str, content: str) -> bytes:
    """Its headers, a blank line and the content in quoted-printable (UTF-8, CRLF lines)."""
    lines = str(content).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1 and not lines[-1]:
        lines.pop()  # the content's own last line break
    encoded = b"".join(map(_quoted_printable_line, lines))
    return (
        f'Content-Type: {mimetype}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'.encode(
            "ascii"
        )
        + encoded
    )


@functools.lru_cache(maxsize=4096)
def _quoted_printable_line(line: str) -> bytes:
    """One line in quoted-printable with its CRLF: what encoding the whole text gives for that line
    (a line break resets the column; ``test_mime`` checks the two agree). Encoded once per process:
    a batch's emails share most of their lines (a digest's items, each on its own line, and the
    templates' frame), and encoding them again cost ~0.1 ms of a digest's ~1.6 ms of worker CPU
    (docs/performance.md, "Digests: the outbox row made cheaper"). The cache holds at most 4,096
    recent lines in the worker's memory, personal ones among them, as the emails being sent do."""
    return binascii.b2a_qp(f"{line}\r\n".encode(), quotetabs=False, istext=True, header=False)


def _header_name(name: str) -> bool:
    return bool(name) and name.isascii() and name.isprintable() and ":" not in name and " " not in name


def _header(name: str, value: str) -> str | None:
    """One header line (folded), or None when the value cannot be a header (CR or LF in it, too long)."""
    if "\r" in value or "\n" in value:
        return None  # Django refuses it, with its own error
    if value.isascii():
        line = f"{name}: {value}\r\n"
        return line if len(line) <= MAX_LINE + 2 else None
    return f"{name}: {encoded_words(value, start=len(name) + 2)}\r\n"


def encoded_words(value: str, *, start: int = 0) -> str:
    """RFC 2047 encoded words (UTF-8, base64), whole characters only, one per folded line of at most
    78 characters, the first after ``start`` characters (the email package's encoder is quadratic)."""
    words, chunk, size = [], [], 0
    budget = min(WORD_BYTES, (78 - start - 12) // 4 * 3)  # 12: "=?utf-8?b?" and "?="
    for character in value:
        length = len(character.encode("utf-8"))
        if size + length > budget and chunk:
            budget = WORD_BYTES
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(character)
        size += length
    words.append("".join(chunk))
    return "\r\n ".join(f"=?utf-8?b?{b64encode(word.encode('utf-8')).decode('ascii')}?=" for word in words)


def _address(address: str) -> str | None:
    """The addr-spec of an ASCII address, or None (anything else goes through Django's checks)."""
    address = str(address)
    if "\r" in address or "\n" in address:
        return None
    _name, spec = _parse(address)
    if not spec or not spec.isascii() or "@" not in spec or spec.count("<") or spec.count(">") or " " in spec:
        return None
    return spec


def _parse(address: str) -> tuple[str, str]:
    if PLAIN.fullmatch(address):
        return "", address
    if named := NAMED.fullmatch(address):
        return named[1], named[2]
    return parseaddr(address)


def _address_header(name: str, addresses: list[str]) -> str | None:
    if not addresses:
        return ""
    formatted = []
    for address in addresses:
        display, spec = _parse(str(address))
        if _address(spec) is None:
            return None
        if display and (not display.isascii() or "\r" in display or "\n" in display):
            formatted.append(formataddr((display, spec), charset="utf-8"))
        else:
            formatted.append(formataddr((display, spec)) if display else spec)
    line = f"{name}: {',\r\n '.join(formatted)}\r\n"
    return line if all(len(part) <= MAX_LINE for part in line.split("\r\n")) else None
