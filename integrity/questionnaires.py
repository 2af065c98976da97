"""Questionnaire versions: publish, copy into a new version, import and export (JSON).

A published version never changes: its sections, questions and options refuse to be saved
or deleted (``ensure_editable``, called by the admin and by every function here), because
assessments answered it. To change a questionnaire, copy its version into a new draft,
edit that, and publish it: the version before is retired (new assessments use the new one;
those already started keep theirs).

The JSON format (docs/integrity.md, "Questionnaire files") carries one version, both
languages of every text: ``{"format": FORMAT, "questionnaire": {...}, "version": {...},
"sections": [{"code", "title", "weight", "questions": [{"code", "text", "guidance",
"weight", "required", "not_applicable", "options": [{"label", "score"}]}]}]}``. An import
is all or nothing: every problem is reported with where it is, and nothing is saved.
"""

import json

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrity.models import Option, Question, Questionnaire, QuestionnaireVersion, Section, code_validator

FORMAT = "pacific-alliance-questionnaire/1"
LANGUAGES = ("en", "es")
Status = QuestionnaireVersion.Status


class QuestionnaireError(Exception):
    """A refused change; ``messages`` lists every problem found."""

    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))


def ensure_editable(version: QuestionnaireVersion) -> None:
    if version.status != Status.DRAFT:
        raise QuestionnaireError(
            _("Version %(number)s is %(status)s: it can no longer change. Make a new version to change it.")
            % {"number": version.number, "status": version.get_status_display().lower()}
        )


# --- Checks ----------------------------------------------------------------------------------


def problems_of(version: QuestionnaireVersion) -> list[str]:
    """What would make ``version`` unfit to be answered (empty when it can be published)."""
    problems = []
    sections = list(version.sections.prefetch_related("questions__options"))
    if not sections:
        problems.append(_("The version has no section."))
    for section in sections:
        questions = list(section.questions.all())
        if not questions:
            problems.append(_("Section “%(section)s” has no question.") % {"section": section.code})
        for question in questions:
            options = list(question.options.all())
            if len(options) < 2:
                problems.append(_("Question %(code)s needs at least two answer options.") % {"code": question.code})
            elif max(option.score for option in options) <= 0:
                problems.append(_("Question %(code)s needs an option with a score above 0.") % {"code": question.code})
    return problems


# --- Moves -----------------------------------------------------------------------------------


def publish_version(*, version: QuestionnaireVersion, actor) -> QuestionnaireVersion:
    """Draft → published; the version published before is retired. Refused while it has problems."""
    with transaction.atomic():
        locked = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
        ensure_editable(locked)
        problems = problems_of(locked)
        if problems:
            raise QuestionnaireError(problems)
        QuestionnaireVersion.objects.filter(questionnaire_id=locked.questionnaire_id, status=Status.PUBLISHED).update(
            status=Status.RETIRED
        )
        locked.status, locked.published_at, locked.published_by = Status.PUBLISHED, timezone.now(), actor
        locked.save(update_fields=["status", "published_at", "published_by"])
    version.refresh_from_db()
    return locked


def next_number(questionnaire) -> int:
    last = questionnaire.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def copy_version(*, version: QuestionnaireVersion) -> QuestionnaireVersion:
    """A new draft with the same content (both languages), numbered after the last version."""
    with transaction.atomic():
        Questionnaire.objects.select_for_update().get(pk=version.questionnaire_id)
        return build_version(version.questionnaire, export_data(version))


# --- JSON -----------------------------------------------------------------------------------


def _texts(instance, name) -> dict:
    return {code: getattr(instance, f"{name}_{code}") or "" for code in LANGUAGES}


