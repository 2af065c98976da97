#!/usr/bin/env bash
# The benchmark, as `make bench` runs it (never part of `make test`). On this machine only:
# every request goes to 127.0.0.1 and every load is bounded in time and count.
#
#  1. A throwaway PostgreSQL cluster on a unix socket; the large dataset (generate.py) is
#     built once into a template database and the cluster is kept in var/bench/pg, so the
#     next run starts from a copy of it in seconds (rebuilt when a migration, the generator
#     or the fixtures change, or with BENCH_FRESH=1).
#  2. collectstatic, a throwaway Redis (the shared cache of production; installed from
#     Debian's packages when missing), then gunicorn with the production profile (DEBUG off,
#     whitenoise).
#  3. pages.py: wrk on each page and API endpoint, as deployed (anonymous page cache and content
#     cache on) and again with both off, which is what a visitor pays on a cold miss; each at
#     every number of connections of BENCH_CONNECTIONS (8, then 16).
#  4. reminders.py: 10,000 reminders sent by the task worker to an SMTP sink on loopback;
#     digests.py: the weekly digests of 50,000 followers, likewise.
#  5. rush.py: 1,000 participants confirm at once for 200 seats, over HTTP, as the page's script
#     does (the POST queues, the page asks for the outcome); two task workers decide the queue and
#     send each outcome email to an SMTP sink; then again with quotas (rush.py --quotas).
#  6. indicators.py: 1,000,000 observations imported as a new dataset version, timed, with
#     its peak memory (the targets: under 5 minutes, under 1 GB).
#  7. ocds_import.py: 1,000,000 OCDS releases imported as a new procurement data version, timed,
#     with the peak memory of the command and its workers (the targets: under 10 minutes, 1 GB).
#  8. profile_pages.py: pyinstrument and the SQL of each page, in-process.
#  9. search_cost.py: the broad and a mistyped search on /search/, the library and the API,
#     in-process with both caches off (issue 22 point 3: ≤ 40 ms; BENCH_SCALE=2 for twice the volume).
#     invalidation.py: 400 detail pages cached, one news item published, the share still hits.
# 10. report.py: var/bench/results.md and results.json, and the table on stdout.
#
# Settings (environment): BENCH_DURATION (s per endpoint, 10), BENCH_WARMUP (2),
# BENCH_CONNECTIONS (a space-separated list: one page pass per value, "8 16"),
# BENCH_WORKERS (gunicorn processes, 2 × cores + 1), BENCH_THREADS (threads per process, 2), BENCH_UNCACHED (1: also the pass with the page
# cache off), BENCH_SCALE (1 = the issue's volumes), BENCH_FRESH (1: rebuild the dataset),
# BENCH_RUSH_CLIENTS (200), BENCH_RUSH_PARTICIPANTS (1000), BENCH_RUSH_SEATS (200),
# BENCH_REMINDER_WORKERS (2), BENCH_ONLY (a comma-separated list of the phases to run, of
# pages, reminders, digests, rush, rush_quotas, indicator_import, ocds_import, profiles,
# search, invalidation; empty = all; the dataset is always built or reused first).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
OUT=$ROOT/var/bench
CACHE=$OUT/pg
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-8 16}
read -r -a CONNECTIONS_LIST <<<"$CONNECTIONS"
FIRST_CONNECTIONS=${CONNECTIONS_LIST[0]}
CORES=$(nproc)
WORKERS=${BENCH_WORKERS:-$((2 * CORES + 1))}
THREADS=${BENCH_THREADS:-2}
UNCACHED=${BENCH_UNCACHED:-1}
SCALE=${BENCH_SCALE:-1}
FRESH=${BENCH_FRESH:-0}
RUSH_CLIENTS=${BENCH_RUSH_CLIENTS:-200}
RUSH_PARTICIPANTS=${BENCH_RUSH_PARTICIPANTS:-1000}
RUSH_SEATS=${BENCH_RUSH_SEATS:-200}
REMINDER_WORKERS=${BENCH_REMINDER_WORKERS:-2}
ONLY=${BENCH_ONLY:-}
wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

say() { printf '\n== %s\n' "$*"; }
as_root() { [ "$(id -u)" = 0 ]; }
started_at=$SECONDS
phase_times=()
phase() { phase_times+=("$1=$((SECONDS - phase_start))"); }

