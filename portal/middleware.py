import time

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from portal import cache as page_cache
from portal.http import keep_private

SKIPPED_PREFIXES = (
    "/admin/",
    "/accounts/",
    "/account/",
    "/api/",
    "/es/accounts/",
    "/es/account/",
    "/static/",
    "/media/",
    "/healthz",  # liveness, and the benchmark's bare ceiling: no cache lookup
    "/readyz",  # readiness: answers 503 itself when the cache is down
)


class AnonymousPageCacheMiddleware:
    """Serve public pages to anonymous visitors from the shared cache (see portal.cache).

    It sits before the session, locale, CSRF and authentication middleware, so that a hit
    skips them: nothing they would do applies to an anonymous visitor without cookies.
    Only for GET/HEAD from a visitor with no session cookie (so no messages, no sign-in),
    only for successful HTML responses that set no cookie (a page with a CSRF-protected
    form sets one, and is never shared) and that are not private (staff previews are).

    A cached page is served while the tags of what it shows hold (``portal.cache.shows``; a
    page that declares none depends on every list's tag): a change turns only the pages that
    show it. A page rendered while one of its tags turned is not kept (it may show the content
    from before the change).

    A view whose page shows something that changes without a publish (a download count) sets
    ``response.page_cache_seconds``: the page is kept at most that long (never past PAGE_TTL).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._may_use_cache(request):
            return self.get_response(request)
        key = self._key(request)
        page_cache.content_version()  # on every request: a scheduled item goes live on time
        cached = cache.get(key)
        if cached is not None:
            tags, versions, response = cached
            if page_cache.versions(tags) == versions:
                response["X-Cache"] = "hit"
                return response
        started = time.time_ns()
        response = self.get_response(request)
        if self._may_store(response):
            response["X-Cache"] = "miss"
            if hasattr(response, "render") and callable(response.render):
                response = response.render() or response
            tags = page_cache.page_tags(response)
            versions = page_cache.page_versions(tags, since_ns=started)
            if versions is not None:
                seconds = getattr(response, "page_cache_seconds", None) or page_cache.PAGE_TTL
                cache.set(key, (tags, versions, response), min(seconds, page_cache.PAGE_TTL))
        return response

    @staticmethod
    def _may_use_cache(request) -> bool:
        return (
            getattr(settings, "ANONYMOUS_PAGE_CACHE", True)
            and request.method in {"GET", "HEAD"}
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES  # a message waits to be shown (cookie storage)
            and not request.path.startswith(SKIPPED_PREFIXES)
        )

    @staticmethod
    def _may_store(response) -> bool:
        cache_control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and not response.cookies
            and "private" not in cache_control
            and "no-store" not in cache_control
        )

    @staticmethod
    def _key(request) -> str:
        # This runs before LocaleMiddleware: the language is the address's (/es/… or the
        # default), exactly as LocaleMiddleware chooses it under i18n_patterns.
        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
        return ":".join(["page", language, request.get_full_path()])


class SignedInAnswersArePrivateMiddleware:
    """Whatever a signed-in person gets (a page with their name in the header, allauth's
    email, password and two-factor pages, recovery codes, the admin, an API answer to their
    token) is never kept by a shared cache or the browser: ``portal.http.keep_private``.

    The views of personal answers that need no sign-in (personal links, previews) call the
    same helper themselves. Placed after the authentication middleware; the REST framework
    sets ``request.user`` for a token before the answer comes back through here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            keep_private(response)
        return response
