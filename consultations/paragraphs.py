"""A draft split into numbered paragraphs, and each paragraph's identity kept across edits.

**Splitting.** The draft is rich text, sanitised by portal.richtext. Each top-level paragraph,
quotation and list item is one numbered paragraph; a heading is kept for the reader but is not
numbered and takes no comment; a horizontal rule is dropped; loose text is one paragraph. A
list inside a list item stays inside that item.

**Matching an edit to the paragraphs there were (the rule).** When the draft is saved, its new
blocks are matched, in order, to the consultation's paragraphs:

1. Unchanged blocks keep their paragraph: the longest sequence of blocks whose text (tags
   removed, spaces collapsed) is unchanged, in order (difflib.SequenceMatcher over the texts).
2. Between two unchanged stretches, an edited block keeps the paragraph of that gap it most
   resembles, when they share at least ``MATCH_THRESHOLD`` of their words (difflib's ratio over
   the words), in order, a paragraph at most once. Its ``changed_at`` is set: a comment posted
   before says that the paragraph changed after it.
3. A block whose text is exactly that of a paragraph not matched yet, or of one removed
   earlier, takes that paragraph (a moved or restored paragraph keeps its comments).
4. Any other block is a new paragraph, with a new key. A paragraph no block took is deleted
   when nobody commented on it, else kept as "removed from the draft" with its comments.

The English draft (the site's language) decides the structure; the Spanish one is aligned with
it by position (Consultation.clean requires the same number of blocks in both).
"""

import re
import secrets
from dataclasses import dataclass
from difflib import SequenceMatcher
from html import escape, unescape
from html.parser import HTMLParser

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.richtext import sanitize_html

#: Share of words two versions of a paragraph must have in common to count as the same paragraph.
MATCH_THRESHOLD = 0.5