def export_data(version: QuestionnaireVersion) -> dict:
    questionnaire = version.questionnaire
    return {
        "format": FORMAT,
        "questionnaire": {"slug": questionnaire.slug, "title": _texts(questionnaire, "title")},
        "version": {
            "number": version.number,
            "status": version.status,
            "title": _texts(version, "title"),
            "introduction": _texts(version, "introduction"),
        },
        "sections": [
            {
                "code": section.code,
                "title": _texts(section, "title"),
                "description": _texts(section, "description"),
                "weight": section.weight,
                "questions": [
                    {
                        "code": question.code,
                        "text": _texts(question, "text"),
                        "guidance": _texts(question, "guidance"),
                        "weight": question.weight,
                        "required": question.is_required,
                        "not_applicable": question.allows_not_applicable,
                        "options": [
                            {"label": _texts(option, "label"), "score": option.score}
                            for option in question.options.all()
                        ],
                    }
                    for question in section.questions.all()
                ],
            }
            for section in version.sections.prefetch_related("questions__options")
        ],
    }


def export_json(version: QuestionnaireVersion) -> str:
    return json.dumps(export_data(version), ensure_ascii=False, indent=2)


class _Reader:
    """Reads the JSON data, collecting every problem with its place instead of stopping at the first."""

    def __init__(self):
        self.problems = []

    def fail(self, where, message):
        self.problems.append(f"{where}: {message}")

    def text(self, data, name, where, *, required=True, limit=None) -> dict:
        value = data.get(name, "")
        if isinstance(value, str):
            value = {"en": value}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            self.fail(where, _('“%(name)s” must be a text or {"en": …, "es": …}.') % {"name": name})
            return {"en": "", "es": ""}
        texts = {code: (value.get(code) or "").strip() for code in LANGUAGES}
        if required and not texts["en"]:
            self.fail(where, _("“%(name)s” needs an English text.") % {"name": name})
        if limit and any(len(text) > limit for text in texts.values()):
            self.fail(where, _("“%(name)s” is longer than %(limit)s characters.") % {"name": name, "limit": limit})
        return texts

    def number(self, data, name, where, *, default, minimum) -> int:
        value = data.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum or value > 1000:
            self.fail(
                where, _("“%(name)s” must be a whole number from %(min)s to 1000.") % {"name": name, "min": minimum}
            )
            return default
        return value

    def code(self, data, where, seen) -> str:
        value = data.get("code")
        if not isinstance(value, str) or len(value) > 40:
            self.fail(where, _("a code of at most 40 characters is required."))
            return ""
        try:
            code_validator(value)
        except Exception:
            self.fail(
                where, _("the code “%(code)s” may only have lower-case letters, digits and hyphens.") % {"code": value}
            )
        if value in seen:
            self.fail(where, _("the code “%(code)s” is used twice.") % {"code": value})
        seen.add(value)
        return value


