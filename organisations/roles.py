"""What staff may do with organisations (portal.roles.sync_roles keeps the groups up to date).

Editors verify organisations and see their details; who belongs to one (names and
addresses) is for the Integrity analysts (integrity.roles), with the answers.
"""

from portal.roles import EDITORS

ANALYSTS = "Integrity analysts"

ORGANISATIONS_GRANTS = {
    EDITORS: ["view_organisation", "verify_organisation"],
    ANALYSTS: ["view_organisation", "view_membership"],
}
