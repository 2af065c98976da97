"""What the editorial roles may do with the procurement data (migration 0002; portal.roles.sync_roles keeps it).

Importing a file makes a dataset version, so it needs the framework's ``observatory.add_dataset``
(authors and editors); publishing it needs ``observatory.publish_dataset`` (editors).
"""

from portal.roles import AUTHORS, EDITORS

PROCUREMENT_GRANTS = {
    # Authors import (a draft version) and read the imports' reports and the rates.
    AUTHORS: ["view_procurementimport", "view_exchangerate"],
    # Editors also keep the yearly exchange rates.
    EDITORS: [
        "view_procurementimport",
        "add_exchangerate", "change_exchangerate", "delete_exchangerate", "view_exchangerate",
    ],
}  # fmt: skip
