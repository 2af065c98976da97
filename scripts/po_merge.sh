#!/usr/bin/env bash
# Usage, during a merge whose Spanish catalogue conflicts: scripts/po_merge.sh, then scripts/compilemessages.sh.
# Resolve a conflicted locale/es/LC_MESSAGES/django.po during a merge: take ours, regenerate from
# the merged code, then fill every translation either side had (ours first).
set -euo pipefail
PO=locale/es/LC_MESSAGES/django.po
git show :2:$PO > /tmp/po-ours.po
git show :3:$PO > /tmp/po-theirs.po
cp /tmp/po-ours.po $PO
PORTAL_ENV=test DJANGO_SETTINGS_MODULE=portal.test_settings .venv/bin/python manage.py makemessages -l es --no-obsolete --add-location file -i '.venv/*' -i 'tests/*' >/dev/null
.venv/bin/python - <<'PY'
import json, polib
known = {}
for path in ("/tmp/po-theirs.po", "/tmp/po-ours.po"):  # ours last: wins
    for e in polib.pofile(path):
        if e.obsolete or "fuzzy" in e.flags:
            continue
        if e.msgid_plural:
            if all(e.msgstr_plural.values()):
                known[e.msgid] = [e.msgstr_plural[i] for i in sorted(e.msgstr_plural)]
        elif e.msgstr:
            known[e.msgid] = e.msgstr
po = polib.pofile("locale/es/LC_MESSAGES/django.po")
wanted = {e.msgid: known[e.msgid] for e in po if e.msgid in known and (("fuzzy" in e.flags) or (not e.msgstr and not any(e.msgstr_plural.values())))}
json.dump(wanted, open("/tmp/po-fill.json", "w"), ensure_ascii=False)
print(len(wanted), "filled")
PY
.venv/bin/python scripts/po_fill.py /tmp/po-fill.json
echo "still untranslated/fuzzy:"; msgattrib --untranslated $PO | grep -c '^msgid' || true; msgattrib --only-fuzzy $PO | grep -c '^msgid' || true
