"""gunicorn for one app node of the portal, as deploy/systemd/portal-web.service starts it:

    gunicorn --config deploy/gunicorn.conf.py portal.wsgi:application

Each value below can be changed from the node's environment file (GUNICORN_*), without editing
this file. The reasons for each are next to it; the measurements behind the process and thread
counts are in docs/performance.md.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


# Where the proxy reaches this node: the node's private address in a multi-node setup, loopback
# when nginx runs on the same machine. Never a public address: only nginx talks to gunicorn.
bind = [os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"]

# Threads in a few processes. A request spends much of its time waiting on PostgreSQL and Redis,
# so two threads per process overlap those waits; processes use the cores (2 × cores + 1, the
# usual rule, measured in docs/performance.md on the 2-core machine). Sync workers would leave a
# core idle during each wait; async workers would need every library to cooperate.
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 2)

# A request that runs longer than this is stuck (the slowest page measured takes well under a
# second): its worker is killed and replaced. nginx waits a little longer (proxy_read_timeout
# 35 s), so that gunicorn, not the proxy, ends it and logs it.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On stop and on reload (SIGTERM, SIGHUP), the requests under way get this long to finish.
# systemd's TimeoutStopSec is a little longer.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# nginx keeps idle connections to each node open for 60 s (keepalive_timeout in the upstream
# block); gunicorn keeps them longer, so that the proxy, never gunicorn, closes an idle one and
# no request is sent on a connection that is being closed.
keepalive = _int("GUNICORN_KEEPALIVE", 65)

# Each process is replaced after this many requests (with a random spread, so that they are not
# all replaced at once): memory that grows slowly never grows for long.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# Connections waiting to be accepted during a burst (the registration rush).
backlog = _int("GUNICORN_BACKLOG", 2048)

# Not preloaded: on `systemctl reload portal-web` (SIGHUP) the new processes import the new
# code, while the old ones finish their requests (README, "Upgrades").
preload_app = False

# The workers' heartbeat files on a memory file system: a busy or slow disk never makes the
# arbiter think a worker is stuck.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or "/dev/shm"

# gunicorn trusts X-Forwarded-Proto only from these addresses (the proxy): set FORWARDED_ALLOW_IPS
# to nginx's address when it runs on another machine. Django reads the header itself
# (SECURE_PROXY_SSL_HEADER), and the client address from X-Forwarded-For (TRUSTED_PROXY_COUNT).

proc_name = os.environ.get("GUNICORN_PROC_NAME") or "portal-web"

# nginx logs every request, with the same request id (deploy/nginx/portal.conf): no access log
# here. gunicorn's own messages (boot, worker timeouts) go to stderr, that is to the journal,
# in the same format as the app's (LOG_FORMAT, one JSON object a line in production).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"
_production = (os.environ.get("PORTAL_ENV") or "production") == "production"
_format = os.environ.get("LOG_FORMAT") or ("json" if _production else "text")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(process)d",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": _format}},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
}
