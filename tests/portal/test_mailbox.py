"""The demo's mailbox: each email readable as a mailbox shows it, only in the demo (DEBUG)."""

import importlib
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.mail import EmailMultiAlternatives
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import NoReverseMatch, Resolver404, clear_url_caches, resolve, reverse
from django.utils import timezone

import portal.urls
from portal import mailbox, outbox
from portal.models import OutboundEmail

pytestmark = pytest.mark.django_db

#: Longer than a quoted-printable line (76 characters): the file backend cut such links in two.
CONFIRM_URL = "http://127.0.0.1:8101/es/events/demo-webinar-digital-skills/confirm/" + "Ab3_" * 30 + "/"


def reload_urls():
    importlib.reload(portal.urls)
    clear_url_caches()


@pytest.fixture
def demo(settings):
    """The demo's profile: DEBUG on, so the mailbox is routed."""
    settings.DEBUG = True
    reload_urls()
    yield
    settings.DEBUG = False
    reload_urls()


def queue_email(*, to="ana@example.org", subject="Confirme su participación", at=None, html=True, attach=True):
    message = EmailMultiAlternatives(
        subject=subject,
        body=f"Hola Ana,\n\nPara confirmar su participación, abra este enlace:\n\n{CONFIRM_URL}\n\n— Portal",
        to=[to],
        headers={"Content-Language": "es"},
    )
    if html:
        message.attach_alternative(
            f'<html><body style="background:#f3f5f8"><p style="color:red">Hola Ana,</p>'
            f'<p><a href="{CONFIRM_URL}" style="display:inline-block">Confirmar</a></p></body></html>',
            "text/html",
        )
    if attach:
        message.attach("event.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    row = outbox.queue(message, kind="events.registration_pending")
    if at is not None:
        OutboundEmail.objects.filter(pk=row.pk).update(created_at=at)
    return row


def test_the_mailbox_is_not_routed_outside_the_demo(client, settings):
    settings.DEBUG = False
    reload_urls()
    row = queue_email()

    with pytest.raises(Resolver404):
        resolve("/demo/mailbox/")
    with pytest.raises(NoReverseMatch):
        reverse("portal:mailbox")
    assert client.get("/demo/mailbox/").status_code == 404
    assert client.get(f"/demo/mailbox/{row.pk}/").status_code == 404


def test_without_the_mailbox_routed_no_page_links_to_it(client, settings):
    settings.DEBUG = False
    reload_urls()
    assert "/demo/mailbox/" not in client.get("/").content.decode()
    settings.DEBUG = True  # DEBUG without the mailbox routed (a test, a half-set-up profile): no link
    assert "/demo/mailbox/" not in client.get("/").content.decode()
    settings.DEBUG = False


def test_the_footer_of_the_demo_links_to_the_mailbox(client, demo):
    assert 'href="/demo/mailbox/"' in client.get("/").content.decode()


def test_each_view_refuses_without_debug_even_if_routed(settings):
    settings.DEBUG = False
    request = RequestFactory().get("/demo/mailbox/")
    with pytest.raises(mailbox.Http404):
        mailbox.mailbox_list(request)


def test_the_list_shows_the_newest_email_first_even_within_one_second(client, demo):
    second = timezone.now().replace(microsecond=0)
    older = queue_email(subject="Verify your email address", at=second - timedelta(minutes=5))
    first = queue_email(subject="You registered: confirm your participation", at=second)
    then = queue_email(subject="Your participation is confirmed", at=second)

    response = client.get("/demo/mailbox/")

    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(f'href="/demo/mailbox/{row.pk}/"') for row in (then, first, older)]
    assert positions == sorted(positions)
    assert "ana@example.org" in html
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


def test_the_list_shows_the_emails_to_one_address(client, demo):
    queue_email(to="ana@example.org", subject="For Ana")
    queue_email(to="luis@example.org", subject="For Luis")

    html = client.get("/demo/mailbox/", {"to": "luis@example.org"}).content.decode()

    assert "For Luis" in html and "For Ana" not in html


