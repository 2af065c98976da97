#!/usr/bin/env python
"""The production rehearsal (`make rehearsal`, scripts/rehearsal/run.sh starts this).

On loopback only, in a folder of its own (--dir, else a new one in /var/tmp), stopped at the end
whatever happens: nginx (deploy/nginx/portal.conf, TLS with a certificate made for the run) in
front of two app nodes (gunicorn as deploy/systemd/portal-web.service starts it, each node with
its own VAR_DIR and temporary folder), one PostgreSQL, one Redis, an SMTP sink, and a task worker
on each node (deploy/systemd/portal-worker@.service). Then the checks, printed as a table
(and written to var/rehearsal/results.md and .json):

  readiness            /readyz through the proxy and on each node
  request id           one id from nginx's log to the app's answer to the worker's log lines
  session              a session made on node A is valid on node B
  publish              a publish through node A changes node B's cached page within a second
  rate limits          the API throttle counts the real client address through the proxy, on both nodes
  rush                 a registration rush through the proxy: exact, no error
  reminders            every reminder exactly once, with workers on both nodes
  node killed          killing node B under load loses no registration, the proxy stops sending to it
  database restart     restarting PostgreSQL under load: every request answered or refused (503), none half-done
  backup and restore   manage.py backup, then restore into a new database and media folder: the
                       counts and checksums match and the site serves the restored content
  migrations           (--migrations) every migration applied to a copy of the benchmark's large
                       dataset, each one timed (scripts/rehearsal/migrations.py)
"""

import argparse
import html
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from clients import Browser, Tally, confirm
from topology import ROOT, Topology, free_port, wait_for_http

PASSWORD = "rehearsal-password-2026"


@dataclass
class Row:
    check: str
    ok: bool
    detail: str
    seconds: float = 0.0
    data: dict = field(default_factory=dict)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)