# --- Tools ---------------------------------------------------------------------------------
if ! "$BIN/python" -c "import aiosmtpd, pyinstrument, requests" 2>/dev/null; then
  echo "error: the benchmark's Python packages are missing: run 'make bench' (it installs .[test,bench])."
  exit 1
fi
if ! command -v wrk >/dev/null; then
  if as_root && command -v apt-get >/dev/null; then
    say "Installing wrk from Debian's packages"
    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
  fi
  command -v wrk >/dev/null || { echo "error: wrk is missing (apt-get install wrk)."; exit 1; }
fi
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ] || [ ! -x "$bindir/postgres" ]; then
  echo "error: no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)."
  exit 1
fi

# --- PostgreSQL ------------------------------------------------------------------------------
mkdir -p "$OUT"
# PostgreSQL refuses to run as root, so its cluster must be reachable by the postgres user. A
# checkout in a private directory (a fresh clone in `mktemp -d`, mode 700) is not: then the
# cluster lives in /var/tmp instead (BENCH_PG_DIR chooses the place).
if [ -n "${BENCH_PG_DIR:-}" ]; then
  CACHE=$BENCH_PG_DIR
elif as_root && ! su postgres -s /bin/sh -c "test -x '$OUT'" 2>/dev/null; then
  CACHE=/var/tmp/portal-bench-$(printf %s "$ROOT" | sha256sum | cut -c1-12)
  echo "note: the postgres user cannot reach $OUT; the benchmark's cluster lives in $CACHE"
fi
socket_dir=$(mktemp -d /tmp/portal-bench.XXXXXX)
if as_root; then
  chown postgres "$socket_dir"
  pg() { su postgres -s /bin/sh -c "cd / && $*"; }
else
  pg() { sh -c "$*"; }
fi
psql_() { "$bindir/psql" -h "$socket_dir" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
server_pid=""
redis_pid=""
stop_all() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  if [ -f "$CACHE/data/postmaster.pid" ]; then pg "'$bindir/pg_ctl' -D '$CACHE/data' -m fast -w stop" >/dev/null 2>&1 || true; fi
  rm -rf "$socket_dir"
}
trap stop_all EXIT
trap 'exit 130' INT TERM  # the EXIT trap then stops everything
start_pg() { # $1 = extra server options
  pg "'$bindir/pg_ctl' -D '$CACHE/data' -l '$CACHE/server.log' -w -t 120 -o \"-k '$socket_dir' -c listen_addresses='' -c shared_buffers=1GB -c effective_cache_size=8GB -c max_connections=200 $1\" start" >/dev/null
}
stop_pg() { pg "'$bindir/pg_ctl' -D '$CACHE/data' -m fast -w stop" >/dev/null; }

# The dataset depends on the schema, the generator and the fixtures it reads.
fingerprint=$( { echo "scale=$SCALE"; cat */migrations/*.py scripts/bench/generate.py scripts/bench/vocabulary.py scripts/bench/indicators.py scripts/bench/ocds_import.py procurement/demo.py \
  fixtures/taxonomy.json fixtures/*/*.txt fixtures/*/*/*.txt 2>/dev/null; } | sha256sum | cut -c1-16)
export PORTAL_ENV=production DEBUG=false
export SECRET_KEY="bench-only-secret-key-for-loopback-$fingerprint-not-used-anywhere-else"
export ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=false SECURE_HSTS_SECONDS=0 LOG_LEVEL=WARNING
# The API's throttle (120 requests a minute per client) would answer wrk with 429s: the
# benchmark measures the endpoint itself (the throttle still runs and is counted).
export API_ANON_RATE=100000000/minute API_USER_RATE=100000000/minute
export EMAIL_BACKEND=console
export DATABASE_CONN_MAX_AGE=60

phase_start=$SECONDS
if [ "$FRESH" != 1 ] && [ -f "$CACHE/fingerprint" ] && [ "$(cat "$CACHE/fingerprint")" = "$fingerprint" ]; then
  say "Reusing the dataset in $CACHE (fingerprint $fingerprint; BENCH_FRESH=1 rebuilds it)"
  start_pg ""
  generated=reused
