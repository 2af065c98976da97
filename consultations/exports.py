"""Every comment of a consultation as a workbook, for the editors who write the response."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from consultations.models import Comment, Consultation
from observatory.resources import defuse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def paragraph_label(comment: Comment) -> str:
    if comment.paragraph_id is None:
        return _("Whole draft")
    if comment.paragraph.is_removed:
        return _("Removed paragraph")
    return str(comment.paragraph.number or _("Heading"))


def comments_xlsx(consultation: Consultation) -> bytes:
    """One row per comment, whatever its moderation status, in the order of the draft.

    Columns: paragraph, the paragraph's text now, comment, sector, country, organisation,
    date (the site's time zone), moderation status, and whether the paragraph was edited
    after the comment. Cells a spreadsheet would run as a formula are written as text.
    Three queries whatever the number of comments (the workbook is written as it streams).
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Comments")[:31])
    sheet.append([
        _("Paragraph"), _("Paragraph text"), _("Comment"), _("Sector"), _("Country"), _("Organisation"),
        _("Date"), _("Moderation status"), _("Paragraph edited since"),
    ])  # fmt: skip
    paragraphs = {paragraph.pk: paragraph for paragraph in consultation.paragraphs.all()}
    comments = Comment.objects.filter(consultation=consultation).order_by("created_at", "pk")
    rows = []
    for comment in comments.iterator(chunk_size=2000):
        comment.paragraph = paragraphs.get(comment.paragraph_id)
        paragraph = comment.paragraph
        order = (paragraph.is_removed, paragraph.position) if paragraph else (False, -1)
        rows.append((order, comment))
    rows.sort(key=lambda row: row[0])
    for _order, comment in rows:
        sheet.append(
            [
                defuse(paragraph_label(comment)),
                defuse(comment.paragraph.plain_text if comment.paragraph else ""),
                defuse(comment.text),
                str(comment.get_author_sector_display()),
                comment.author_country.name if comment.author_country else "",
                defuse(comment.author_organisation),
                timezone.localtime(comment.created_at).strftime("%Y-%m-%d %H:%M"),
                str(comment.get_status_display()),
                _("yes") if comment.paragraph_changed_since else "",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
