"""What the editorial roles may do with observatories, publications and comments.

Given to the groups by migration 0002 and kept up to date by portal.roles.sync_roles.
"""

from portal.roles import AUTHORS, EDITORS

_PUBLICATION_PARTS = [
    f"{verb}_{model}" for model in ("collaborator", "publicationfile") for verb in ("add", "change", "delete", "view")
]
_OBSERVATORIES = [
    f"{verb}_{model}"
    for model in ("observatory", "partner", "focusarea")
    for verb in ("add", "change", "delete", "view")
]

OBSERVATORY_GRANTS = {
    # Authors write and submit their own draft publications ("own drafts only": portal.services.can_edit).
    AUTHORS: [
        "add_publication", "change_publication", "view_publication",
        *_PUBLICATION_PARTS,
        "view_observatory", "view_partner", "view_focusarea",
    ],
    # Editors publish (publish_publication), maintain the observatories and moderate comments.
    EDITORS: [
        "add_publication", "change_publication", "delete_publication", "view_publication", "publish_publication",
        *_PUBLICATION_PARTS,
        *_OBSERVATORIES,
        "view_comment", "moderate_comment", "view_commentreport",
    ],
}  # fmt: skip

# Indicator data (issue 15), given by migration 0008; migration 0002 keeps the grants above.
INDICATOR_GRANTS = {
    # Authors import a dataset as a draft version and submit it for review.
    AUTHORS: ["add_dataset", "change_dataset", "view_dataset", "view_indicator"],
    # Editors maintain the indicators and publish datasets (publish_dataset).
    EDITORS: [
        "add_indicator", "change_indicator", "delete_indicator", "view_indicator",
        "add_dataset", "change_dataset", "delete_dataset", "view_dataset", "publish_dataset",
    ],
}  # fmt: skip

#: Everything the roles get in this app (portal.roles.sync_roles keeps it in place).
ALL_GRANTS = {role: [*OBSERVATORY_GRANTS[role], *INDICATOR_GRANTS[role]] for role in OBSERVATORY_GRANTS}
