"""What the editorial roles may do with consultations (given by migration, kept by portal.roles.sync_roles)."""

from portal.roles import AUTHORS, EDITORS

CONSULTATION_GRANTS = {
    # Authors prepare consultations as drafts and submit them ("own drafts only": portal.services.can_edit).
    AUTHORS: ["add_consultation", "change_consultation", "view_consultation", "view_paragraph"],
    # Editors publish consultations and their responses (publish_consultation), write the responses
    # per paragraph, moderate the comments and export them.
    EDITORS: [
        "add_consultation", "change_consultation", "delete_consultation", "view_consultation",
        "publish_consultation", "change_paragraph", "view_paragraph",
        "view_comment", "moderate_comment", "view_commentreport",
    ],
}  # fmt: skip
