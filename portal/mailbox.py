"""The demo's mailbox: every email the portal wrote, as a mailbox would show it (DEBUG only).

The demo's mail backend writes raw files under var/mail/: quoted-printable text whose long
links are cut by soft line breaks, several messages to a file, and files written in the same
second. The outbox (portal.outbox) holds each message whole (subject, text, HTML alternative,
attachments, headers), so the demo reads it from there instead:

- ``/demo/mailbox/`` lists the emails, newest first (``?to=`` one address);
- ``/demo/mailbox/<id>/`` shows one: its headers, the text part with whole, clickable links,
  the HTML part (sanitised, so that it shows under the site's CSP) and its attachments;
- ``manage.py mailbox`` prints the newest one (or another) decoded, in a terminal.

Never routed outside DEBUG: portal.urls includes these views only when DEBUG is on, and each
view answers 404 without it as well. Every answer is private (the emails hold personal links).
"""

import base64
import functools
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

import nh3
from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from portal.http import keep_private
from portal.models import OutboundEmail
from portal.views import paginate

PAGE_SIZE = 25

#: What the HTML part keeps to be read inside the site's page: structure and links, no style.
_html_cleaner = nh3.Cleaner(
    tags={
        "a", "b", "blockquote", "br", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "li", "ol", "p", "span",
        "strong", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
    },
    attributes={"a": {"href"}},
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
    strip_comments=True,
)  # fmt: skip


@dataclass
class Attachment:
    index: int
    filename: str
    mimetype: str
    size: int


@dataclass
class Letter:
    """One outbox row, decoded as a mailbox shows a message."""

    pk: int
    kind: str
    state: str
    subject: str
    from_email: str
    to: list[str]
    cc: list[str]
    created_at: datetime
    sent_at: datetime | None
    language: str
    text: str
    html: str
    attachments: list[Attachment] = field(default_factory=list)
    headers: dict = field(default_factory=dict)

    @property
    def readable_html(self) -> str:
        """The HTML part's content and links, without its styles (which the site's CSP refuses)."""
        return _html_cleaner.clean(self.html) if self.html else ""


def letter(row: OutboundEmail) -> Letter:
    message = row.message
    html = next((content for content, mimetype in message.get("alternatives", []) if mimetype == "text/html"), "")
    return Letter(
        pk=row.pk,
        kind=row.kind,
        state=row.get_state_display(),
        subject=message.get("subject", row.subject),
        from_email=message.get("from_email", ""),
        to=list(message.get("to", [])),
        cc=list(message.get("cc", [])),
        created_at=row.created_at,
        sent_at=row.sent_at,
        language=row.language,
        text=message.get("body", ""),
        html=html,
        attachments=[
            Attachment(index=index, filename=filename, mimetype=mimetype, size=len(base64.b64decode(content)))
            for index, (filename, content, mimetype) in enumerate(message.get("attachments", []))
        ],
        headers=dict(message.get("headers", {})),
    )


def newest(*, to: str = "") -> OutboundEmail | None:
    """The newest email (to ``to``, when given): newest by queuing time, then by id, never ambiguous."""
    return emails(to=to).first()


def emails(*, to: str = ""):
    rows = OutboundEmail.objects.order_by("-created_at", "-pk")
    if to:
        rows = rows.filter(recipients__icontains=to.strip())
    return rows


def attachment_content(row: OutboundEmail, index: int) -> tuple[str, bytes, str]:
    try:
        filename, content, mimetype = row.message.get("attachments", [])[index]
    except IndexError:
        raise Http404(_("This email has no such attachment.")) from None
    return filename, base64.b64decode(content), mimetype


# --- Pages ----------------------------------------------------------------------------------


def demo_only(view):
    """404 unless DEBUG: the mailbox shows everyone's personal links, so it exists in the demo only."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.DEBUG:
            raise Http404(_("There is no mailbox outside the demo."))
        return keep_private(view(request, *args, **kwargs), noindex=True)

    return wrapper


@require_safe
@demo_only
def mailbox_list(request):
    to = request.GET.get("to", "").strip()[:254]
    listed = emails(to=to).only("pk", "kind", "state", "recipients", "subject", "created_at")
    page = paginate(request, listed, PAGE_SIZE)
    return render(
        request,
        "portal/mailbox_list.html",
        {
            "page_obj": page,
            "emails": page.object_list,
            "to": to,
            "query_string": urlencode({"to": to}) if to else "",
        },
    )


@require_safe
@demo_only
def mailbox_message(request, pk):
    row = get_object_or_404(OutboundEmail, pk=pk)
    return render(
        request,
        "portal/mailbox_message.html",
        {"letter": letter(row), "newer": _neighbour(row, newer=True), "older": _neighbour(row, newer=False)},
    )


def _neighbour(row: OutboundEmail, *, newer: bool) -> int | None:
    """The id of the next newer (or older) email, in the list's order."""
    if newer:
        found = OutboundEmail.objects.filter(
            Q(created_at__gt=row.created_at) | Q(created_at=row.created_at, pk__gt=row.pk)
        ).order_by("created_at", "pk")
    else:
        found = OutboundEmail.objects.filter(
            Q(created_at__lt=row.created_at) | Q(created_at=row.created_at, pk__lt=row.pk)
        ).order_by("-created_at", "-pk")
    return found.values_list("pk", flat=True).first()


# The HTML part exactly as sent, styles included, in a sandbox: no script, no request anywhere.
AS_SENT_POLICY = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.UNSAFE_INLINE],
    "img-src": ["data:"],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "sandbox": True,
}


@require_safe
@demo_only
@csp_override(AS_SENT_POLICY)
def mailbox_html(request, pk):
    row = get_object_or_404(OutboundEmail, pk=pk)
    html = letter(row).html
    if not html:
        raise Http404(_("This email has no HTML part."))
    return HttpResponse(html, content_type="text/html; charset=utf-8")


@require_safe
@demo_only
def mailbox_attachment(request, pk, index):
    row = get_object_or_404(OutboundEmail, pk=pk)
    filename, content, mimetype = attachment_content(row, index)
    response = HttpResponse(content, content_type=mimetype or "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
