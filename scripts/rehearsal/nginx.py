#!/usr/bin/env python
"""Run the shipped nginx configuration (deploy/nginx/portal.conf) somewhere else: on loopback, in a
folder of its own (nginx -p), for the rehearsal and the tests.

    .venv/bin/python scripts/rehearsal/nginx.py --prefix DIR --https 127.0.0.1:8443 --http 127.0.0.1:8080 \\
        --upstream 127.0.0.1:8001 --upstream 127.0.0.1:8002 --srv DIR/srv --cert C --key K

writes DIR/nginx.conf (the main file: pid, logs, temp folders and Debian's brotli modules, then
the site) and DIR/portal.conf (the shipped site with only its site-specific values changed:
listen addresses, host name, node addresses, certificate, log and data folders). Each change
must find its text, so that a change of the shipped file that this does not know fails loudly
instead of testing something else. Start it with ``nginx -p DIR -c DIR/nginx.conf``.
"""

import argparse
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "portal.conf"
MODULES = Path("/usr/lib/nginx/modules")
BROTLI_MODULES = ["ngx_http_brotli_filter_module.so", "ngx_http_brotli_static_module.so"]


class ShippedConfigChanged(Exception):
    pass


def _replace(text: str, old: str, new: str, *, count: int | None = None) -> str:
    found = text.count(old)
    if not found or (count is not None and found != count):
        raise ShippedConfigChanged(f"deploy/nginx/portal.conf: expected {count or 'some'} of {old!r}, found {found}")
    return text.replace(old, new)


def has_brotli() -> bool:
    return all((MODULES / name).exists() for name in BROTLI_MODULES)


def render_site(*, https: str, http: str, upstreams: list[str], server_name: str, cert: Path, key: Path,
                srv: Path, logs: Path) -> str:  # fmt: skip
    text = SITE.read_text()
    https_port = https.rsplit(":", 1)[1]
    text = _replace(
        text,
        "    server 10.0.0.11:8000 max_fails=1 fail_timeout=10s;\n"
        "    server 10.0.0.12:8000 max_fails=1 fail_timeout=10s;\n",
        "".join(f"    server {upstream} max_fails=1 fail_timeout=10s;\n" for upstream in upstreams),
    )
    # IPv4 loopback only.
    text = re.sub(r"^\s*listen \[::\]:.*\n", "", text, flags=re.MULTILINE)
    text = _replace(text, "listen 80;", f"listen {http};", count=1)
    text = _replace(text, "listen 80 default_server;", f"listen {http} default_server;", count=1)
    text = _replace(text, "listen 443 ssl default_server;", f"listen {https} ssl default_server;", count=1)
    text = _replace(text, "listen 443 ssl http2;", f"listen {https} ssl http2;", count=1)
    text = _replace(
        text, "return 301 https://$host$request_uri;", f"return 301 https://$host:{https_port}$request_uri;"
    )
    text = _replace(text, "server_name portal.example;", f"server_name {server_name};", count=2)
    text = _replace(text, "/etc/letsencrypt/live/portal.example/fullchain.pem", str(cert), count=1)
    text = _replace(text, "/etc/letsencrypt/live/portal.example/privkey.pem", str(key), count=1)
    text = _replace(text, "/var/log/nginx/", f"{logs}/")
    text = _replace(text, "root /srv/portal;", f"root {srv};", count=2)
    if not has_brotli():
        text = re.sub(r"^\s*brotli\w*[^;]*;\n", "", text, flags=re.MULTILINE)
    return text


def render(*, prefix: Path, https: str, http: str, upstreams: list[str], server_name: str = "localhost",
           cert: Path, key: Path, srv: Path, workers: int = 2, user: str = "nobody nogroup") -> Path:  # fmt: skip
    """Write prefix/nginx.conf and prefix/portal.conf; return the main file. ``user`` is whom the
    worker processes run as when nginx is started by root (they read srv/)."""
    logs, temp = prefix / "logs", prefix / "temp"
    for folder in (logs, temp):
        folder.mkdir(parents=True, exist_ok=True)
    site = prefix / "portal.conf"
    site.write_text(
        render_site(
            https=https, http=http, upstreams=upstreams, server_name=server_name, cert=cert, key=key, srv=srv, logs=logs
        )  # fmt: skip
    )
    modules = "".join(f"load_module {MODULES / name};\n" for name in BROTLI_MODULES) if has_brotli() else ""
    temp_paths = "".join(
        f"    {kind}_temp_path {temp / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = prefix / "nginx.conf"
    main.write_text(
        "# Written by scripts/rehearsal/nginx.py: Debian's nginx.conf, reduced to this folder.\n"
        f"{modules}"
        f"{f'user {user};' if os.geteuid() == 0 else ''}\n"
        f"worker_processes {workers};\n"
        f"pid {prefix / 'nginx.pid'};\n"
        f"error_log {logs / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        "    sendfile on;\n"
        "    tcp_nopush on;\n"
        "    server_tokens off;\n"
        f"    access_log {logs / 'access.log'};\n"
        f"{temp_paths}"
        f"    include {site};\n"
        "}\n"
    )
    return main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefix", type=Path, required=True)
    parser.add_argument("--https", required=True, help="address:port of the HTTPS server")
    parser.add_argument("--http", required=True, help="address:port of the plain HTTP server (redirects)")
    parser.add_argument("--upstream", action="append", required=True, help="an app node, address:port")
    parser.add_argument("--server-name", default="localhost", help="a name, so that clients send it (SNI)")
    parser.add_argument("--cert", type=Path, required=True)
    parser.add_argument("--key", type=Path, required=True)
    parser.add_argument("--srv", type=Path, required=True, help="the folder holding static/ and media/")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(
        render(
            prefix=args.prefix,
            https=args.https,
            http=args.http,
            upstreams=args.upstream,
            server_name=args.server_name,
            cert=args.cert,
            key=args.key,
            srv=args.srv,
            workers=args.workers,
        )  # fmt: skip
    )


if __name__ == "__main__":
    main()
