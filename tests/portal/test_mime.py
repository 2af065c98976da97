"""portal.mime writes the usual email itself: what it writes must read back as what Django writes."""

import binascii
import email.policy
import random
from email import message_from_bytes

import pytest
from django.core.mail import EmailMultiAlternatives

from portal import mime, outbox

LONG_SPANISH = (
    "Resumen semanal de lo que usted sigue: noticias, publicaciones, indicadores, eventos y consultas "
    "de la Alianza del Pacífico — año 2026, edición número 48 ✓"
)
TEXT = (
    "Estimada participante:\n\n.Una línea que empieza con un punto.\nFrom the start of a line.\n"
    "Trailing spaces   \n\tA tab, and an equals sign = 3.\r\nA Windows line.\n"
    + "Una línea muy larga con acentos (año, acción, país) " * 12
    + "\nEmoji 🌎 and the end"
)
HTML = '<p lang="es">Publicación <a href="https://portal.example/library/p?x=1&amp;y=2">nueva</a> ✓</p>\n' * 5


def messages():
    plain = EmailMultiAlternatives(subject="Hello", body="Plain text", to=["ana@example.org"])
    digest = EmailMultiAlternatives(
        subject=LONG_SPANISH,
        body=TEXT,
        from_email="Alianza del Pacífico <no-reply@portal.example>",
        to=["Ana Pérez <ana@example.org>", "bob@example.org"],
        cc=["Carla <carla@example.org>"],
        bcc=["hidden@example.org"],
        reply_to=["Secretaría <secretaria@portal.example>", "team@portal.example"],
        headers={
            "List-Unsubscribe": "<https://portal.example/digest/unsubscribe/" + "x" * 120 + "/>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": "Pacific Alliance digest <digest.portal.example>",
            "Content-Language": "es",
            "X-Note": "Señal no ASCII en una cabecera",
        },
    )
    digest.attach_alternative(HTML, "text/html")
    return [plain, digest]


def queued(message):
    message.extra_headers.setdefault("Message-ID", "<fixed.1@portal.example>")
    message.from_email = message.from_email or "no-reply@portal.example"
    return outbox.serialise(message)


@pytest.mark.parametrize("index", [0, 1])
def test_it_reads_back_as_what_django_writes(index):
    data = queued(messages()[index])
    ours = message_from_bytes(mime.wire(data).data, policy=email.policy.default)
    django = message_from_bytes(
        outbox.deserialise(data).message(policy=email.policy.SMTP).as_bytes(), policy=email.policy.default
    )
    for name in ["Subject", "From", "To", "Cc", "Reply-To", "Message-ID", "Content-Language", "X-Note", "List-Id"]:
        assert str(ours[name]) == str(django[name]), name
    assert ours["Bcc"] is None
    assert ours.get_content_type() == django.get_content_type()
    assert ours.get_body(("plain",)).get_content() == django.get_body(("plain",)).get_content()
    if index:
        assert ours.get_body(("html",)).get_content() == django.get_body(("html",)).get_content()
        assert ours["List-Unsubscribe"] == data["headers"]["List-Unsubscribe"]  # not encoded words
    assert ours["Date"] is not None and ours["MIME-Version"] == "1.0"
    assert not ours.defects and all(not part.defects for part in ours.walk())


def test_the_envelope_has_every_recipient_and_the_bytes_are_smtp_lines():
    written = mime.wire(queued(messages()[1]))
    assert written.sender == "no-reply@portal.example"
    assert written.recipients == ["ana@example.org", "bob@example.org", "carla@example.org", "hidden@example.org"]
    assert b"hidden@" not in written.data
    lines = written.data.split(b"\r\n")
    assert b"\n" not in b"".join(lines)  # CRLF only, never a bare LF
    assert max(len(line) for line in lines) <= 998
    assert all(len(line) <= 78 for line in lines if not line.startswith(b"List-Unsubscribe:"))
    assert written.data.isascii()


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.attach("a.txt", b"x", "text/plain"),
        lambda m: m.attach_alternative("<p>b</p>", "text/html"),  # two alternatives
        lambda m: m.extra_headers.update({"To": "someone@example.org"}),
        lambda m: m.extra_headers.update({"X-Bad": "a\r\nBcc: victim@example.org"}),
        lambda m: setattr(m, "to", ["josé@example.org"]),  # a non-ASCII mailbox: Django's checks
        lambda m: setattr(m, "to", ["not an address"]),
    ],
)
def test_anything_else_is_left_to_django(change):
    message = messages()[1]
    change(message)
    assert mime.wire(queued(message)) is None


def test_encoded_words_are_short_and_keep_whole_characters():
    words = mime.encoded_words("ñ" * 100 + "🌎" * 30)
    assert all(len(word.strip()) <= 75 for word in words.split("\r\n"))
    header = message_from_bytes(f"Subject: {words}\r\n\r\n".encode(), policy=email.policy.default)["Subject"]
    assert header == "ñ" * 100 + "🌎" * 30


@pytest.mark.parametrize("seed", range(4))
def test_each_line_encoded_alone_is_the_whole_text_encoded(seed):
    """portal.mime encodes (and keeps) each line apart: byte for byte what encoding the whole gives."""
    pieces = ["a", " ", "\t", "=", ".", "é", "✓", '"', "<p>", "\n", "\r\n", "\r", "x" * 80, "y" * 75, "é" * 30]
    generator = random.Random(seed)
    for _case in range(500):
        content = "".join(generator.choice(pieces) for _ in range(generator.randint(0, 40)))
        whole = content.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
        if not whole.endswith("\r\n"):
            whole += "\r\n"
        expected = binascii.b2a_qp(whole.encode(), quotetabs=False, istext=True, header=False)
        assert mime._part("text/plain", content).split(b"\r\n\r\n", 1)[1] == expected, repr(content)
