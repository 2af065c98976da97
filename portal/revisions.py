"""The revision diff of rich text, as an editor reads it: text, not HTML.

django-reversion-compare diffs a field's raw value: for rich text, one long line of HTML with
its tags. Here both versions become readable paragraphs (a list item keeps its "• ", a line
break its line), compared word by word, and shown as paragraphs with the insertions and
deletions marked (``<ins>``/``<del>``, which screen readers announce too).
"""

import difflib
import html
import re

from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

PARAGRAPH = "\n\n"
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|ul|ol)>|<hr\s*/?>", re.IGNORECASE)
_LIST_ITEM = re.compile(r"<li[^>]*>", re.IGNORECASE)
_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TOKENS = re.compile(r"\n\n|\n|\s+|\w+|[^\w\s]", re.UNICODE)


def readable_text(value: str) -> str:
    """Rich text as paragraphs of plain text, separated by a blank line."""
    text = _LIST_ITEM.sub("• ", value or "")
    text = _LINE_BREAK.sub("\n", text)
    text = _BLOCK_END.sub(PARAGRAPH, text)
    text = html.unescape(strip_tags(text))
    paragraphs = [
        "\n".join(" ".join(line.split()) for line in part.strip().splitlines() if line.strip())
        for part in re.split(r"\n\s*\n", text)
    ]
    return PARAGRAPH.join(part for part in paragraphs if part)


def text_diff(old: str, new: str) -> SafeString:
    """``old`` → ``new`` (plain text) word by word, as HTML paragraphs with <ins> and <del>."""
    before, after = _TOKENS.findall(old), _TOKENS.findall(new)
    pieces = []
    for operation, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if operation == "equal":
            pieces.append(escape("".join(before[i1:i2])))
            continue
        if operation in ("delete", "replace"):
            pieces.append(_marked("del", before[i1:i2]))
        if operation in ("insert", "replace"):
            pieces.append(_marked("ins", after[j1:j2]))
    paragraphs = "".join(pieces).split(PARAGRAPH)
    return mark_safe("".join(format_html("<p>{}</p>", mark_safe(part.replace("\n", "<br>"))) for part in paragraphs))


def _marked(tag: str, tokens: list[str]) -> str:
    """Changed words in their tag; a paragraph break inside a change stays a break."""
    text = "".join(tokens)
    parts = [escape(part) for part in text.split(PARAGRAPH)]
    return PARAGRAPH.join(f'<{tag} class="diff-{tag}">{part}</{tag}>' if part.strip() else part for part in parts)


def rich_text_diff(old_html: str, new_html: str) -> SafeString:
    old, new = readable_text(old_html), readable_text(new_html)
    if old == new:
        if old_html == new_html:
            return mark_safe("")
        return format_html('<p class="help">{}</p>', _("(only the formatting changed)"))
    return text_diff(old, new)
