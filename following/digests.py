"""Digests: what was published in a period that matches what each person follows, sent once each.

**What goes in.** Each app's digest sections (following.registry) give the period's items with
their tags; a subscriber gets the items one of whose tags they follow (every item when they
follow everything), at most ``SECTION_LIMIT`` per section. Nothing matched: nothing is sent and
nothing is written.

**Work done once.** The sections are collected once per run and process (a fixed number of
queries whatever the number of subscribers), and everything that is the same for everyone who
reads a language (each item's HTML and text, the section headings, the frame of the email) is
rendered once per language; a subscriber's email is those pieces joined, with their personal
links put in. A batch of subscribers reads them, their follows and the digests already written
in a few queries.

**Exactly once.** In one transaction per batch: the batch's subscribers are locked, those with
a Digest row for this run are left out, and for the others the Digest rows (unique per run and
subscriber) and the emails (outbox keys ``following.digest:<run>:<subscriber>``) are written
together; the outbox delivers after commit. A batch run twice, or by a second worker after the
first was killed, finds the work done; one killed before its commit left nothing, and runs
again (portal.workers puts its task back).
"""

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation

from following import registry, tokens
from following.models import Digest, DigestRun, Follow, Subscriber
from portal import outbox

logger = logging.getLogger(__name__)

#: Items of one section in one digest, at most (the newest first); the web version has the same.
SECTION_LIMIT = 20
#: Markers in the frame rendered once per language, replaced per subscriber.
SECTIONS, UNSUBSCRIBE, MANAGE, WEB_VERSION = "@@SECTIONS@@", "@@UNSUBSCRIBE@@", "@@MANAGE@@", "@@WEB@@"


# --- What the period holds --------------------------------------------------------------------


@dataclass
class Section:
    section: registry.DigestSection
    items: list


def collect(period: registry.Period, *, only: dict | None = None) -> list[Section]:
    """Every section's items for ``period`` (or, with ``only``, the items a digest held), with the
    tags other apps add for them. Queries: each section's own, plus one per registered tagger."""
    found = []
    for section in registry.digest_sections():
        wanted = None if only is None else only.get(section.key) or []
        if only is not None and not wanted:
            continue
        items = section.collect(period, wanted)
        by_model: dict[str, list] = {}
        for item in items:
            by_model.setdefault(item.obj._meta.label_lower, []).append(item)
        for label, same in by_model.items():
            extra = registry.extra_tags(label, [item.obj.pk for item in same])
            for item in same:
                item.tags.update(extra.get(item.obj.pk, ()))
        if items:
            found.append(Section(section, items))
    return found


def matching(sections: list[Section], follows: set[str], everything: bool) -> list[Section]:
    chosen = []
    for part in sections:
        items = [item for item in part.items if everything or item.tags & follows]
        if items:
            chosen.append(Section(part.section, items[:SECTION_LIMIT]))
    return chosen


def follow_tags(user_ids) -> dict[int, set[str]]:
    """``{user id: {tag, …}}`` of everything these people follow, in one query."""
    tags: dict[int, set[str]] = {}
    labels = {}
    for user_id, content_type_id, object_id in Follow.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "content_type_id", "object_id"
    ):
        if content_type_id not in labels:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            labels[content_type_id] = model._meta.label_lower if model else ""
        tags.setdefault(user_id, set()).add(registry.tag_of(labels[content_type_id], object_id))
    return tags


# --- Rendered once per language ------------------------------------------------------------------


@dataclass
class Rendered:
    subject: str
    frame_html: str
    frame_text: str
    headings_html: dict = field(default_factory=dict)  # section key → heading
    headings_text: dict = field(default_factory=dict)
    items_html: dict = field(default_factory=dict)  # (section key, pk) → the item's block
    items_text: dict = field(default_factory=dict)


def period_label(period: registry.Period) -> str:
    """ "3 March 2025 – 9 March 2025" in the active language (the end is exclusive)."""
    first = timezone.localtime(period.start).date()
    last = timezone.localtime(period.end - timedelta(seconds=1)).date()
    if first == last:
        return formats.date_format(first, "DATE_FORMAT")
    return f"{formats.date_format(first, 'DATE_FORMAT')} – {formats.date_format(last, 'DATE_FORMAT')}"


def render_language(sections: list[Section], period: registry.Period, language: str) -> Rendered:
    with translation.override(language):
        context = {
            "period_label": period_label(period),
            "frequency": period.frequency,
            "sections_html": SECTIONS,
            "unsubscribe_url": UNSUBSCRIBE,
            "manage_url": MANAGE,
            "web_url": WEB_VERSION,
            "SITE_URL": settings.SITE_URL,
            "LANGUAGE_CODE": language,
        }
        rendered = Rendered(
            subject=" ".join(render_to_string("following/email/digest_subject.txt", context).split()),
            frame_html=render_to_string("following/email/digest.html", context),
            frame_text=render_to_string("following/email/digest.txt", context),
        )
        for part in sections:
            key = part.section.key
            rendered.headings_html[key] = render_to_string(
                "following/email/digest_section.html", {"label": part.section.label}
            )
            rendered.headings_text[key] = str(part.section.label).upper()
            for item in part.items:
                item_context = {"item": item.obj, "SITE_URL": settings.SITE_URL, "period_end": period.end}
                rendered.items_html[key, item.obj.pk] = render_to_string(
                    part.section.template, {**item_context, "format": "email"}
                )
                rendered.items_text[key, item.obj.pk] = render_to_string(
                    part.section.template, {**item_context, "format": "text"}
                ).strip()
    return rendered


