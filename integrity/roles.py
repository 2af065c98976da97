"""What the roles may do in the integrity app (portal.roles.sync_roles keeps the groups up to date).

Editors manage the initiatives (editorial workflow) and the questionnaires, and read the
aggregated staff dashboard. Organisations' own answers are for the **Integrity analysts**
(``view_assessment_answers``), who also reopen submitted assessments with a reason.
"""

from organisations.roles import ANALYSTS
from portal.roles import AUTHORS, EDITORS

_INITIATIVE_PARTS = [
    f"{verb}_{model}"
    for model in ("initiativepartner", "initiativesource")
    for verb in ("add", "change", "delete", "view")
]
_QUESTIONNAIRES = [
    f"{verb}_{model}"
    for model in ("questionnaire", "questionnaireversion", "section", "question", "option", "pledgeversion")
    for verb in ("add", "change", "delete", "view")
]

INTEGRITY_GRANTS = {
    AUTHORS: ["add_initiative", "change_initiative", "view_initiative", *_INITIATIVE_PARTS],
    EDITORS: [
        "add_initiative", "change_initiative", "delete_initiative", "view_initiative", "publish_initiative",
        *_INITIATIVE_PARTS,
        *_QUESTIONNAIRES,
        "view_pledgesignature", "view_assessment", "view_benchmarkstat",
    ],
    ANALYSTS: [
        "view_assessment", "view_assessment_answers", "reopen_assessment", "view_answeraccess",
        "view_assessmentreopening", "view_benchmarkstat", "view_pledgesignature",
    ],
}  # fmt: skip
