"""The editorial workflow: one service function per move, shared by every publishable type.

    draft ──submit──▶ in review ──publish──▶ published ──archive──▶ archived
      ▲                  │                     │   (future time = scheduled)
      └─request changes──┘                     │
      ▲────────────────unpublish───────────────┘
      ▲────────────────reopen─────────────────────────────────────── archived

Authors (the model's ``add``/``change`` permissions) write and submit their own drafts.
Editors (the model's ``publish_<model>`` permission) may do every move and edit anything.
Each move locks the item's row, checks the move and the actor's right to make it, saves a
revision, records a WorkflowEvent and, after commit, enqueues the notification email.
Views, admin and commands call these functions; none of them sets ``status`` itself.
"""

from dataclasses import dataclass
from datetime import datetime

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reversion.models import Version

from portal.editors import is_editor
from portal.models import Publishable, Status, WorkflowEvent
from portal.tasks import send_workflow_notification

Action = WorkflowEvent.Action


class WorkflowError(Exception):
    """A workflow move was refused; ``str(error)`` is the message to show the user."""


class InvalidTransition(WorkflowError):
    pass


class NotAllowed(WorkflowError):
    pass


@dataclass(frozen=True)
class Move:
    sources: frozenset
    target: Status
    editors_only: bool = True


MOVES = {
    Action.SUBMIT: Move(frozenset({Status.DRAFT}), Status.IN_REVIEW, editors_only=False),
    Action.REQUEST_CHANGES: Move(frozenset({Status.IN_REVIEW}), Status.DRAFT),
    Action.PUBLISH: Move(frozenset({Status.DRAFT, Status.IN_REVIEW}), Status.PUBLISHED),
    Action.UNPUBLISH: Move(frozenset({Status.PUBLISHED}), Status.DRAFT),
    Action.ARCHIVE: Move(frozenset({Status.PUBLISHED, Status.DRAFT}), Status.ARCHIVED),
    Action.REOPEN: Move(frozenset({Status.ARCHIVED}), Status.DRAFT),
}


# --- Who may do what ----------------------------------------------------------------------


def _is_own_draft(user, item) -> bool:
    return item.author_id is not None and item.author_id == user.pk and item.status == Status.DRAFT


def can_edit(user, item: Publishable) -> bool:
    """Editors edit anything; authors edit only their own drafts."""
    if is_editor(user, type(item)):
        return True
    opts = item._meta
    return bool(
        user.is_active and user.has_perm(f"{opts.app_label}.change_{opts.model_name}") and _is_own_draft(user, item)
    )


def can_preview(user, item: Publishable) -> bool:
    """Staff who may edit an item, or view it in the admin, may see it before it is public."""
    if not (user.is_authenticated and user.is_staff):
        return False
    opts = item._meta
    return can_edit(user, item) or user.has_perm(f"{opts.app_label}.view_{opts.model_name}")


def can_move(user, item: Publishable, action: str) -> bool:
    move = MOVES[action]
    if item.status not in move.sources:
        return False
    if is_editor(user, type(item)):
        return True
    return not move.editors_only and can_edit(user, item)


def available_actions(user, item: Publishable) -> list[str]:
    return [action for action in MOVES if can_move(user, item, action)]


# --- Moves --------------------------------------------------------------------------------


def submit_for_review(*, item: Publishable, actor, comment: str = "") -> WorkflowEvent:
    """Draft → in review. The author (or an editor) asks editors to publish the item."""
    return _move(item=item, actor=actor, action=Action.SUBMIT, comment=comment)


def request_changes(*, item: Publishable, actor, comment: str) -> WorkflowEvent:
    """In review → draft, with a comment telling the author what to change (required)."""
    if not (comment or "").strip():
        raise InvalidTransition(_("Say what needs to change: a comment is required."))
    return _move(item=item, actor=actor, action=Action.REQUEST_CHANGES, comment=comment)


def publish(*, item: Publishable, actor, at: datetime | None = None, comment: str = "") -> WorkflowEvent:
    """Draft or in review → published, now or at ``at`` (a future time schedules it).

    A past ``at`` back-dates the publication (used for archives of earlier news).
    """
    when = at or timezone.now()
    if timezone.is_naive(when):
        raise InvalidTransition(_("The publication time must include a time zone."))
    action = Action.SCHEDULE if when > timezone.now() else Action.PUBLISH
    return _move(item=item, actor=actor, action=Action.PUBLISH, comment=comment, published_at=when, record_as=action)


def unpublish(*, item: Publishable, actor, comment: str = "") -> WorkflowEvent:
    """Published (live or scheduled) → draft: the item leaves every public surface."""
    return _move(item=item, actor=actor, action=Action.UNPUBLISH, comment=comment)


