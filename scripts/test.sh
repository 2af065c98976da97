#!/usr/bin/env bash
# The whole check, as `make test` runs it: lint, Django checks, then the test suite twice,
# on SQLite and on PostgreSQL. Without DATABASE_URL a throwaway PostgreSQL cluster is made
# from the server binaries on this machine (as the postgres user when run as root, since
# initdb refuses root), on a unix socket in a temp dir, and removed afterwards.
# Under CI=true a missing PostgreSQL or Chromium is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PORTAL_ENV=test
export DJANGO_SETTINGS_MODULE=portal.test_settings
CI=${CI:-false}

say() { printf '\n== %s\n' "$*"; }
. scripts/debian.sh  # as_root, ensure_debian_package

say "ruff"
$BIN/ruff check .
$BIN/ruff format --check .

say "Translations"
scripts/compilemessages.sh

say "Django checks"
$BIN/python manage.py check --fail-level WARNING
$BIN/python manage.py makemigrations --check --dry-run
$BIN/python manage.py spectacular --validate --fail-on-warn --file /dev/null
PORTAL_ENV=production DEBUG=false SECRET_KEY="check-deploy-$(date +%s)-a-long-random-enough-secret-key-value" \
  ALLOWED_HOSTS=portal.example DATABASE_URL=postgresql://localhost/portal \
  $BIN/python manage.py check --deploy --fail-level WARNING

# Browser tests use Debian's Chromium at /usr/bin/chromium (Playwright's own browser download cannot work here).
if ensure_debian_package /usr/bin/chromium chromium; then
  export PORTAL_CHROMIUM=/usr/bin/chromium
else
  if [ "$CI" = true ]; then echo "error: /usr/bin/chromium is missing and could not be installed (CI=true)."; exit 1; fi
  echo "note: /usr/bin/chromium is missing and could not be installed: browser tests will be skipped."
fi

# The shipped production configuration (tests/deploy) runs Debian's nginx with its brotli
# modules and systemd-analyze; those tests skip without them, except under CI=true.
ensure_debian_package /usr/sbin/nginx nginx || true
ensure_debian_package /usr/lib/nginx/modules/ngx_http_brotli_static_module.so \
  libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static || true
ensure_debian_package /usr/bin/systemd-analyze systemd || true
ensure_debian_package /usr/bin/openssl openssl || true
# The Redis cache backend's test (tests/portal/test_cache_backend.py) talks to a throwaway Redis.
ensure_debian_package /usr/bin/redis-server redis-server || true

# --create-db: the test databases are always built from the migrations here, whatever a
# developer's PYTEST_ADDOPTS says (--reuse-db is for quick local runs of one file, see README).
say "Tests on SQLite"
env -u DATABASE_URL $BIN/python -m pytest --create-db "$@"

say "Tests on PostgreSQL"
if [ -n "${DATABASE_URL:-}" ]; then
  $BIN/python -m pytest --create-db "$@"
  exit 0
fi
pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bindir=$(pg_bindir)
if [ -z "$bindir" ] || [ ! -x "$bindir/postgres" ]; then
  ensure_debian_package /usr/bin/pg_ctlcluster postgresql || true
  bindir=$(pg_bindir)
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/postgres" ]; then
  if [ "$CI" = true ]; then echo "error: no PostgreSQL server binaries found (CI=true): the PostgreSQL pass cannot run."; exit 1; fi
  echo "note: no PostgreSQL server found on this machine: the PostgreSQL pass is SKIPPED."
  exit 0
fi

pgdir=$(mktemp -d /tmp/portal-pg.XXXXXX)
if as_root; then
  chown postgres "$pgdir"
  pg() { su postgres -s /bin/sh -c "cd / && $*"; }
else
  pg() { sh -c "$*"; }
fi
stop_pg() {
  pg "'$bindir/pg_ctl' -D '$pgdir/data' -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$pgdir"
}
trap stop_pg EXIT
pg "'$bindir/initdb' -D '$pgdir/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
pg "'$bindir/pg_ctl' -D '$pgdir/data' -l '$pgdir/server.log' -w -o \"-k '$pgdir' -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start" >/dev/null
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') running on a unix socket in $pgdir"
DATABASE_URL="postgresql://postgres@/portal?host=$pgdir" $BIN/python -m pytest --create-db "$@"
