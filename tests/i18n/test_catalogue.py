"""Every piece of interface text is translatable, and the Spanish catalogue is complete."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates"]
# Text that is the same in every language.
ALLOWED = {"404", "500", "JSON", "API", "CSV", "XLSX", "PDF", "DOCX", "iCal", "RSS", "Atom", "ISO", "UTC"}

_BLOCKS = [
    re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"{%\s*blocktrans(late)?\b.*?{%\s*endblocktrans(late)?\s*%}", re.S),
    re.compile(r"{#.*?#}", re.S),
    re.compile(r"<script\b.*?</script>", re.S | re.I),
    re.compile(r"<style\b.*?</style>", re.S | re.I),
    re.compile(r"<code\b.*?</code>", re.S | re.I),
    # A card's CSS class names (the class block of templates/includes/card.html).
    re.compile(r"{%\s*block\s+class\s*%}.*?{%\s*endblock\s*%}", re.S),
    re.compile(r"{%.*?%}", re.S),
    re.compile(r"{{.*?}}", re.S),
]
_TAG = re.compile(r"<[^>]+>", re.S)
_ATTRIBUTE = re.compile(r'\b(?:alt|title|placeholder|aria-label)="([^"{}]*)"')
# Attribute text left outside a tag once template tags are gone ({% block x %} class="…").
_LOOSE_ATTRIBUTE = re.compile(r'[\w-]+="[^"]*"')


def untranslated_text(source: str) -> list[str]:
    attributes = [value for value in _ATTRIBUTE.findall(source) if re.search(r"[A-Za-z]{2,}", value)]
    for pattern in _BLOCKS:
        source = pattern.sub(" ", source)
    text = _LOOSE_ATTRIBUTE.sub(" ", _TAG.sub(" ", source))
    words = [chunk.strip() for chunk in re.split(r"\s{2,}|\n", text) if re.search(r"[A-Za-z]{2,}", chunk)]
    return [item for item in [*words, *attributes] if item.strip() not in ALLOWED]


def template_files():
    for directory in TEMPLATE_DIRS:
        yield from sorted(directory.rglob("*.html"))
        yield from sorted(directory.rglob("*.txt"))


def test_the_checker_finds_unmarked_text():
    assert untranslated_text("<p>Hello world</p>") == ["Hello world"]
    assert untranslated_text('<img alt="A map">') == ["A map"]
    assert untranslated_text("<p>{% translate 'Hello' %} {{ name }}</p>") == []


@pytest.mark.parametrize("path", list(template_files()), ids=lambda path: str(path.relative_to(ROOT)))
def test_template_text_is_marked_for_translation(path):
    if path.name.endswith(".txt") and "{%" not in path.read_text(encoding="utf-8"):
        return
    assert untranslated_text(path.read_text(encoding="utf-8")) == []


def test_spanish_catalogue_has_no_untranslated_or_fuzzy_entries():
    catalogue = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
    assert catalogue.exists(), "run: manage.py makemessages -l es"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_spanish_catalogue_is_up_to_date_with_the_code(tmp_path):
    """makemessages would add no new string: every marked string is in the catalogue."""
    import os
    import shutil
    import sys

    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns(".venv", ".git", "var", "staticfiles", "node_modules", "__pycache__", "*.mo")
    shutil.copytree(ROOT, copy, ignore=ignore)
    env = {**os.environ, "PORTAL_ENV": "test", "DJANGO_SETTINGS_MODULE": "portal.test_settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-obsolete", "--ignore", "tests/*"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    fresh = _msgids(copy / "locale" / "es" / "LC_MESSAGES" / "django.po")
    current = _msgids(ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po")
    assert sorted(fresh - current) == []


def _msgids(path):
    """The catalogue's message ids (multi-line ids joined), without the header's empty id."""
    text = path.read_text(encoding="utf-8")
    ids = set()
    for block in re.findall(r'^msgid ((?:".*"\n)+)', text, re.M):
        msgid = "".join(re.findall(r'"(.*)"', block))
        if msgid:
            ids.add(msgid)
    return ids