class RunContent:
    """A run's sections and their renderings, kept by this process for the run's batches."""

    def __init__(self, run: DigestRun):
        self.run = run
        self.period = registry.Period(run.period_start, run.period_end, run.frequency)
        self.sections = collect(self.period)
        self._languages: dict[str, Rendered] = {}

    def rendered(self, language: str) -> Rendered:
        if language not in self._languages:
            self._languages[language] = render_language(self.sections, self.period, language)
        return self._languages[language]


_contents: OrderedDict[int, RunContent] = OrderedDict()


def content_for(run: DigestRun) -> RunContent:
    if run.pk not in _contents:
        _contents[run.pk] = RunContent(run)
        while len(_contents) > 4:
            _contents.popitem(last=False)
    return _contents[run.pk]


def forget_contents() -> None:
    _contents.clear()


# --- One subscriber's email ----------------------------------------------------------------------


def personal_urls(subscriber: Subscriber, run: DigestRun, language: str) -> dict:
    token = tokens.subscriber_token(subscriber)
    with translation.override(language):
        unsubscribe = settings.SITE_URL + reverse("following:unsubscribe", args=[token])
        web = settings.SITE_URL + reverse("following:digest_web", args=[tokens.digest_token(run.pk, subscriber)])
        manage = (
            settings.SITE_URL + reverse("following:manage")
            if subscriber.user_id
            else settings.SITE_URL + reverse("following:unsubscribe", args=[token])
        )
    return {UNSUBSCRIBE: unsubscribe, MANAGE: manage, WEB_VERSION: web}


def compose(subscriber: Subscriber, run: DigestRun, chosen: list[Section], rendered: Rendered, language: str):
    """The email of one subscriber, from the pieces rendered for their language."""
    urls = personal_urls(subscriber, run, language)
    html_parts, text_parts = [], []
    for part in chosen:
        key = part.section.key
        html_parts.append(rendered.headings_html[key])
        html_parts.extend(rendered.items_html[key, item.obj.pk] for item in part.items)
        text_parts.append(
            "\n".join([rendered.headings_text[key], *(rendered.items_text[key, item.obj.pk] for item in part.items)])
        )
    # One block per line: each line is quoted-printable-encoded once per process (portal.mime).
    html = rendered.frame_html.replace(SECTIONS, "\n".join(html_parts))
    text = rendered.frame_text.replace(SECTIONS, "\n\n".join(text_parts))
    for marker, url in urls.items():
        html = html.replace(marker, url)
        text = text.replace(marker, url)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=text,
        to=[subscriber.address],
        headers={
            # RFC 2369 and RFC 8058: one-click unsubscribe, by a POST that needs no session.
            "List-Unsubscribe": f"<{urls[UNSUBSCRIBE]}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{settings.DIGEST_LIST_NAME} <{settings.DIGEST_LIST_ID}>",
            "Auto-Submitted": "auto-generated",
            "Precedence": "bulk",
            "Content-Language": language,
        },
    )
    message.attach_alternative(html, "text/html")
    return message


# --- A batch of subscribers ------------------------------------------------------------------------


def send_batch(run_id: int, subscriber_ids: list[int]) -> int:
    """The digests of these subscribers for this run, once each (see the module's docstring)."""
    run = DigestRun.objects.filter(pk=run_id).first()
    if run is None:
        return 0
    content = content_for(run)
    if not content.sections:
        return 0
    with transaction.atomic():
        subscribers = list(
            Subscriber.objects.select_for_update(of=("self",))
            .filter(pk__in=list(subscriber_ids), frequency=run.frequency)
            .exclude(digests__run=run)
            .select_related("user__profile")
            .order_by("pk")
        )
        subscribers = [s for s in subscribers if s.user_id is None or s.user.is_active]
        follows = follow_tags(s.user_id for s in subscribers if s.user_id)
        digests, items = [], []
        for subscriber in subscribers:
            chosen = matching(content.sections, follows.get(subscriber.user_id, set()), subscriber.follows_everything)
            if not chosen:
                continue
            language = subscriber.recipient_language
            try:
                message = compose(subscriber, run, chosen, content.rendered(language), language)
            except Exception:
                logger.exception("The digest of subscriber %s could not be written; it is skipped.", subscriber.pk)
                continue
            held = {part.section.key: [item.obj.pk for item in part.items] for part in chosen}
            digests.append(
                Digest(run=run, subscriber=subscriber, items=held, item_count=sum(len(v) for v in held.values()))
            )
            items.append(
                (
                    message,
                    {
                        "kind": "following.digest",
                        "topic": f"following.subscriber:{subscriber.pk}",
                        "key": f"following.digest:{run.pk}:{subscriber.pk}",
                    },
                )
            )
        if not digests:
            return 0
        Digest.objects.bulk_create(digests, batch_size=1000)
        rows = outbox.queue_many(items)
    outbox.deliver_on_commit(rows)
    return len(rows)


# --- The web version -------------------------------------------------------------------------------


def web_sections(digest: Digest) -> list[Section]:
    """What a digest held, as it is now (an item unpublished since is left out)."""
    run = digest.run
    period = registry.Period(run.period_start, run.period_end, run.frequency)
    return collect(period, only=digest.items)