def test_a_message_shows_both_parts_with_whole_clickable_links_and_its_attachments(client, demo):
    row = queue_email()

    response = client.get(f"/demo/mailbox/{row.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    text_part = html[html.index('class="mailbox__text"') : html.index("</pre>")]
    assert f'<a href="{CONFIRM_URL}"' in text_part  # the whole link, clickable
    html_part = html[html.index('class="mailbox__html') :]
    assert f'<a href="{CONFIRM_URL}"' in html_part
    assert "style=" not in html_part.split("</div>")[0]  # the email's styles would break the site's CSP
    assert 'lang="es"' in html_part.split(">")[0]
    assert "event.ics" in html and "text/calendar" in html
    assert "no-store" in response["Cache-Control"]

    attachment = client.get(f"/demo/mailbox/{row.pk}/attachments/0/")
    assert attachment.content == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    assert attachment["Content-Type"] == "text/calendar"
    assert attachment["Content-Disposition"] == 'attachment; filename="event.ics"'
    assert client.get(f"/demo/mailbox/{row.pk}/attachments/1/").status_code == 404


def test_a_message_links_to_its_newer_and_older_neighbours(client, demo):
    now = timezone.now()
    older = queue_email(subject="First", at=now - timedelta(minutes=1))
    middle = queue_email(subject="Second", at=now)
    newer = queue_email(subject="Third", at=now)

    html = client.get(f"/demo/mailbox/{middle.pk}/").content.decode()

    assert f'href="/demo/mailbox/{newer.pk}/">Newer email' in html
    assert f'href="/demo/mailbox/{older.pk}/">Older email' in html


def test_the_html_part_as_sent_is_served_in_a_sandbox(client, demo):
    row = queue_email()

    response = client.get(f"/demo/mailbox/{row.pk}/html/")

    assert response.status_code == 200
    assert b'style="color:red"' in response.content  # exactly as sent
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "script-src" not in policy
    assert client.get(f"/demo/mailbox/{queue_email(html=False).pk}/html/").status_code == 404


def test_a_real_registration_email_reads_whole_in_the_mailbox(client, demo, committed, settings):
    """The demo's own flow: the confirmation link of a registration, as the participant opens it."""
    from events import services
    from tests.events.factories import OpenEventFactory, ParticipantFactory

    settings.SITE_URL = "http://127.0.0.1:8101"
    participant = ParticipantFactory()
    with committed():
        services.register(event=OpenEventFactory(), participant=participant)
    row = mailbox.newest(to=participant.email)

    html = client.get(f"/demo/mailbox/{row.pk}/").content.decode()

    link = re.search(r'<a href="(http://127\.0\.0\.1:8101/events/[^"]+/confirm/[^"]+/)"', html)
    assert link, html
    assert client.get(link.group(1).removeprefix("http://127.0.0.1:8101")).status_code == 200


def test_the_command_prints_the_newest_email_decoded(demo):
    queue_email(subject="Older", at=timezone.now() - timedelta(minutes=1))
    queue_email(subject="Confirme su participación")
    out = StringIO()

    call_command("mailbox", stdout=out)

    printed = out.getvalue()
    assert "Subject: Confirme su participación" in printed
    assert CONFIRM_URL in printed.splitlines()  # on one line, whole
    assert "Attached: event.ics (text/calendar" in printed
    assert "HTML part: http" in printed


def test_the_command_lists_and_picks_emails(demo):
    first = queue_email(to="ana@example.org", subject="For Ana")
    queue_email(to="luis@example.org", subject="For Luis")

    listed = StringIO()
    call_command("mailbox", "--list", stdout=listed)
    lines = listed.getvalue().splitlines()
    assert "For Luis" in lines[0] and "For Ana" in lines[1]

    to_ana = StringIO()
    call_command("mailbox", "--to", "ana@example.org", stdout=to_ana)
    assert "Subject: For Ana" in to_ana.getvalue()

    by_id = StringIO()
    call_command("mailbox", str(first.pk), "--html", stdout=by_id)
    assert 'style="color:red"' in by_id.getvalue()

    with pytest.raises(CommandError, match="There is no email"):
        call_command("mailbox", "999999")


def test_the_command_refuses_outside_the_demo(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run without DEBUG"):
        call_command("mailbox")
