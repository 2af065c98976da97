#!/usr/bin/env bash
# Compile the translation catalogues (locale/*/LC_MESSAGES/django.po → .mo) with GNU gettext,
# installing Debian's gettext package first when it is missing and we may.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v msgfmt >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing gettext (msgfmt) from Debian's packages"
    apt-get install -y -qq gettext >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq gettext >/dev/null 2>&1; }
  fi
fi
if ! command -v msgfmt >/dev/null; then
  echo "error: msgfmt (GNU gettext) is needed to compile the translations: install the gettext package." >&2
  exit 1
fi
PORTAL_ENV=${PORTAL_ENV:-development} .venv/bin/python manage.py compilemessages --ignore '.venv/*' -v 0
