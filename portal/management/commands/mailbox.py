"""Read the demo's emails in a terminal, decoded: whole links, both parts, attachments listed.

    manage.py mailbox                      # the newest email
    manage.py mailbox --to ana@example.org # the newest email to that address
    manage.py mailbox 42                   # email 42 (ids: --list)
    manage.py mailbox --list               # the newest 20: id, time, recipients, subject
    manage.py mailbox 42 --html            # with its HTML part as sent

The site shows the same at /demo/mailbox/ (portal.mailbox). Demo only: it refuses to run
without DEBUG unless --force is given (the emails hold personal links).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from portal import mailbox
from portal.models import OutboundEmail


class Command(BaseCommand):
    help = "Print the newest email the portal wrote (or another one), decoded, with its links whole."

    def add_arguments(self, parser):
        parser.add_argument(
            "email_id", nargs="?", type=int, metavar="id", help="The email to print (see --list); default: the newest."
        )
        parser.add_argument("--to", default="", help="The newest email to this address.")
        parser.add_argument("--list", dest="show_list", action="store_true", help="List the newest emails instead.")
        parser.add_argument("--limit", type=int, default=20, help="How many --list shows (20).")
        parser.add_argument("--html", action="store_true", help="Print the HTML part too.")
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args, email_id=None, to="", show_list=False, limit=20, html=False, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("mailbox shows everyone's emails; it refuses to run without DEBUG (use --force).")
        if show_list:
            self.print_list(to=to, limit=limit)
            return
        if email_id is not None:
            row = OutboundEmail.objects.filter(pk=email_id).first()
            if row is None:
                raise CommandError(f"There is no email {email_id} (see manage.py mailbox --list).")
        else:
            row = mailbox.newest(to=to)
            if row is None:
                raise CommandError(f"No email to {to} yet." if to else "No email yet.")
        self.print_letter(mailbox.letter(row), html=html)

    def print_list(self, *, to, limit):
        rows = mailbox.emails(to=to)[: max(limit, 1)]
        for row in rows:
            written = timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M:%S")
            self.stdout.write(f"{row.pk:>6}  {written}  {', '.join(row.recipients)}  {row.subject}")
        if not rows:
            self.stdout.write("No email yet.")

    def print_letter(self, letter, *, html):
        written = timezone.localtime(letter.created_at).strftime("%Y-%m-%d %H:%M:%S %Z")
        lines = [
            f"Email {letter.pk} ({letter.kind}, {letter.state})",
            f"From:    {letter.from_email}",
            f"To:      {', '.join(letter.to)}",
            *([f"Cc:      {', '.join(letter.cc)}"] if letter.cc else []),
            f"Date:    {written}",
            f"Subject: {letter.subject}",
        ]
        for attachment in letter.attachments:
            lines.append(
                f"Attached: {attachment.filename} ({attachment.mimetype}, {filesizeformat(attachment.size)})"
                + _address(" — ", "portal:mailbox_attachment", letter.pk, attachment.index)
            )
        lines += ["", letter.text.rstrip()]
        if letter.html:
            shown_at = _address(": ", "portal:mailbox_message", letter.pk, fallback=" (--html prints it)")
            lines += ["", f"HTML part{shown_at}"]
            if html:
                lines += ["", letter.html.rstrip()]
        self.stdout.write("\n".join(lines))


def _address(prefix: str, url_name: str, *args, fallback: str = "") -> str:
    """The mailbox page's address (only routed with DEBUG), else ``fallback``."""
    try:
        return prefix + settings.SITE_URL + reverse(url_name, args=args)
    except NoReverseMatch:
        return fallback