else
  say "Building the dataset (scale $SCALE) in a new cluster in $CACHE"
  rm -rf "$CACHE"
  mkdir -p "$CACHE"
  as_root && chown postgres "$CACHE"
  pg "'$bindir/initdb' -D '$CACHE/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
  # Loading only: no durability needed until the final checkpoint.
  start_pg "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c maintenance_work_mem=512MB -c max_wal_size=8GB"
  psql_ -d postgres -c "CREATE DATABASE bench_dataset"
  gen_started=$SECONDS
  export DATABASE_URL="postgresql://postgres@/bench_dataset?host=$socket_dir"
  "$BIN/python" manage.py migrate --no-input -v 0
  "$BIN/python" manage.py seed_demo --force >/dev/null || echo "note: seed_demo failed; generate.py loads the taxonomy itself."
  "$BIN/python" scripts/bench/generate.py --scale "$SCALE" --report "$CACHE/dataset.json" >/dev/null
  echo "$((SECONDS - gen_started))" >"$CACHE/generation_seconds"
  psql_ -d postgres -c "CHECKPOINT"
  stop_pg
  start_pg ""
  echo "$fingerprint" >"$CACHE/fingerprint"
  generated=built
fi
phase dataset
echo "Dataset: $generated; migrate + demo content + generate.py took $(cat "$CACHE/generation_seconds") s when built."
cp "$CACHE/dataset.json" "$OUT/dataset.json"

# Each run works on a fresh copy of the dataset (the rush and the reminders add to it).
phase_start=$SECONDS
psql_ -d postgres -c "DROP DATABASE IF EXISTS portal" -c "CREATE DATABASE portal TEMPLATE bench_dataset STRATEGY FILE_COPY"
export DATABASE_URL="postgresql://postgres@/portal?host=$socket_dir"
# A migration added since the dataset was built would have changed the fingerprint; this only checks.
"$BIN/python" manage.py migrate --no-input -v 0
"$BIN/python" manage.py collectstatic --no-input -v 0
phase copy_migrate_collectstatic
pg_version=$(psql_ -d portal -c "SHOW server_version")

# --- Redis: the cache shared by every app server in production (README, REDIS_URL) -------------
# Without it each gunicorn process keeps its own local-memory cache (the default): each one
# renders a page once before it has it cached, and holds at most 300 entries.
if ! command -v redis-server >/dev/null && as_root && command -v apt-get >/dev/null; then
  say "Installing redis-server from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq redis-server >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq redis-server >/dev/null 2>&1; } || true
fi
if command -v redis-server >/dev/null; then
  redis-server --port 0 --unixsocket "$socket_dir/redis.sock" --unixsocketperm 700 --save "" --appendonly no \
    --maxmemory 512mb --maxmemory-policy allkeys-lru >"$OUT/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 50); do [ -S "$socket_dir/redis.sock" ] && break; sleep 0.1; done
  export REDIS_URL="unix://$socket_dir/redis.sock"
  cache_kind="Redis on a unix socket, shared by the workers (as in production)"
else
  cache_kind="local memory in each worker process (no redis-server on this machine)"
fi
echo "Cache: $cache_kind"

