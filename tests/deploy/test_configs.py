"""The shipped production configuration (deploy/) parses and does what README says.

nginx runs for real on loopback in front of a small echo server; the systemd units pass
`systemd-analyze verify`. A test that needs a missing Debian package skips and says which,
except under CI=true, where scripts/test.sh installs them and a missing one is a failure.
"""

import http.server
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(ROOT / "scripts" / "rehearsal"))
import nginx as rehearsal_nginx  # noqa: E402

SITE = (DEPLOY / "nginx" / "portal.conf").read_text()


def need(command: str, package: str) -> str:
    path = shutil.which(command) or (f"/usr/sbin/{command}" if Path(f"/usr/sbin/{command}").exists() else None)
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{command} is missing under CI=true: scripts/test.sh installs {package}")
    pytest.skip(f"{command} is not installed (apt-get install {package}); scripts/test.sh installs it under CI=true")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def directive(name: str, text: str = SITE) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]+);", text, flags=re.MULTILINE)


def size_in_bytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def seconds(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(s|m)?", value).groups()
    return int(number) * (60 if unit == "m" else 1)


# --- What the files say, against the settings ---------------------------------------------------


def test_the_upload_limit_lets_the_largest_accepted_file_through_and_little_more():
    (limit,) = directive("client_max_body_size")
    largest = max(
        settings.OBSERVATORY_FILE_MAX_BYTES, settings.EVENTS_DOCUMENT_MAX_BYTES, settings.IMAGE_UPLOAD_MAX_BYTES
    )
    assert largest < size_in_bytes(limit) <= largest + 2 * 1024**2


def test_forwarded_headers_match_one_trusted_proxy():
    assert directive("proxy_set_header X-Forwarded-For") == ["$proxy_add_x_forwarded_for"]
    assert directive("proxy_set_header X-Forwarded-Proto") == ["$scheme"]
    assert directive("proxy_set_header X-Request-ID") == ["$request_id"]
    env = (DEPLOY / "portal.env.example").read_text()
    assert re.search(r"^TRUSTED_PROXY_COUNT=1$", env, flags=re.MULTILINE)


def gunicorn_config(**env) -> dict:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--print-config", "-c", "deploy/gunicorn.conf.py", "portal.wsgi"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "PORTAL_ENV": "test", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, flags=re.MULTILINE))


def test_gunicorn_times_out_before_nginx_and_keeps_connections_longer():
    config = gunicorn_config()
    assert config["worker_class"] == "gthread"
    (read_timeout,) = directive("proxy_read_timeout")
    assert int(config["timeout"]) < seconds(read_timeout)
    (upstream_keepalive,) = directive("keepalive_timeout")
    assert int(config["keepalive"]) > seconds(upstream_keepalive)
    assert config["preload_app"] == "False"  # a reload (SIGHUP) takes the new code


def test_gunicorn_reads_its_node_settings_from_the_environment():
    config = gunicorn_config(GUNICORN_BIND="10.0.0.11:8000", GUNICORN_WORKERS="3", GUNICORN_THREADS="4")
    assert (config["bind"], config["workers"], config["threads"]) == ("['10.0.0.11:8000']", "3", "4")


def test_every_variable_of_the_environment_example_is_documented():
    readme = (ROOT / "README.md").read_text()
    names = re.findall(r"^([A-Z_]+)=", (DEPLOY / "portal.env.example").read_text(), flags=re.MULTILINE)
    undocumented = [name for name in names if f"`{name}`" not in readme]
    assert not undocumented


# --- nginx, for real -----------------------------------------------------------------------------


class Echo(http.server.BaseHTTPRequestHandler):
    """An app node that answers what it received: path, headers, body size."""

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.dumps(
            {"path": self.path, "headers": dict(self.headers.items()), "body": len(self.rfile.read(length))}
            | {"padding": "text " * 400}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy(tmp_path):
    nginx = need("nginx", "nginx libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static")
    need("openssl", "openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    srv = tmp_path / "srv"
    (srv / "static" / "css").mkdir(parents=True)
    (srv / "static" / "css" / "site.0123456789ab.css").write_text("body { color: #123; }\n" * 200)
    (srv / "media").mkdir()
    (srv / "media" / "note.txt").write_text("an upload")
    echo = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    dead = free_port()  # a node that is down: nothing listens there
    https, http_ = free_port(), free_port()
    prefix = tmp_path / "nginx"
    conf = rehearsal_nginx.render(
        prefix=prefix,
        https=f"127.0.0.1:{https}",
        http=f"127.0.0.1:{http_}",
        upstreams=[f"127.0.0.1:{dead}", f"127.0.0.1:{echo.server_port}"],
        server_name="localhost",  # a name, so that the client sends it (SNI) as browsers do
        cert=cert,
        key=key,
        srv=srv,
        workers=1,
        user="root root",  # its workers read files under pytest's private tmp_path
    )
    test = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True)
    assert test.returncode == 0, test.stderr
    # Without "daemon off" nginx returns once its master has bound the ports: it is ready.
    subprocess.run([nginx, "-p", str(prefix), "-c", str(conf)], check=True)
    context = ssl.create_default_context(cafile=str(cert))
    yield {"https": f"https://localhost:{https}", "http": f"http://localhost:{http_}", "ssl": context}
    subprocess.run([nginx, "-p", str(prefix), "-c", str(conf), "-s", "stop"], check=False)
    echo.shutdown()


def fetch(proxy, path, *, headers=None, data=None, scheme="https"):
    request = urllib.request.Request(f"{proxy[scheme]}{path}", headers=headers or {}, data=data)
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=proxy["ssl"]), NoRedirect
    )  # fmt: skip
    try:
        return opener.open(request, timeout=10)
    except urllib.error.HTTPError as error:
        return error


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_the_shipped_site_parses(proxy):
    assert fetch(proxy, "/").status == 200


