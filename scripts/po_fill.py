#!/usr/bin/env python3
"""Fill the Spanish catalogue from a JSON file of {"English msgid": "Spanish msgstr"}.

    scripts/po_fill.py translations.json     # a plural entry: {"msgid": ["singular", "plural"]}

The given translations replace what the catalogue has for those ids (empty or fuzzy) and the
entries lose their "fuzzy" flag and previous-msgid comments; nothing else changes. Run
makemessages first (README, "Translations"); scripts/compilemessages.sh compiles afterwards.
"""

import json
import re
import sys
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "es" / "LC_MESSAGES" / "django.po"


def quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def joined(block: str, keyword: str) -> str | None:
    match = re.search(rf'^{keyword} ((?:".*"\n?)+)', block, re.M)
    if not match:
        return None
    return "".join(json.loads(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', match.group(1)))


def fill(block: str, msgstr) -> str:
    lines = [line for line in block.split("\n") if not line.startswith("#|")]
    lines = [re.sub(r"^#, (.*)", lambda m: _without_fuzzy(m.group(1)), line) for line in lines]
    lines = [line for line in lines if line != "#, "]
    kept = []
    for line in lines:
        if line.startswith("msgstr"):
            break
        kept.append(line)
    if isinstance(msgstr, list):
        kept += [f"msgstr[{index}] {quote(text)}" for index, text in enumerate(msgstr)]
    else:
        kept.append(f"msgstr {quote(msgstr)}")
    return "\n".join(kept)


def _without_fuzzy(flags: str) -> str:
    rest = [flag.strip() for flag in flags.split(",") if flag.strip() != "fuzzy"]
    return "#, " + ", ".join(rest)


def main(path: str) -> None:
    translations = json.loads(Path(path).read_text(encoding="utf-8"))
    blocks = CATALOGUE.read_text(encoding="utf-8").split("\n\n")
    missing = set(translations)
    for index, block in enumerate(blocks):
        msgid = joined(block, "msgid")
        if msgid and msgid in translations:
            blocks[index] = fill(block, translations[msgid])
            missing.discard(msgid)
    CATALOGUE.write_text("\n\n".join(blocks), encoding="utf-8")
    if missing:
        sys.exit(f"Not in the catalogue (run makemessages?): {sorted(missing)}")


if __name__ == "__main__":
    main(sys.argv[1])
