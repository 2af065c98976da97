"""The attendance certificate as a PDF (portal.pdf: fpdf2 with DejaVu Sans), in the language
it was issued in, with its verification code and the page where anyone can check it."""

from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from events.models import Certificate
from portal.pdf import Document


def render(certificate: Certificate) -> bytes:
    with translation.override(certificate.language):
        pdf = Document(title=_("Certificate of attendance"), language=certificate.language)
        if certificate.registration.event.is_demo:
            pdf.notice(_("Demo certificate: issued for a demo event of the portal, not a real attendance."))
        pdf.heading(_("Certificate of attendance"), level=1)
        pdf.paragraph(_("This certifies that"))
        pdf.heading(certificate.holder_name, level=2)
        mode = certificate.get_attendance_display().lower()
        pdf.paragraph(
            _("attended “%(event)s” (%(mode)s).") % {"event": certificate.event_title, "mode": mode}, bold=True
        )
        start, end = certificate.local_start, certificate.local_end
        if start.date() == end.date():
            when = f"{formats.date_format(start, 'DATE_FORMAT')}, {start:%H:%M}–{end:%H:%M}"
        else:
            when = f"{formats.date_format(start, 'DATE_FORMAT')} – {formats.date_format(end, 'DATE_FORMAT')}"
        pdf.table(
            [_("Date"), _("Duration"), _("Organised by")],
            [
                [
                    f"{when} ({certificate.time_zone})",
                    _("%(hours)s hours") % {"hours": formats.number_format(certificate.hours, 1)},
                    certificate.organiser,
                ]
            ],
            widths=[70, 30, 80],
        )
        verify_url = settings.SITE_URL + reverse("events:certificate_lookup")
        pdf.paragraph(_("Verification code: %(code)s") % {"code": certificate.code_shown}, bold=True)
        pdf.small(
            _(
                "Anyone can check this certificate at %(url)s with its code. "
                "Issued on %(date)s by the Pacific Alliance portal."
            )
            % {"url": verify_url, "date": formats.date_format(certificate.issued_at, "DATE_FORMAT")}
        )
        return pdf.output()