def test_the_app_gets_the_client_address_appended_the_scheme_the_host_and_a_request_id(proxy):
    answer = fetch(proxy, "/events/", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http"})
    seen = json.loads(answer.read())["headers"]
    # The client's own claim stays first; the address nginx saw is last (TRUSTED_PROXY_COUNT=1).
    assert seen["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1"
    assert seen["X-Forwarded-Proto"] == "https"
    assert seen["Host"] == proxy["https"].removeprefix("https://")
    assert re.fullmatch(r"[0-9a-f]{32}", seen["X-Request-ID"])


def test_a_node_that_is_down_is_skipped_without_an_error(proxy):
    # One of the two upstreams refuses connections: every request still gets its answer.
    statuses = {fetch(proxy, f"/page-{n}/").status for n in range(6)}
    assert statuses == {200}


def test_an_upload_within_the_limit_passes_and_a_larger_one_is_refused(proxy):
    (limit,) = directive("client_max_body_size")
    allowed = settings.OBSERVATORY_FILE_MAX_BYTES
    assert json.loads(fetch(proxy, "/upload/", data=b"x" * allowed).read())["body"] == allowed
    assert fetch(proxy, "/upload/", data=b"x" * (size_in_bytes(limit) + 1)).status == 413


def test_text_is_compressed(proxy):
    answer = fetch(proxy, "/api/v1/news/", headers={"Accept-Encoding": "gzip"})
    assert answer.headers["Content-Encoding"] == "gzip"
    if rehearsal_nginx.has_brotli():
        answer = fetch(proxy, "/api/v1/news/", headers={"Accept-Encoding": "br, gzip"})
        assert answer.headers["Content-Encoding"] == "br"


def test_static_files_are_served_by_nginx_and_hashed_ones_kept_for_a_year(proxy):
    answer = fetch(proxy, "/static/css/site.0123456789ab.css", headers={"Accept-Encoding": "gzip"})
    assert answer.status == 200
    assert "immutable" in answer.headers["Cache-Control"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Encoding"] == "gzip"


def test_media_are_served_sandboxed(proxy):
    answer = fetch(proxy, "/media/note.txt")
    assert answer.read() == b"an upload"
    assert "sandbox" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_plain_http_redirects_to_https_and_unknown_hosts_are_refused(proxy):
    answer = fetch(proxy, "/events/?when=upcoming", scheme="http")
    assert answer.status == 301
    assert answer.headers["Location"] == f"{proxy['https']}/events/?when=upcoming"
    with pytest.raises((urllib.error.URLError, ConnectionError, http.client.RemoteDisconnected)):
        fetch(proxy, "/", headers={"Host": "evil.example"}, scheme="http").read()


# --- systemd ---------------------------------------------------------------------------------------

UNITS = sorted(path.name for path in (DEPLOY / "systemd").iterdir())


def render_units(folder: Path, *, break_exec: bool = False) -> list[Path]:
    """The units with this checkout in place of /srv/portal/app (so every ExecStart exists)."""
    environment = folder / "portal.env"
    environment.write_text("PORTAL_ENV=production\n")
    for name in UNITS:
        text = (DEPLOY / "systemd" / name).read_text()
        text = text.replace("/srv/portal/app", str(ROOT)).replace("/etc/portal/portal.env", str(environment))
        if break_exec:
            text = text.replace(f"{ROOT}/.venv/bin/", f"{ROOT}/.venv/no-such-bin/")
        (folder / name).write_text(text)
    (folder / "portal-worker@1.service").symlink_to(folder / "portal-worker@.service")
    return [folder / name for name in UNITS if "@." not in name] + [folder / "portal-worker@1.service"]


def verify(units: list[Path]) -> subprocess.CompletedProcess:
    analyze = need("systemd-analyze", "systemd")
    return subprocess.run([analyze, "verify", "--man=no", *map(str, units)], capture_output=True, text=True)


def test_the_systemd_units_verify(tmp_path):
    result = verify(render_units(tmp_path))
    assert result.returncode == 0, result.stderr + result.stdout
    assert not result.stderr.strip(), result.stderr


def test_verify_would_catch_a_unit_that_cannot_start(tmp_path):
    result = verify(render_units(tmp_path, break_exec=True))
    assert result.returncode != 0
    assert "no-such-bin" in result.stderr


def test_the_units_run_what_the_rehearsal_runs():
    web = (DEPLOY / "systemd" / "portal-web.service").read_text()
    worker = (DEPLOY / "systemd" / "portal-worker@.service").read_text()
    assert (
        "ExecStart=/srv/portal/app/.venv/bin/gunicorn --config deploy/gunicorn.conf.py portal.wsgi:application" in web
    )
    assert "ExecStart=/srv/portal/app/.venv/bin/python manage.py run_worker" in worker
    rehearsal = (ROOT / "scripts" / "rehearsal" / "topology.py").read_text()
    assert 'exec_start("portal-web.service")' in rehearsal and 'exec_start("portal-worker@.service")' in rehearsal
