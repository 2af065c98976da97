"""The rehearsal's machines, on loopback: one PostgreSQL, one Redis, an SMTP sink, two app nodes
(gunicorn, each with its own VAR_DIR and temporary folder), a task worker on each node, and nginx
in front, every process started as the shipped configuration says (deploy/) and stopped at the end.

The app nodes and workers run the command of their systemd unit's ExecStart (deploy/systemd/),
with /srv/portal/app replaced by this checkout, in the environment that the unit's
EnvironmentFile would give them: deploy/portal.env.example with the rehearsal's addresses.
A worker that exits is started again after 2 s, as the unit's Restart=always does.
"""

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nginx as nginx_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
AS_ROOT = os.geteuid() == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def exec_start(unit: str) -> list[str]:
    """The unit's ExecStart, as it would run from this checkout."""
    for line in (DEPLOY / "systemd" / unit).read_text().splitlines():
        if line.startswith("ExecStart="):
            return shlex.split(line.removeprefix("ExecStart=").replace("/srv/portal/app", str(ROOT)))
    raise ValueError(f"{unit} has no ExecStart")


def read_environment_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as systemd's EnvironmentFile reads them (no quotes in ours)."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def wait_for_http(url: str, *, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def stop_group(process: subprocess.Popen, *, grace: float = 10.0) -> None:
    """SIGTERM to the process's group (it was started in a session of its own), then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@dataclass
class Node:
    name: str
    port: int
    env: dict
    log: Path
    process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base(self) -> str:
        return f"http://{self.address}"


@dataclass
class Worker:
    name: str
    env: dict
    log: Path
    process: subprocess.Popen | None = None
    restarts: int = 0
    keep_running: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)


class Topology:
    def __init__(self, base: Path, *, gunicorn_workers: int = 2, gunicorn_threads: int = 4):
        self.base = base
        self.logs = base / "logs"
        self.srv = base / "srv"  # shared: static files (nginx), media and publication files
        for folder in (self.logs, self.srv / "static", self.srv / "media", self.srv / "publication-files"):
            folder.mkdir(parents=True, exist_ok=True)
        self.pg_port, self.redis_port, self.smtp_port = free_port(), free_port(), free_port()
        self.https_port, self.http_port = free_port(), free_port()
        self.gunicorn_workers, self.gunicorn_threads = gunicorn_workers, gunicorn_threads
        self.pg_bin = self._pg_bindir()
        self.processes: list[subprocess.Popen] = []
        self.nodes: dict[str, Node] = {}
        self.workers: list[Worker] = []
        self.nginx_confs: list[Path] = []
        self.pg_started = False
        self.pg_extra = ""
        self.secret_key = "rehearsal-only-secret-key-" + os.urandom(24).hex()
        self.cert, self.key = base / "tls" / "cert.pem", base / "tls" / "key.pem"

    # --- PostgreSQL ------------------------------------------------------------------------------

    @staticmethod
    def _pg_bindir() -> Path:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
        if not found:
            raise RuntimeError("no PostgreSQL server in /usr/lib/postgresql/*/bin")
        return found[-1].parent

    def _as_postgres(self, *command: str) -> None:
        quoted = " ".join(shlex.quote(part) for part in command)
        argv = ["su", "postgres", "-s", "/bin/sh", "-c", f"cd / && {quoted}"] if AS_ROOT else ["sh", "-c", quoted]
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)

    @property
    def pg_data(self) -> Path:
        return self.base / "pg" / "data"

    # For loading a dataset only: nothing needs to survive a crash until the data is in.
    UNDURABLE = (
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c maintenance_work_mem=512MB "
        "-c max_wal_size=8GB"
    )

    def start_postgresql(self, *, fast: bool = False) -> None:
        self.pg_extra = self.UNDURABLE if fast else ""
        folder = self.base / "pg"
        folder.mkdir(exist_ok=True)
        if AS_ROOT:
            subprocess.run(["chown", "postgres", str(folder)], check=True)
        self._as_postgres(
            str(self.pg_bin / "initdb"), "-D", str(self.pg_data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8",
        )  # fmt: skip
        self._pg_ctl("start")
        self.pg_started = True

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.pg_port} -k {self.base / 'pg'} -c max_connections=200 "
            f"-c shared_buffers=256MB {self.pg_extra}"
        )
        self._as_postgres(
            str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data), "-l", str(self.base / "pg" / "postgresql.log"), "-w",
            "-t", "60", "-o", options, action, *extra,
        )  # fmt: skip

    def restart_postgresql(self, *, fast: bool | None = None) -> None:
        """A restart as an operator does one: fast shutdown (sessions ended, transactions rolled
        back), then start (``fast`` changes the durability settings on the way)."""
        if fast is not None:
            self.pg_extra = self.UNDURABLE if fast else ""
        self._pg_ctl("restart", "-m", "fast")

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [str(self.pg_bin / "psql"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "-d", database,
             "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return result.stdout.strip()

    def database_url(self, name: str = "portal") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/{name}"

    # --- Redis, the SMTP sink --------------------------------------------------------------------------

    def _spawn(self, argv: list[str], log: Path, env: dict | None = None, cwd: Path = ROOT) -> subprocess.Popen:
        stream = log.open("ab")
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True
        )
        stream.close()
        self.processes.append(process)
        return process

    def start_redis(self) -> None:
        process = self._spawn(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "", "--appendonly", "no",
             "--dir", str(self.base)],
            self.logs / "redis.log",
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as connection:
                    connection.sendall(b"PING\r\n")
                    if connection.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server did not start (see {self.logs / 'redis.log'}); exit {process.poll()}")

    @property
    def mail_log(self) -> Path:
        return self.base / "mail.jsonl"

    def start_sink(self) -> None:
        process = self._spawn(
            [sys.executable, str(Path(__file__).with_name("sink.py")), "--port", str(self.smtp_port), "--out",
             str(self.mail_log)],
            self.logs / "sink.log",
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.smtp_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the SMTP sink did not start; exit {process.poll()}")

    # --- The app nodes ----------------------------------------------------------------------------------

    @property
    def site_url(self) -> str:
        return f"https://localhost:{self.https_port}"

    def node_environment(self, name: str, port: int, **overrides: str) -> dict:
        """deploy/portal.env.example, with the rehearsal's addresses and this node's own folders."""
        values = read_environment_file(DEPLOY / "portal.env.example")
        own = self.base / f"node-{name}"
        for folder in (own / "var", own / "tmp"):
            folder.mkdir(parents=True, exist_ok=True)
        values.update(
            {
                "SECRET_KEY": self.secret_key,
                "ALLOWED_HOSTS": "localhost,127.0.0.1",
                "SITE_URL": self.site_url,
                "DATABASE_URL": self.database_url(),
                "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "VAR_DIR": str(own / "var"),
                "STATIC_ROOT": str(self.srv / "static"),
                "MEDIA_ROOT": str(self.srv / "media"),
                "OBSERVATORY_FILES_ROOT": str(self.srv / "publication-files"),
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(self.smtp_port),
                "EMAIL_HOST_USER": "",
                "EMAIL_HOST_PASSWORD": "",
                "EMAIL_USE_TLS": "false",
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": str(self.gunicorn_workers),
                "GUNICORN_THREADS": str(self.gunicorn_threads),
                "GUNICORN_WORKER_TMP_DIR": str(own / "tmp"),
                "GUNICORN_PROC_NAME": f"portal-web-{name}",
                "FORWARDED_ALLOW_IPS": "127.0.0.1",
                # The rehearsal's rate-limit check counts to this, through both nodes.
                "API_ANON_RATE": "20/minute",
                # The same take-over and sweeps as production, on a shorter clock, so that what a
                # worker lost in the database restart is owed and delivered within the run.
                "WORKER_HEARTBEAT_SECONDS": "2",
                "WORKER_LEASE_SECONDS": "8",
                "WORKER_SWEEP_SECONDS": "10",
                "WORKER_SWEEP_GRACE_SECONDS": "15",
                "OUTBOX_RETRY_SECONDS": "5",
                **overrides,
            }
        )
        (self.base / "env").mkdir(exist_ok=True)
        (self.base / "env" / f"node-{name}.env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        return {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": str(own), "TMPDIR": str(own / "tmp"), **values}

    def manage(self, *args: str, env: dict, log: str = "manage.log", check: bool = True) -> subprocess.CompletedProcess:
        with (self.logs / log).open("ab") as stream:
            return subprocess.run(
                [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=stream, stderr=subprocess.STDOUT,
                check=check,
            )  # fmt: skip

    def add_node(self, name: str) -> Node:
        port = free_port()
        node = Node(name=name, port=port, env=self.node_environment(name, port), log=self.logs / f"node-{name}-web.log")
        self.nodes[name] = node
        return node

    def start_node(self, node: Node) -> None:
        node.process = self._spawn(exec_start("portal-web.service"), node.log, env=node.env)
        wait_for_http(f"{node.base}/healthz", timeout=90, process=node.process)

    def kill_node(self, node: Node) -> None:
        """The node dies: every process of it at once, with no chance to finish anything."""
        os.killpg(node.process.pid, signal.SIGKILL)
        node.process.wait(timeout=10)

    # --- The workers -----------------------------------------------------------------------------------

    def start_worker(self, node: Node) -> Worker:
        worker = Worker(name=f"worker-{node.name}", env=node.env, log=self.logs / f"node-{node.name}-worker.log")
        self.workers.append(worker)

        def supervise():  # systemd's Restart=always, RestartSec=2
            while worker.keep_running:
                with worker.lock:
                    if not worker.keep_running:
                        return
                    worker.process = self._spawn(exec_start("portal-worker@.service"), worker.log, env=worker.env)
                code = worker.process.wait()
                if worker.keep_running:
                    worker.restarts += 1
                    with worker.log.open("a") as stream:
                        stream.write(f"# rehearsal: the worker exited with {code}; started again in 2 s\n")
                    time.sleep(2)

        threading.Thread(target=supervise, name=worker.name, daemon=True).start()
        return worker

    def stop_worker(self, worker: Worker) -> None:
        with worker.lock:
            worker.keep_running = False
        if worker.process is not None:
            stop_group(worker.process, grace=30)

    # --- nginx -----------------------------------------------------------------------------------------------

    def make_certificate(self) -> None:
        self.cert.parent.mkdir(exist_ok=True)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost", "-keyout", str(self.key), "-out", str(self.cert)],
            check=True, capture_output=True,
        )  # fmt: skip

    def start_nginx(self, *, prefix: Path | None = None, srv: Path | None = None, nodes: list[Node] | None = None,
                    https_port: int | None = None, http_port: int | None = None) -> Path:  # fmt: skip
        prefix = prefix or self.base / "nginx"
        conf = nginx_config.render(
            prefix=prefix,
            https=f"127.0.0.1:{https_port or self.https_port}",
            http=f"127.0.0.1:{http_port or self.http_port}",
            upstreams=[node.address for node in (nodes or self.nodes.values())],
            cert=self.cert,
            key=self.key,
            srv=srv or self.srv,
        )
        subprocess.run(["nginx", "-t", "-q", "-p", str(prefix), "-c", str(conf)], check=True)
        subprocess.run(["nginx", "-p", str(prefix), "-c", str(conf)], check=True)  # returns once listening
        self.nginx_confs.append(conf)
        return conf

    @property
    def access_log(self) -> Path:
        return self.base / "nginx" / "logs" / "portal.access.log"

    # --- The end -----------------------------------------------------------------------------------------------

    def stop_all(self) -> None:
        for worker in self.workers:
            self.stop_worker(worker)
        for conf in self.nginx_confs:
            subprocess.run(["nginx", "-p", str(conf.parent), "-c", str(conf), "-s", "stop"], capture_output=True)
        for process in reversed(self.processes):
            stop_group(process)
        if self.pg_started:
            with contextlib.suppress(subprocess.CalledProcessError):
                self._pg_ctl("stop", "-m", "fast")