def archive(*, item: Publishable, actor, comment: str = "") -> WorkflowEvent:
    """Published or draft → archived: kept for the record, no longer public."""
    return _move(item=item, actor=actor, action=Action.ARCHIVE, comment=comment)


def reopen(*, item: Publishable, actor, comment: str = "") -> WorkflowEvent:
    """Archived → draft, to work on it again."""
    return _move(item=item, actor=actor, action=Action.REOPEN, comment=comment)


def restore_revision(*, item: Publishable, version: Version, actor, comment: str = "") -> WorkflowEvent:
    """Bring back the content of an earlier revision; the workflow state is left as it is.

    Only someone who may edit the item may restore it, and the version must be one of
    this item's own. An item that has been public keeps its address (slug): a revision from
    before its publication brings back its content, not its old URL. The restore is itself
    saved as a new revision.
    """
    model = type(item)
    with transaction.atomic():
        locked = model._base_manager.select_for_update().get(pk=item.pk)
        if not can_edit(actor, locked):
            raise NotAllowed(_("You may not edit this item, so you cannot restore a revision of it."))
        if version.content_type_id != ContentType.objects.get_for_model(model).pk or str(version.object_id) != str(
            locked.pk
        ):
            raise InvalidTransition(_("That revision belongs to another item."))
        kept = {name: getattr(locked, name) for name in model.WORKFLOW_FIELDS}
        if locked.first_published_at is not None:
            kept[model.SLUG_FIELD] = getattr(locked, model.SLUG_FIELD)
        with reversion.create_revision():
            try:
                with transaction.atomic():
                    version.revision.revert(delete=True)
            except IntegrityError as error:  # e.g. its old slug is another item's now
                raise InvalidTransition(
                    _("This revision cannot be restored: another item now uses its address.")
                ) from error
            restored = model._base_manager.get(pk=item.pk)
            for name, value in kept.items():
                setattr(restored, name, value)
            restored.save()
            reversion.set_user(actor)
            reversion.set_comment(
                _("Restored the revision of %(date)s") % {"date": f"{version.revision.date_created:%Y-%m-%d %H:%M}"}
            )
        event = _record(
            item=restored,
            actor=actor,
            action=Action.RESTORE,
            source=locked.status,
            target=locked.status,
            comment=comment,
        )
    item.refresh_from_db()
    return event


def _move(*, item, actor, action, comment="", published_at=None, record_as=None) -> WorkflowEvent:
    model = type(item)
    move = MOVES[action]
    with transaction.atomic():
        # Lock the row so two editors cannot move the same item at once.
        locked = model._base_manager.select_for_update().get(pk=item.pk)
        if locked.status not in move.sources:
            raise InvalidTransition(
                _("“%(item)s” is %(status)s; it cannot be %(action)s.")
                % {
                    "item": locked,
                    "status": locked.get_status_display().lower(),
                    "action": Action(record_as or action).label.lower(),
                }
            )
        if not can_move(actor, locked, action):
            raise NotAllowed(
                _("You are not allowed to do this: only editors can %(action)s.") % {"action": _action_verb(action)}
            )
        source = locked.status
        locked.status = move.target
        fields = ["status", "updated_at"]
        if move.target == Status.PUBLISHED:
            locked.published_at = published_at
            fields.append("published_at")
            if locked.first_published_at is None:
                locked.first_published_at = published_at
                fields.append("first_published_at")
        with reversion.create_revision():
            locked.save(update_fields=fields)
            reversion.set_user(actor)
            reversion.set_comment(str(Action(record_as or action).label))
        event = _record(
            item=locked, actor=actor, action=record_as or action, source=source, target=move.target, comment=comment
        )
    item.refresh_from_db()
    return event


def _record(*, item, actor, action, source, target, comment) -> WorkflowEvent:
    event = WorkflowEvent.objects.create(
        content_type=ContentType.objects.get_for_model(type(item)),
        object_id=item.pk,
        action=action,
        from_status=source,
        to_status=target,
        actor=actor,
        comment=(comment or "").strip(),
    )
    transaction.on_commit(lambda: send_workflow_notification.enqueue(event.pk))
    return event


def _action_verb(action) -> str:
    return {
        Action.SUBMIT: _("submit it for review"),
        Action.REQUEST_CHANGES: _("request changes"),
        Action.PUBLISH: _("publish or schedule"),
        Action.UNPUBLISH: _("unpublish"),
        Action.ARCHIVE: _("archive"),
        Action.REOPEN: _("reopen archived items"),
    }[action]
