#!/usr/bin/env bash
# The production rehearsal, as `make rehearsal` runs it (never part of `make test`): nginx in front
# of two app nodes, one PostgreSQL, one Redis, a worker on each node, all on loopback, then the
# checks as a table (scripts/rehearsal/rehearse.py says which). Debian's nginx (with its brotli
# modules), postgresql, redis-server and openssl are installed when missing (as root), without
# starting their own services; everything the rehearsal starts is stopped at the end.
#
# Bounded: REHEARSAL_TIMEOUT seconds (900 by default; 1800 with REHEARSAL_MIGRATIONS=1) after which
# the run is stopped, cleaned up and failed. REHEARSAL_MIGRATIONS=1 also applies every migration
# to a copy of the benchmark's large dataset and times each one (a few more minutes; the dataset
# is built once, as `make bench` builds it). Other options: scripts/rehearsal/rehearse.py --help,
# passed through REHEARSAL_ARGS.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin
. scripts/debian.sh  # as_root, ensure_debian_package

if ! "$BIN/python" -c "import aiosmtpd, requests" 2>/dev/null; then
  echo "error: the rehearsal's Python packages are missing: run 'make rehearsal' (it installs .[test,bench])."
  exit 1
fi
missing=()
ensure_debian_package /usr/sbin/nginx nginx || missing+=(nginx)
ensure_debian_package /usr/lib/nginx/modules/ngx_http_brotli_static_module.so \
  libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static || echo "note: no brotli modules for nginx: gzip only."
ensure_debian_package /usr/bin/redis-server redis-server || missing+=(redis-server)
ensure_debian_package /usr/bin/openssl openssl || missing+=(openssl)
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  ensure_debian_package /usr/bin/pg_ctlcluster postgresql || true
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "error: missing and not installable here: ${missing[*]} (apt-get install ${missing[*]}, as root)."
  exit 1
fi

args=()
limit=${REHEARSAL_TIMEOUT:-900}
if [ "${REHEARSAL_MIGRATIONS:-0}" = 1 ]; then
  args+=(--migrations)
  limit=${REHEARSAL_TIMEOUT:-1800}
fi
# shellcheck disable=SC2206
args+=(${REHEARSAL_ARGS:-})
exec timeout --signal=TERM --kill-after=60 "$limit" "$BIN/python" scripts/rehearsal/rehearse.py "${args[@]}"