# --- The server ------------------------------------------------------------------------------
port=$("$BIN/python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
base="http://127.0.0.1:$port"
export SITE_URL=$base
start_server() { # environment assignments for this server, e.g. ANONYMOUS_PAGE_CACHE=false
  env "$@" "$BIN/gunicorn" portal.wsgi:application --bind "127.0.0.1:$port" \
    --workers "$WORKERS" --threads "$THREADS" --worker-class gthread --backlog 2048 \
    --error-logfile "$OUT/gunicorn.log" --log-level warning &
  server_pid=$!
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "error: gunicorn did not answer on $base (see $OUT/gunicorn.log)"; exit 1
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

say "gunicorn on $base: $WORKERS processes × $THREADS threads (gthread), production profile"
phase_start=$SECONDS
start_server
# The warm-up opens more connections than the server has threads, so that every worker
# process (each has its own local-memory cache) has served the page before the measured run.
pages=(--duration "$DURATION" --warmup "$WARMUP" --connections "${CONNECTIONS_LIST[@]}" --warmup-connections $((4 * WORKERS * THREADS)))
if wanted pages; then
  rm -f "$OUT"/pages.json "$OUT"/pages-*.json  # one file per pass and number of connections
  "$BIN/python" scripts/bench/pages.py --base "$base" --out "$OUT/pages.json" --label "As deployed (anonymous page cache and content cache on)" \
    "${pages[@]}"
  phase pages
fi
cache_setting=$("$BIN/python" -c "import os, sys; sys.path.insert(0, '.'); os.environ['DJANGO_SETTINGS_MODULE']='portal.settings'; \
import django; django.setup(); from django.conf import settings; print(int(hasattr(settings, 'ANONYMOUS_PAGE_CACHE')))")
if wanted pages && [ "$UNCACHED" = 1 ] && [ "$cache_setting" = 1 ]; then
  phase_start=$SECONDS
  stop_server
  start_server ANONYMOUS_PAGE_CACHE=false CONTENT_CACHE=false
  "$BIN/python" scripts/bench/pages.py --base "$base" --out "$OUT/pages-uncached.json" \
    --label "Caches off (page and content cache: every request does all the work)" "${pages[@]}"
  phase pages_uncached
  stop_server
  start_server
fi

# The reminders and digests go first, the web server idle (the rush brings its own task workers).
if wanted reminders; then
  say "Reminder throughput (the web server idle)"
  phase_start=$SECONDS
  "$BIN/python" scripts/bench/reminders.py --out "$OUT/reminders.json" --workers "$REMINDER_WORKERS"
  phase reminders
fi

if wanted digests; then
  say "Digest throughput (the web server idle)"
  phase_start=$SECONDS
  "$BIN/python" scripts/bench/digests.py --out "$OUT/digests.json" --workers "$REMINDER_WORKERS" \
    --followers "$(awk -v s="$SCALE" 'BEGIN { print int(50000 * s) }')"
  phase digests
fi

if wanted rush; then
  say "The registration rush"
  phase_start=$SECONDS
  "$BIN/python" scripts/bench/rush.py --base "$base" --out "$OUT/rush.json" --concurrency "$RUSH_CLIENTS" \
    --participants "$RUSH_PARTICIPANTS" --seats "$RUSH_SEATS"
  phase rush
fi
if wanted rush_quotas; then
  say "The registration rush with quotas (60% for MSMEs, 30% for organisations led by women)"
  phase_start=$SECONDS
  "$BIN/python" scripts/bench/rush.py --quotas --base "$base" --out "$OUT/rush-quotas.json" --concurrency "$RUSH_CLIENTS" \
    --participants "$RUSH_PARTICIPANTS" --seats "$RUSH_SEATS"
  phase rush_quotas
fi
stop_server

if wanted indicator_import; then
  say "Indicator import: 1,000,000 observations as a new version, timed (the web server stopped)"
  phase_start=$SECONDS
  "$BIN/python" scripts/bench/indicators.py --rows 1000000 --scale "$SCALE" --out "$OUT/import.json" >/dev/null
  phase indicator_import
fi

if wanted ocds_import; then
  say "OCDS import: 1,000,000 releases as a new procurement data version, timed (the web server stopped)"
  phase_start=$SECONDS
  "$BIN/python" scripts/bench/ocds_import.py --releases 1000000 --scale "$SCALE" --out "$OUT/ocds-import.json" >/dev/null
  phase ocds_import
fi

if wanted profiles; then
  say "Profiles"
  phase_start=$SECONDS
  profile_source=()  # the pages measured by this run's pages.py (with BENCH_ONLY without pages: only the flows)
  if wanted pages; then
    profile_source=(--pages "$OUT/pages-$FIRST_CONNECTIONS.json")
    [ -f "$OUT/pages-uncached-$FIRST_CONNECTIONS.json" ] && profile_source=(--pages "$OUT/pages-uncached-$FIRST_CONNECTIONS.json")
  fi
  rm -rf "$OUT/profiles"
  "$BIN/python" scripts/bench/profile_pages.py "${profile_source[@]}" --out "$OUT/profiles" --repeat 3
  phase profiles
fi

if wanted search; then
  say "Cold searches in-process (caches off): the broad query and a mistyped one"
  phase_start=$SECONDS
  "$BIN/python" scripts/bench/search_cost.py --repeat 20 --out "$OUT/search-cost.json"
  phase search
fi

if wanted invalidation; then
  say "Invalidation: the other detail pages still cached after one publish (last: it publishes)"
  phase_start=$SECONDS
  "$BIN/python" scripts/bench/invalidation.py --pages 400 --out "$OUT/invalidation.json"
  phase invalidation
fi

"$BIN/python" scripts/bench/report.py --dir "$OUT" \
  --meta "postgresql=$pg_version" "gunicorn=$WORKERS processes × $THREADS threads (gthread)" \
  "wrk=$(wrk --version 2>&1 | head -n 1 | awk '{print $2}')" "dataset=$generated" "cache=$cache_kind" \
  "total_seconds=$((SECONDS - started_at))" "phases=${phase_times[*]}"