PARAGRAPH, ITEM, NUMBERED_ITEM, QUOTE, HEADING = "paragraph", "item", "numbered_item", "quote", "heading"
_BLOCKS = {"p": PARAGRAPH, "blockquote": QUOTE, "h2": HEADING, "h3": HEADING, "h4": HEADING}
_VOID = {"br", "hr"}
_BLOCK_TAGS = re.compile(r"</?(?:p|li|ul|ol|br|hr|h[1-6]|blockquote)\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


@dataclass
class Block:
    kind: str
    html: str  # the inner HTML, sanitised
    level: int = 0  # a heading's level
    ordinal: int = 0  # a numbered list item's number in its list

    @property
    def text(self) -> str:
        return plain_text(self.html)


def plain_text(html: str) -> str:
    """The words of ``html``: tags removed, entities decoded, spaces collapsed."""
    return _SPACES.sub(" ", unescape(_TAGS.sub("", _BLOCK_TAGS.sub(" ", html or "")))).strip()


class _Splitter(HTMLParser):
    """Walks sanitised HTML once and cuts it into blocks, re-writing each block's inner HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.depth = 0  # open elements
        self.current: list[str] | None = None  # the inner HTML of the block being read
        self.block_depth = 0  # depth at which the current block's element was opened
        self.block_kind = PARAGRAPH
        self.block_level = 0
        self.block_ordinal = 0
        self.implicit = False  # loose text at the top, made a paragraph
        self.list_kind = None  # the top-level list being read: ITEM or NUMBERED_ITEM
        self.list_counter = 0

    # -- Blocks -------------------------------------------------------------------------

    def _open_block(self, kind, *, level=0, ordinal=0, implicit=False):
        self.current, self.block_kind, self.block_level = [], kind, level
        self.block_ordinal, self.implicit, self.block_depth = ordinal, implicit, self.depth

    def _close_block(self):
        html = sanitize_html("".join(self.current or [])).strip()
        if plain_text(html):
            self.blocks.append(Block(self.block_kind, html, self.block_level, self.block_ordinal))
        self.current, self.implicit = None, False

    # -- Parser callbacks -----------------------------------------------------------------

    def handle_starttag(self, tag, attrs):
        if self.current is not None and self.implicit and self.depth == 0 and (tag in _BLOCKS or tag in {"ul", "ol"}):
            self._close_block()
        if self.current is None:
            if self.depth == 0 and tag in _BLOCKS:
                self._open_block(_BLOCKS[tag], level=int(tag[1]) if tag.startswith("h") else 0)
                self.depth += 1
                return
            if self.depth == 0 and tag in {"ul", "ol"}:
                self.list_kind = NUMBERED_ITEM if tag == "ol" else ITEM
                start = dict(attrs).get("start") or "1"
                self.list_counter = (int(start) if start.isdigit() else 1) - 1
                self.depth += 1
                return
            if self.depth == 1 and self.list_kind and tag == "li":
                self.list_counter += 1
                self._open_block(self.list_kind, ordinal=self.list_counter)
                self.depth += 1
                return
            if tag in _VOID:
                return
            self._open_block(PARAGRAPH, implicit=True)  # inline markup outside any block
        self.current.append(_start_tag(tag, attrs))
        if tag not in _VOID:
            self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if self.current is not None:
            self.current.append(_start_tag(tag, attrs))

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        self.depth = max(self.depth - 1, 0)
        if self.current is not None and not self.implicit and self.depth == self.block_depth:
            self._close_block()  # the block's own element closes (its tag is not kept)
            return
        if self.current is not None:
            self.current.append(f"</{tag}>")
            if self.implicit and self.depth == 0 and tag in _BLOCKS:
                self._close_block()
            return
        if self.depth == 0:
            self.list_kind = None

    def handle_data(self, data):
        if self.current is None:
            if not data.strip() or self.depth > 0:
                return
            self._open_block(PARAGRAPH, implicit=True)
        self.current.append(escape(data, quote=False))

    def close(self):
        super().close()
        if self.current is not None:
            self._close_block()


def _start_tag(tag: str, attrs) -> str:
    written = "".join(f' {name}="{escape(value or "", quote=True)}"' for name, value in attrs)
    return f"<{tag}{written}>"


def split(html: str) -> list[Block]:
    """The blocks of a draft, in order (see the module's docstring)."""
    splitter = _Splitter()
    splitter.feed(sanitize_html(html or ""))
    splitter.close()
    return splitter.blocks


# --- Matching ---------------------------------------------------------------------------------


def similarity(old: str, new: str) -> float:
    """Share of words in common, in order (0 to 1)."""
    matcher = SequenceMatcher(None, old.split(), new.split(), autojunk=False)
    if matcher.real_quick_ratio() < MATCH_THRESHOLD or matcher.quick_ratio() < MATCH_THRESHOLD:
        return 0.0
    return matcher.ratio()


def match(old: list[tuple[str, str]], new: list[str], *, removed: dict[str, str] | None = None):
    """For each text of ``new``, the key of the old paragraph it continues (or None), and the
    keys whose text changed. ``old`` is the current paragraphs as (key, text), in order;
    ``removed`` the paragraphs removed earlier, key → text (steps 1 to 3 of the rule)."""
    old_texts = [text for _key, text in old]
    keys: list[str | None] = [None] * len(new)
    changed: set[str] = set()
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_texts, new, autojunk=False).get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                keys[j1 + offset] = old[i1 + offset][0]
        elif tag == "replace":
            first = i1  # matches keep the order: never before the previous match
            for j in range(j1, j2):
                best, best_score = None, MATCH_THRESHOLD
                for i in range(first, i2):
                    score = similarity(old_texts[i], new[j])
                    if score >= best_score and (best is None or score > best_score):
                        best, best_score = i, score
                if best is not None:
                    keys[j] = old[best][0]
                    changed.add(old[best][0])
                    first = best + 1
    taken = {key for key in keys if key}
    spare = {text: key for key, text in reversed(old) if key not in taken}
    for key, text in (removed or {}).items():
        spare.setdefault(text, key)
    for j, text in enumerate(new):
        if keys[j] is None and text in spare and spare[text] not in taken:
            keys[j] = spare[text]
            taken.add(keys[j])
    return keys, changed


def new_key(taken: set[str]) -> str:
    while True:
        key = secrets.token_hex(4)
        if key not in taken:
            taken.add(key)
            return key


# --- Keeping a consultation's paragraphs in step with its draft -----------------------------


def languages() -> list[str]:
    """The site's language first: its draft decides the structure."""
    codes = [code for code, _name in settings.LANGUAGES]
    return [settings.LANGUAGE_CODE, *(code for code in codes if code != settings.LANGUAGE_CODE)]


def sync(consultation, *, paragraph_model, now=None) -> None:
    """Split the consultation's draft and match it to its paragraphs (see the module's docstring).

    Runs in one transaction with the paragraphs locked; a fixed number of queries whatever the
    number of paragraphs (one read, one bulk update, one bulk insert, one delete, one check
    for comments).
    """
    now = now or timezone.now()
    codes = languages()
    drafts = {code: split(getattr(consultation, f"document_{code}", None) or "") for code in codes}
    structure = next((code for code in codes if drafts[code]), codes[0])
    blocks = drafts[structure]
    with transaction.atomic():
        existing = list(
            paragraph_model.objects.select_for_update().filter(consultation=consultation).order_by("position", "pk")
        )
        live = [paragraph for paragraph in existing if not paragraph.is_removed]
        by_key = {paragraph.key: paragraph for paragraph in existing}
        keys, _changed = match(
            [(paragraph.key, plain_text(getattr(paragraph, f"html_{structure}") or "")) for paragraph in live],
            [block.text for block in blocks],
            removed={
                paragraph.key: plain_text(getattr(paragraph, f"html_{structure}") or "")
                for paragraph in existing
                if paragraph.is_removed
            },
        )
        taken = set(by_key)
        kept, created, number = [], [], 0
        for position, (block, key) in enumerate(zip(blocks, keys, strict=True)):
            paragraph = by_key.get(key) if key else None
            if paragraph is None:
                paragraph = paragraph_model(consultation=consultation, key=new_key(taken))
                created.append(paragraph)
            else:
                kept.append(paragraph)
                before = [plain_text(getattr(paragraph, f"html_{code}") or "") for code in codes]
            paragraph.position = position
            paragraph.kind = block.kind
            paragraph.heading_level = block.level
            paragraph.list_number = block.ordinal
            if block.kind == HEADING:
                paragraph.number = None
            else:
                number += 1
                paragraph.number = number
            for code in codes:
                aligned = drafts[code][position] if position < len(drafts[code]) else None
                setattr(paragraph, f"html_{code}", aligned.html if aligned else None)
            if paragraph.pk and not paragraph.is_removed:
                after = [plain_text(getattr(paragraph, f"html_{code}") or "") for code in codes]
                if after != before:
                    paragraph.changed_at = now
            paragraph.is_removed, paragraph.removed_at = False, None
        used = {paragraph.pk for paragraph in kept}
        left = [paragraph for paragraph in live if paragraph.pk not in used]
        if left:
            commented = set(
                paragraph_model.comments.rel.related_model.objects.filter(paragraph__in=left).values_list(
                    "paragraph_id", flat=True
                )
            )
            paragraph_model.objects.filter(pk__in=[p.pk for p in left if p.pk not in commented]).delete()
            for paragraph in left:
                if paragraph.pk in commented:
                    paragraph.is_removed, paragraph.removed_at, paragraph.number = True, now, None
                    kept.append(paragraph)
        fields = [
            "position",
            "number",
            "kind",
            "heading_level",
            "list_number",
            "changed_at",
            "is_removed",
            "removed_at",
        ]
        fields += [f"html_{code}" for code in codes]
        if kept:
            paragraph_model.objects.bulk_update(kept, fields, batch_size=500)
        if created:
            paragraph_model.objects.bulk_create(created, batch_size=500)
