"""The rehearsal's visitors: a small browser over requests (cookies kept by hand, since the
production profile's cookies are Secure and an app node is also asked directly over plain HTTP,
as nginx does), from a chosen loopback address, and the registration confirmation as a
participant does it, retrying the way a person clicks again after an error page."""

import re
import threading
import time
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy

import requests
from requests.adapters import HTTPAdapter

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RETRIED = {502, 503, 504}


class _FromAddress(HTTPAdapter):
    def __init__(self, source: str, **kwargs):
        self.source = source
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


class Browser:
    """One visitor. ``base`` is nginx (https://localhost:PORT) or a node (http://127.0.0.1:PORT,
    then with the headers nginx would add)."""

    def __init__(self, base: str, *, cert=None, source: str | None = None, direct: bool = False):
        self.base, self.cert, self.direct = base, cert, direct
        self.session = requests.Session()
        self.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # kept by hand below
        if source:
            adapter = _FromAddress(source, pool_connections=2, pool_maxsize=2)
            self.session.mount("https://", adapter)
            self.session.mount("http://", adapter)
        self.cookies: dict[str, str] = {}
        self.origin = base.replace("http://", "https://") if direct else base

    def request(self, method: str, path: str, *, headers=None, **kwargs) -> requests.Response:
        sent = {"Referer": self.origin + path, **(headers or {})}
        if self.direct:
            sent.setdefault("X-Forwarded-Proto", "https")
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("allow_redirects", False)
        response = self.session.request(method, self.base + path, headers=sent, verify=self.cert or True, **kwargs)
        for cookie in response.cookies:
            if cookie.value:
                self.cookies[cookie.name] = cookie.value
            else:
                self.cookies.pop(cookie.name, None)
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs) -> requests.Response:
        return self.request("POST", path, data=data, **kwargs)

    def submit(self, path: str, fields: dict | None = None, *, form_path: str | None = None) -> requests.Response:
        """GET the page with the form, POST it with its CSRF token and ``fields``."""
        page = self.get(form_path or path)
        match = CSRF_INPUT.search(page.text)
        if not match:
            raise RuntimeError(f"no form on {form_path or path} ({page.status_code})")
        return self.post(path, {"csrfmiddlewaretoken": match.group(1), **(fields or {})})

    def sign_in(self, email: str, password: str, *, totp=None) -> requests.Response:
        answer = self.submit("/accounts/login/", {"login": email, "password": password})
        if totp is not None and "/2fa/" in answer.headers.get("Location", ""):
            answer = self.submit(answer.headers["Location"], {"code": totp()})
        return answer


@dataclass
class Tally:
    """What the visitors saw, for the table: each answer's status, and the errors by moment."""

    statuses: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)  # (monotonic time, what)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, status) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append((time.monotonic(), what))


def confirm(browser: Browser, link: str, tally: Tally, *, tries: int = 8) -> str | None:
    """A participant opens the confirmation link and confirms. After an error page (502, 503,
    504) or a broken connection they try again, as a person would; "already used" after such a
    retry means the first attempt went through. Returns confirmed, waitlisted or None."""
    for attempt in range(tries):
        try:
            page = browser.get(link)
            tally.saw(page.status_code)
            if page.status_code in RETRIED:
                tally.error(f"GET {page.status_code}")
                time.sleep(_retry_after(page, attempt))
                continue
            if page.status_code == 400 and "already been used" in page.text:
                return "confirmed" if "confirmed" in page.text else "waitlisted"
            match = CSRF_INPUT.search(page.text)
            if page.status_code != 200 or not match:
                tally.error(f"GET {page.status_code} without the form")
                return None
            answer = browser.post(link, {"csrfmiddlewaretoken": match.group(1)})
            tally.saw(answer.status_code)
            if answer.status_code in RETRIED:
                tally.error(f"POST {answer.status_code}")
                time.sleep(_retry_after(answer, attempt))
                continue
            if answer.status_code == 200 and "Your participation is confirmed" in answer.text:
                return "confirmed"
            if answer.status_code == 200 and "You are on the waiting list" in answer.text:
                return "waitlisted"
            tally.error(f"POST {answer.status_code}: neither confirmed nor waiting list")
            return None
        except requests.RequestException as error:
            tally.saw(type(error).__name__)
            tally.error(type(error).__name__)
            time.sleep(0.3 * (attempt + 1))
    return None


def _retry_after(response: requests.Response, attempt: int) -> float:
    try:
        return min(float(response.headers.get("Retry-After", "")), 3.0)
    except ValueError:
        return 0.3 * (attempt + 1)