def parse(data) -> dict:
    """Check imported data; raise QuestionnaireError with every problem, or return it cleaned."""
    reader = _Reader()
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise QuestionnaireError(_("This is not a questionnaire file (format %(format)s).") % {"format": FORMAT})
    head = data.get("questionnaire") if isinstance(data.get("questionnaire"), dict) else {}
    version = data.get("version") if isinstance(data.get("version"), dict) else {}
    slug = head.get("slug")
    if not isinstance(slug, str) or not slug:
        reader.fail("questionnaire", _("a slug is required."))
    clean = {
        "slug": slug,
        "questionnaire_title": reader.text(head, "title", "questionnaire", limit=250),
        "title": reader.text(version, "title", "version", limit=250),
        "introduction": reader.text(version, "introduction", "version", required=False),
        "sections": [],
    }
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        reader.fail("sections", _("at least one section is required."))
        sections = []
    section_codes, question_codes = set(), set()
    for s_index, section in enumerate(sections, start=1):
        where = f"section {s_index}"
        if not isinstance(section, dict):
            reader.fail(where, _("must be an object."))
            continue
        clean_section = {
            "code": reader.code(section, where, section_codes),
            "title": reader.text(section, "title", where, limit=250),
            "description": reader.text(section, "description", where, required=False),
            "weight": reader.number(section, "weight", where, default=1, minimum=1),
            "questions": [],
        }
        questions = section.get("questions")
        if not isinstance(questions, list) or not questions:
            reader.fail(where, _("at least one question is required."))
            questions = []
        for q_index, question in enumerate(questions, start=1):
            q_where = f"{where}, question {q_index}"
            if not isinstance(question, dict):
                reader.fail(q_where, _("must be an object."))
                continue
            clean_question = {
                "code": reader.code(question, q_where, question_codes),
                "text": reader.text(question, "text", q_where),
                "guidance": reader.text(question, "guidance", q_where, required=False),
                "weight": reader.number(question, "weight", q_where, default=1, minimum=1),
                "required": bool(question.get("required", True)),
                "not_applicable": bool(question.get("not_applicable", False)),
                "options": [],
            }
            options = question.get("options")
            if not isinstance(options, list) or len(options) < 2:
                reader.fail(q_where, _("at least two answer options are required."))
                options = []
            for o_index, option in enumerate(options, start=1):
                o_where = f"{q_where}, option {o_index}"
                if not isinstance(option, dict):
                    reader.fail(o_where, _("must be an object."))
                    continue
                clean_question["options"].append(
                    {
                        "label": reader.text(option, "label", o_where, limit=300),
                        "score": reader.number(option, "score", o_where, default=0, minimum=0),
                    }
                )
            if clean_question["options"] and max(o["score"] for o in clean_question["options"]) <= 0:
                reader.fail(q_where, _("an option with a score above 0 is required."))
            clean_section["questions"].append(clean_question)
        clean["sections"].append(clean_section)
    if reader.problems:
        raise QuestionnaireError(reader.problems)
    return clean


def _localised(texts: dict, name: str) -> dict:
    return {f"{name}_{code}": texts.get(code) or "" for code in LANGUAGES}


def build_version(questionnaire: Questionnaire, data: dict) -> QuestionnaireVersion:
    """A new draft version of ``questionnaire`` from exported or imported data (checked first)."""
    clean = parse(data)
    with transaction.atomic():
        version = QuestionnaireVersion.objects.create(
            questionnaire=questionnaire,
            number=next_number(questionnaire),
            **_localised(clean["title"], "title"),
            **_localised(clean["introduction"], "introduction"),
        )
        for s_position, section_data in enumerate(clean["sections"]):
            section = Section.objects.create(
                version=version,
                code=section_data["code"],
                position=s_position,
                weight=section_data["weight"],
                **_localised(section_data["title"], "title"),
                **_localised(section_data["description"], "description"),
            )
            for q_position, question_data in enumerate(section_data["questions"]):
                question = Question.objects.create(
                    section=section,
                    version=version,
                    code=question_data["code"],
                    position=q_position,
                    weight=question_data["weight"],
                    is_required=question_data["required"],
                    allows_not_applicable=question_data["not_applicable"],
                    **_localised(question_data["text"], "text"),
                    **_localised(question_data["guidance"], "guidance"),
                )
                Option.objects.bulk_create(
                    Option(
                        question=question,
                        position=o_position,
                        score=option["score"],
                        **_localised(option["label"], "label"),
                    )
                    for o_position, option in enumerate(question_data["options"])
                )
    return version


def import_json(text: str | bytes, *, questionnaire: Questionnaire | None = None) -> QuestionnaireVersion:
    """Import a file as a new draft version (creating the questionnaire when its slug is new)."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise QuestionnaireError(_("The file is not valid JSON (%(error)s).") % {"error": error}) from None
    clean = parse(data)
    with transaction.atomic():
        if questionnaire is None:
            questionnaire, _created = Questionnaire.objects.get_or_create(
                slug=clean["slug"], defaults=_localised(clean["questionnaire_title"], "title")
            )
        elif clean["slug"] != questionnaire.slug:
            raise QuestionnaireError(
                _("This file is for the questionnaire “%(slug)s”, not this one.") % {"slug": clean["slug"]}
            )
        Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        return build_version(questionnaire, data)