class Rehearsal:
    def __init__(self, base: Path, args):
        self.args = args
        self.top = Topology(base, gunicorn_workers=args.gunicorn_workers, gunicorn_threads=args.gunicorn_threads)
        self.rows: list[Row] = []

    # --- Setting up ------------------------------------------------------------------------------------

    def set_up(self) -> None:
        top = self.top
        log(f"Folder {top.base}; PostgreSQL {top.pg_bin.parent.name} on 127.0.0.1:{top.pg_port}")
        top.start_postgresql()
        top.psql("CREATE DATABASE portal")
        top.start_redis()
        top.start_sink()
        top.make_certificate()
        a, b = top.add_node("a"), top.add_node("b")
        log("migrate, collectstatic, seed_demo --force (node A's environment)")
        top.manage("migrate", "--no-input", env=a.env)
        top.manage("collectstatic", "--no-input", "-v", "0", env=a.env)
        top.manage("seed_demo", "--force", env=a.env)
        self.boot_django(a.env)
        self.make_fixtures()
        log(f"gunicorn nodes A ({a.address}) and B ({b.address}), a worker on each, nginx on {top.site_url}")
        for node in (a, b):
            top.start_node(node)
        for node in (a, b):
            top.start_worker(node)
        top.start_nginx()
        wait_for_http(f"{top.nodes['a'].base}/readyz", timeout=30)

    def boot_django(self, env: dict) -> None:
        os.environ.update({key: value for key, value in env.items() if key not in {"PATH", "HOME"}})
        os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
        os.environ["LOG_LEVEL"] = "WARNING"
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    def make_fixtures(self) -> None:
        """A participant and an editor who sign in, a news item awaiting review with a cover image."""
        from allauth.account.models import EmailAddress
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.core.files.base import ContentFile
        from PIL import Image

        from accounts.models import Profile
        from portal.models import Country, News, Status

        User = get_user_model()
        self.country = Country.objects.order_by("pk").first()
        self.person = User.objects.create_user(email="participant@rehearsal.example", password=PASSWORD)
        EmailAddress.objects.create(user=self.person, email=self.person.email, primary=True, verified=True)
        self._profile(self.person, Profile)
        self.editor = User.objects.create_user(email="editor@rehearsal.example", password=PASSWORD, is_staff=True)
        EmailAddress.objects.create(user=self.editor, email=self.editor.email, primary=True, verified=True)
        self.editor.groups.add(Group.objects.get(name="Editors"))
        self.totp_secret = generate_totp_secret()
        TOTP.activate(self.editor, self.totp_secret)
        self.news = News(
            title="Rehearsal: the Alliance's ministers meet in Lima",
            slug="rehearsal-ministers-meet-in-lima",
            lead="Published during the production rehearsal, through node A.",
            body="<p>The ministers of trade of Chile, Colombia, Mexico and Peru met in Lima.</p>",
            status=Status.IN_REVIEW,
            cover_alt="The ministers at the table",
        )
        with tempfile.SpooledTemporaryFile() as image:
            Image.new("RGB", (64, 40), (20, 90, 160)).save(image, "PNG")
            image.seek(0)
            self.news.cover_image.save("rehearsal-cover.png", ContentFile(image.read()), save=False)
        self.news.save()

    def _profile(self, user, Profile):
        from django.utils import timezone

        Profile.objects.create(
            user=user, organisation="Universidad de Lima", position="Researcher", sector=Profile.Sector.ACADEMIA,
            country=self.country, preferred_language="en", privacy_policy_version="1.0",
            privacy_consented_at=timezone.now(),
        )  # fmt: skip

    def participants(self, count: int, label: str) -> list:
        """``count`` new participants (verified address, profile), in bulk."""
        from allauth.account.models import EmailAddress
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from django.utils import timezone

        from accounts.models import Profile

        User = get_user_model()
        unusable = make_password(None)
        users = User.objects.bulk_create(
            [User(email=f"{label}-{n}@rehearsal.example", full_name=f"Participant {n}", password=unusable)
             for n in range(count)]
        )  # fmt: skip
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in users]
        )
        now = timezone.now()
        Profile.objects.bulk_create(
            [
                Profile(user=user, sector=Profile.Sector.ACADEMIA, country=self.country, preferred_language="en",
                        privacy_policy_version="1.0", privacy_consented_at=now)
                for user in users
            ]
        )  # fmt: skip
        return users

    def event(self, label: str, *, seats=None, starts_in=timedelta(days=10), **extra):
        from django.utils import timezone

        from events.models import Event, ReminderRule
        from portal.models import Status

        now = timezone.now()
        event = Event.objects.create(
            title=f"Webinar: digital competences at school (rehearsal {label})",
            slug=f"rehearsal-{label}",
            kind=Event.Kind.WEBINAR,
            format=Event.Format.VIRTUAL,
            summary="A free webinar of the Digital Teaching Network: the production rehearsal.",
            time_zone="America/Bogota",
            start=now + starts_in,
            end=now + starts_in + timedelta(hours=2),
            online_url="https://meet.example/rehearsal",
            registration_enabled=True,
            capacity=seats,
            has_waiting_list=seats is not None,
            status=Status.PUBLISHED,
            published_at=now - timedelta(hours=1),
            first_published_at=now - timedelta(hours=1),
            **extra,
        )
        ReminderRule.objects.create(event=event, hours_before=ReminderRule.DEFAULT_HOURS_BEFORE)
        return event

    def pending_links(self, event, people) -> list[str]:
        """Pending registrations, as if each had registered and received the confirmation link."""
        from django.utils import timezone

        from events import services
        from events.models import Registration

        now = timezone.now()
        registrations = Registration.objects.bulk_create(
            [
                Registration(event=event, participant=person, status=Registration.Status.PENDING, created_at=now,
                             status_changed_at=now, status_notified_at=now)
                for person in people
            ]
        )  # fmt: skip
        return [
            f"/events/{event.slug}/confirm/{services.make_token(registration, services.CONFIRM)}/"
            for registration in registrations
        ]

    def counts(self, event) -> dict:
        from events.models import Registration

        counts = {status: 0 for status in Registration.Status.values}
        for row in Registration.objects.filter(event=event).values("status").order_by():
            counts[row["status"]] += 1
        return counts

    def mail(self) -> list[dict]:
        if not self.top.mail_log.exists():
            return []
        return [json.loads(line) for line in self.top.mail_log.read_text().splitlines() if line.strip()]

    def access_log(self) -> list[dict]:
        if not self.top.access_log.exists():
            return []
        return [json.loads(line) for line in self.top.access_log.read_text().splitlines() if line.strip()]

    def worker_lines(self) -> list[tuple[str, dict]]:
        lines = []
        for worker in self.top.workers:
            for line in worker.log.read_text(errors="replace").splitlines():
                if line.startswith("{"):
                    with contextlib.suppress(ValueError):
                        lines.append((worker.name, json.loads(line)))
        return lines

    def proxy(self, **kwargs) -> Browser:
        return Browser(self.top.site_url, cert=str(self.top.cert), **kwargs)

    def node(self, name: str) -> Browser:
        return Browser(self.top.nodes[name].base, direct=True)

    def queue_idle(self) -> bool:
        from django_tasks_db.models import DBTaskResult

        return not DBTaskResult.objects.ready().exists() and not DBTaskResult.objects.running().exists()

    def wait(self, condition, *, timeout: float, step: float = 0.25) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(step)
        return condition()

    # --- The checks ----------------------------------------------------------------------------------------

    def check(self, name: str, function) -> None:
        log(f"check: {name}")
        started = time.monotonic()
        try:
            row = function()
        except Exception as error:  # a check that crashes is a failed row, and the others still run
            traceback.print_exc()
            row = Row(name, False, f"{type(error).__name__}: {error}")
        row.check, row.seconds = name, time.monotonic() - started
        self.rows.append(row)
        log(f"  {'OK' if row.ok else 'FAILED'}: {row.detail}")

    def readiness(self) -> Row:
        answers = {"proxy": self.proxy().get("/readyz")}
        answers.update({f"node {name.upper()}": self.node(name).get("/readyz") for name in self.top.nodes})
        failing = {where: answer.status_code for where, answer in answers.items() if answer.status_code != 200}
        checks = sorted(answers["proxy"].json()["checks"])
        ok = not failing and all("no-store" in answer.headers.get("Cache-Control", "") for answer in answers.values())
        return Row("", ok, f"200 from {', '.join(answers)} ({', '.join(checks)})" if ok else f"not ready: {failing}")

    def request_id(self) -> Row:
        from knox.models import AuthToken

        event = self.event("request-id")
        _instance, token = AuthToken.objects.create(user=self.person)
        answer = self.proxy().post(
            "/api/v1/me/registrations/", json={"event": event.slug}, headers={"Authorization": f"Token {token}"}
        )
        request_id = answer.headers.get("X-Request-ID", "")
        if answer.status_code != 201 or len(request_id) != 32:
            return Row("", False, f"POST answered {answer.status_code}, X-Request-ID {request_id!r}")

        def worker_logged():
            return [
                (worker, line) for worker, line in self.worker_lines()
                if line.get("request_id") == request_id and "state=SUCCESSFUL" in line.get("message", "")
            ]  # fmt: skip

        self.wait(lambda: bool(worker_logged()), timeout=20)
        in_workers = worker_logged()
        # nginx writes its line once the answer is sent: read it now, after the wait.
        proxy_lines = [line for line in self.access_log() if line["request_id"] == request_id]
        mailed = any(
            self.person.email in message["to"] and event.title in message["subject"] for message in self.mail()
        )
        ok = bool(proxy_lines) and bool(in_workers) and mailed
        where = in_workers[0][0] if in_workers else "no worker"
        task = in_workers[0][1]["message"].split(" state=")[0] if in_workers else "?"
        return Row(
            "",
            ok,
            f"{request_id}: nginx's log (via {proxy_lines[0]['upstream'] if proxy_lines else '?'}), the answer's "
            f"X-Request-ID, and {where}'s line for {task}" + ("" if mailed else "; the email did not arrive"),
        )

    def session(self) -> Row:
        on_a = self.node("a")
        signed_in = on_a.sign_in(self.person.email, PASSWORD)
        if signed_in.status_code != 302 or "sessionid" not in on_a.cookies:
            return Row("", False, f"sign-in on node A answered {signed_in.status_code}")
        on_b = self.node("b")
        on_b.cookies = dict(on_a.cookies)
        page = on_b.get("/account/")
        anonymous = self.node("b").get("/account/")
        ok = page.status_code == 200 and self.person.email in page.text and anonymous.status_code == 302
        return Row(
            "", ok, f"signed in on A; node B's /account/ answered {page.status_code} with the participant's address"
            f" (without the cookie: {anonymous.status_code})",
        )  # fmt: skip

    def publish(self) -> Row:
        from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

        on_b = Browser(self.top.nodes["b"].base, direct=True)
        before = [on_b.get("/news/") for _ in range(3)]
        title = html.escape(self.news.title)
        if title in before[-1].text or before[-1].headers.get("X-Cache") != "hit":
            return Row(
                "",
                False,
                f"node B's /news/ was not a cached page without the item (X-Cache {before[-1].headers.get('X-Cache')})",
            )
        editor = self.node("a")
        signed_in = editor.sign_in(
            self.editor.email,
            PASSWORD,
            totp=lambda: format_hotp_value(hotp_value(self.totp_secret, int(time.time()) // 30)),
        )
        if signed_in.status_code != 302:
            return Row("", False, f"the editor's sign-in on node A answered {signed_in.status_code}")
        move = f"/admin/portal/news/{self.news.pk}/workflow/publish/"
        published = editor.submit(move, {"comment": "Approved during the rehearsal", "publish_at": ""})
        done = time.monotonic()
        if published.status_code != 302:
            return Row("", False, f"the publish on node A answered {published.status_code}")
        seen_at, polls = None, 0
        while time.monotonic() - done < 5:
            asked = time.monotonic()
            page = on_b.get("/news/")
            polls += 1
            if title in page.text:
                seen_at = asked
                break
            time.sleep(0.02)
        if seen_at is None:
            return Row("", False, "node B still served the old page 5 s after the publish")
        delay = max(0.0, seen_at - done)
        return Row(
            "", delay <= 1.0, f"node B's cached /news/ showed it {delay * 1000:.0f} ms after node A's answer "
            f"({polls} polls; a process reuses its read of the content version for up to 1 s)",
            data={"delay_ms": round(delay * 1000)},
        )  # fmt: skip

    def rate_limits(self) -> Row:
        limit = 20  # API_ANON_RATE=20/minute (topology.node_environment)
        first = self.proxy(source="127.0.0.2")
        answers = [first.get("/api/v1/countries/") for _ in range(limit + 1)]
        codes = [answer.status_code for answer in answers]
        ids = {answer.headers.get("X-Request-ID") for answer in answers}
        nodes = {line["upstream"] for line in self.access_log() if line["request_id"] in ids}
        other = self.proxy(source="127.0.0.3").get("/api/v1/countries/")
        # A client that writes a new X-Forwarded-For on every request is still one client: nginx
        # appends the address it sees and only that one is read (TRUSTED_PROXY_COUNT=1).
        forger = self.proxy(source="127.0.0.4")
        forged = [
            forger.get("/api/v1/countries/", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
            for n in range(limit + 1)
        ]
        ok = (
            codes == [200] * limit + [429]
            and other.status_code == 200
            and forged == [200] * limit + [429]
            and len(nodes) == len(self.top.nodes)
        )
        return Row(
            "", ok, f"127.0.0.2: {codes.count(200)} × 200 then {codes[-1]} (limit {limit}/min, through "
            f"{len(nodes)} nodes); 127.0.0.3 meanwhile: {other.status_code}; 127.0.0.4 with a new "
            f"X-Forwarded-For each time: {forged.count(200)} × 200 then {forged[-1]}",
        )  # fmt: skip

    def rush(self) -> Row:
        seats, people = self.args.rush_seats, self.args.rush_participants
        event = self.event("rush", seats=seats)
        links = self.pending_links(event, self.participants(people, "rush"))
        tally = Tally()
        outcomes = self._confirm_all(links, tally, clients=self.args.clients)
        counts = self.counts(event)
        ok = (
            counts["confirmed"] == seats and counts["waitlisted"] == people - seats and counts["pending"] == 0
            and not tally.errors and outcomes.count("confirmed") == seats
        )  # fmt: skip
        return Row(
            "", ok, f"{people} participants, {seats} seats, {self.args.clients} clients through nginx: "
            f"{counts['confirmed']} confirmed, {counts['waitlisted']} waitlisted, {counts['pending']} pending, "
            f"{len(tally.errors)} errors",
        )  # fmt: skip

    def _confirm_all(self, links, tally, *, clients: int) -> list:
        shares = [links[index::clients] for index in range(clients)]

        def client(share):
            browser = self.proxy()
            return [confirm(browser, link, tally) for link in share]

        with ThreadPoolExecutor(max_workers=clients) as pool:
            return [outcome for outcomes in pool.map(client, shares) for outcome in outcomes]

    def reminders(self) -> Row:
        from django.db import transaction

        from events import services
        from events.models import Event, Registration

        count = self.args.reminders
        event = self.event("reminders", starts_in=timedelta(hours=12))
        people = self.participants(count, "reminders")
        from django.utils import timezone

        confirmed_at = timezone.now() - timedelta(days=2)
        Registration.objects.bulk_create(
            [
                Registration(event=event, participant=person, status=Registration.Status.CONFIRMED,
                             created_at=confirmed_at, status_changed_at=confirmed_at, confirmed_at=confirmed_at,
                             status_notified_at=confirmed_at)
                for person in people
            ]
        )  # fmt: skip
        started = time.monotonic()
        with transaction.atomic():
            services.schedule_event_reminders(event=Event.objects.select_for_update().get(pk=event.pk))
        wanted = {person.email for person in people}

        def reminded():
            return [m for m in self.mail() if m["subject"].startswith("Reminder:") and event.title in m["subject"]]

        self.wait(lambda: len(reminded()) >= count and self.queue_idle(), timeout=120)
        wall = time.monotonic() - started
        time.sleep(3)  # anything sent twice would arrive now
        per_person = {}
        for message in reminded():
            for address in message["to"]:
                per_person[address] = per_person.get(address, 0) + 1
        missing = len(wanted - set(per_person))
        twice = sum(1 for address in wanted if per_person.get(address, 0) > 1)
        strangers = len(set(per_person) - wanted)
        batches = {}
        for worker, line in self.worker_lines():
            if "send_reminder_batch" in line.get("message", "") and "state=SUCCESSFUL" in line["message"]:
                batches[worker] = batches.get(worker, 0) + 1
        ok = missing == 0 and twice == 0 and strangers == 0
        split = ", ".join(f"{worker}: {n} batches" for worker, n in sorted(batches.items())) or "no batch lines"
        return Row(
            "", ok, f"{count} reminders in {wall:.1f} s: {missing} missing, {twice} twice ({split})",
            data={"per_worker": batches},
        )  # fmt: skip

    def _background_reads(self, stop: threading.Event, tally: Tally, *, paths, clients: int = 3):
        def read():
            browser = self.proxy()
            while not stop.is_set():
                path = random.choice(paths)
                try:
                    answer = browser.get(path() if callable(path) else path)
                    tally.saw(answer.status_code)
                    if answer.status_code >= 500 and answer.status_code != 503:
                        tally.error(f"GET {answer.status_code}")
                    elif answer.status_code == 503 and not answer.headers.get("Retry-After"):
                        tally.error("GET 503 without Retry-After")
                except Exception as error:
                    tally.saw(type(error).__name__)
                    tally.error(type(error).__name__)

        threads = [threading.Thread(target=read, daemon=True) for _ in range(clients)]
        for thread in threads:
            thread.start()
        return threads

    def node_killed(self) -> Row:
        seats, people = 100, 200
        event = self.event("node-killed", seats=seats)
        links = self.pending_links(event, self.participants(people, "killed"))
        node_b = self.top.nodes["b"]
        tally, reads = Tally(), Tally()
        stop = threading.Event()
        readers = self._background_reads(stop, reads, paths=["/", "/news/", "/events/", f"/events/{event.slug}/"])
        killed_at = {}

        def kill_soon():
            time.sleep(1.5)
            killed_at["t"] = time.monotonic()
            killed_at["wall"] = time.time()
            self.top.kill_node(node_b)

        killer = threading.Thread(target=kill_soon)
        killer.start()
        outcomes = self._confirm_all(links, tally, clients=self.args.clients)
        time.sleep(1)
        stop.set()
        killer.join()
        for thread in readers:
            thread.join(timeout=30)
        counts = self.counts(event)
        settle = killed_at["t"] + 1.0  # requests under way on B when it died end within this
        late_errors = [what for at, what in tally.errors + reads.errors if at > settle]
        after = [line for line in self.access_log() if _epoch(line["time"]) > killed_at["wall"] + 1.0]
        answered_by_b = [line for line in after if line["upstream"].split(", ")[-1] == node_b.address]
        tried_b = [line for line in after if node_b.address in line["upstream"]]
        lost = people - counts["confirmed"] - counts["waitlisted"]
        ok = (
            lost == 0 and counts["confirmed"] == seats and counts["pending"] == 0 and not late_errors
            and not answered_by_b and outcomes.count(None) == 0
        )  # fmt: skip
        # B comes back: the proxy sends to it again once its fail_timeout (10 s) has passed.
        self.top.start_node(node_b)
        back_at = time.monotonic()
        back = self.wait(
            lambda: (
                self.proxy().get("/healthz") is not None
                and any(line["upstream"] == node_b.address for line in self.access_log()[-20:])
            ),
            timeout=20,
            step=0.2,
        )
        early = sum(1 for at, _what in tally.errors + reads.errors if at <= settle)
        return Row(
            "", ok and back, f"{people} confirmations, {seats} seats: {lost} lost, {counts['confirmed']} confirmed, "
            f"{counts['pending']} pending; {early} answers failed while B died (retried), {len(late_errors)} after; "
            f"{len(after)} requests since: {len(answered_by_b)} answered by B, {len(tried_b)} tried it first; "
            f"B back in the proxy {f'after {time.monotonic() - back_at:.0f} s' if back else 'NOT within 20 s'}",
        )  # fmt: skip

    def database_restart(self) -> Row:
        seats, people = 100, 200
        event = self.event("database-restart", seats=seats)
        links = self.pending_links(event, self.participants(people, "dbrestart"))
        tally, reads = Tally(), Tally()
        stop = threading.Event()
        words = ["procurement", "trade", "quinoa", "digital", "gender", "mining", "tourism", "pymes"]
        readers = self._background_reads(
            stop, reads, paths=[lambda: f"/events/?q={random.choice(words)}{random.randint(0, 10**6)}", "/news/"]
        )
        restarted = {}

        def restart_soon():
            time.sleep(1.5)
            restarted["from"] = time.monotonic()
            self.top.restart_postgresql()
            restarted["to"] = time.monotonic()

        restarter = threading.Thread(target=restart_soon)
        restarter.start()
        outcomes = self._confirm_all(links, tally, clients=self.args.clients)
        restarter.join()
        time.sleep(1)
        stop.set()
        for thread in readers:
            thread.join(timeout=30)
        from django.db import close_old_connections, connection

        close_old_connections()
        connection.close()  # this process's connection died with the restart too
        counts = self.counts(event)
        statuses = {**tally.statuses}
        for status, n in reads.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
        unclean = {status: n for status, n in statuses.items() if status not in {200, 302, 303, 400, 503}}
        refused = statuses.get(503, 0)
        # None half-done: every participant ends confirmed or waitlisted, the seats exact, and each
        # gets exactly one email saying which (sent after the commit, by a worker).

        def status_emails():
            return [m for m in self.mail() if event.title in m["subject"] and not m["subject"].startswith("Confirm")]

        self.wait(lambda: len(status_emails()) >= people and self.queue_idle(), timeout=120)
        per_person = {}
        for message in status_emails():
            for address in message["to"]:
                per_person[address] = per_person.get(address, 0) + 1
        emails_wrong = sum(1 for n in per_person.values() if n != 1) + (people - len(per_person))
        ok = (
            not unclean and counts["confirmed"] == seats and counts["waitlisted"] == people - seats
            and counts["pending"] == 0 and outcomes.count(None) == 0 and emails_wrong == 0
            and not [what for _at, what in reads.errors if "Retry-After" in what]
        )  # fmt: skip
        restarts = sum(worker.restarts for worker in self.top.workers)
        return Row(
            "", ok, f"PostgreSQL restarted in {restarted['to'] - restarted['from']:.1f} s under load: "
            f"{sum(statuses.values())} answers, {refused} refused with 503, unclean {unclean or 'none'}; "
            f"{counts['confirmed']} confirmed, {counts['waitlisted']} waitlisted, {counts['pending']} pending; "
            f"{emails_wrong} participants without exactly one status email; workers restarted {restarts} times",
            data={"statuses": {str(k): v for k, v in statuses.items()}},
        )  # fmt: skip

    def backup_and_restore(self) -> Row:
        top = self.top
        node_a = top.nodes["a"]
        backups = top.base / "backups"
        started = time.monotonic()
        top.manage("backup", "--output", str(backups), env=node_a.env, log="backup.log")
        backup_s = time.monotonic() - started
        (folder,) = [path for path in backups.iterdir() if path.is_dir()]
        meta = json.loads((folder / "backup.json").read_text())
        top.psql("CREATE DATABASE portal_restored")
        restored = top.base / "restored"
        started = time.monotonic()
        result = top.manage(
            "restore", str(folder), "--database-url", top.database_url("portal_restored"),
            "--media-root", str(restored / "srv" / "media"),
            "--files-root", str(restored / "srv" / "publication-files"),
            env=node_a.env, log="restore.log", check=False,
        )  # fmt: skip
        restore_s = time.monotonic() - started
        if result.returncode != 0:
            tail = (top.logs / "restore.log").read_text()[-400:]
            return Row("", False, f"restore failed: {tail}")
        # A node on the restored database and folders, behind its own nginx (same static files).
        (restored / "srv" / "static").symlink_to(top.srv / "static")
        node = top.add_node("restored")
        node.env.update(
            DATABASE_URL=top.database_url("portal_restored"), MEDIA_ROOT=str(restored / "srv" / "media"),
            OBSERVATORY_FILES_ROOT=str(restored / "srv" / "publication-files"),
            REDIS_URL=f"redis://127.0.0.1:{top.redis_port}/1",  # its own cache: nothing served from the live one
        )  # fmt: skip
        top.start_node(node)
        https = free_port()
        top.start_nginx(prefix=top.base / "nginx-restored", srv=restored / "srv", nodes=[node], https_port=https,
                        http_port=free_port())  # fmt: skip
        site = Browser(f"https://localhost:{https}", cert=str(top.cert))
        page = site.get(self.news.get_absolute_url())
        self.news.refresh_from_db()
        cover = site.get(self.news.cover_image.url)
        original = (top.srv / "media" / self.news.cover_image.name).read_bytes()
        files = (restored / "srv" / "publication-files").rglob("*")
        ok = page.status_code == 200 and html.escape(self.news.title) in page.text and cover.content == original
        return Row(
            "", ok, f"backup {backup_s:.1f} s, restore {restore_s:.1f} s: {len(meta['row_counts'])} tables "
            f"({sum(meta['row_counts'].values())} rows) and {meta['files']} files match; the restored site serves "
            f"the news published in this run ({page.status_code}) and its cover image (identical: "
            f"{cover.content == original}); {sum(1 for f in files if f.is_file())} publication files",
        )  # fmt: skip

    # --- The table ------------------------------------------------------------------------------------------

    def table(self) -> str:
        lines = ["| Check | Result | Time | What was seen |", "| --- | --- | --- | --- |"]
        for row in self.rows:
            lines.append(f"| {row.check} | {'✓' if row.ok else '✗ FAILED'} | {row.seconds:.0f} s | {row.detail} |")
        return "\n".join(lines)


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, help="the folder to work in (default: a new one in /var/tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the folder (logs, databases) afterwards")
    parser.add_argument("--migrations", action="store_true", help="also time every migration on the large dataset")
    parser.add_argument("--dataset-scale", type=float, default=1.0, help="of the benchmark's dataset (--migrations)")
    parser.add_argument("--clients", type=int, default=12, help="concurrent visitors in the load checks")
    parser.add_argument("--rush-participants", type=int, default=300)
    parser.add_argument("--rush-seats", type=int, default=100)
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--gunicorn-workers", type=int, default=2, help="processes per node")
    parser.add_argument("--gunicorn-threads", type=int, default=4, help="threads per process")
    args = parser.parse_args()

    base = args.dir or Path(tempfile.mkdtemp(prefix="portal-rehearsal.", dir="/var/tmp"))
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)  # PostgreSQL runs as postgres, nginx's workers as nobody
    rehearsal = Rehearsal(base, args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `timeout` stops the run: clean up all the same
    started = time.monotonic()
    failed_setup = None
    try:
        try:
            rehearsal.set_up()
        except Exception as error:
            traceback.print_exc()
            failed_setup = f"{type(error).__name__}: {error}"
        if failed_setup is None:
            for name, check in [
                ("readiness", rehearsal.readiness),
                ("request id", rehearsal.request_id),
                ("session across nodes", rehearsal.session),
                ("publish, cache on the other node", rehearsal.publish),
                ("rate limits through the proxy", rehearsal.rate_limits),
                ("registration rush", rehearsal.rush),
                ("reminders exactly once", rehearsal.reminders),
                ("app node killed under load", rehearsal.node_killed),
                ("PostgreSQL restarted under load", rehearsal.database_restart),
                ("backup and restore", rehearsal.backup_and_restore),
            ]:
                rehearsal.check(name, check)
    finally:
        log("stopping everything")
        rehearsal.top.stop_all()
    if args.migrations and failed_setup is None:
        import migrations

        rehearsal.check(
            "migrations on the large dataset",
            lambda: Row("", **migrations.rehearse(base / "migrations", log=log, scale=args.dataset_scale)),
        )
    total = time.monotonic() - started
    if failed_setup:
        rehearsal.rows.append(Row("set-up", False, failed_setup))
    out = ROOT / "var" / "rehearsal"
    out.mkdir(parents=True, exist_ok=True)
    table = rehearsal.table()
    (out / "results.md").write_text(f"{table}\n\nTotal {total:.0f} s; logs in {base}\n")
    (out / "results.json").write_text(
        json.dumps(
            {
                "total_seconds": round(total),
                "folder": str(base),
                "rows": [
                    {"check": r.check, "ok": r.ok, "detail": r.detail, "seconds": round(r.seconds, 1), **r.data}
                    for r in rehearsal.rows
                ],
            },
            indent=2,
        )
        + "\n"  # fmt: skip
    )
    print()
    print(table)
    held = bool(rehearsal.rows) and all(r.ok for r in rehearsal.rows)
    kept = args.keep or not held  # the logs of a failed run stay for reading
    print(f"\n{sum(r.ok for r in rehearsal.rows)} of {len(rehearsal.rows)} checks hold; {total:.0f} s; "
          f"results in var/rehearsal/; logs {'in ' + str(base) if kept else 'removed'}")  # fmt: skip
    if not kept:
        shutil.rmtree(base, ignore_errors=True)
    sys.exit(0 if held else 1)


if __name__ == "__main__":
    main()
