"""What the portal reads from a request about its client, and the headers of personal answers.

Every rate limit (allauth's sign-in, sign-up and reset limits, the API's throttles, the
observatory's report limit) and anything else that needs the client's address calls
``client_address``; every personal answer (a page or an API response about the person who
asked) goes through ``keep_private``.
"""

import ipaddress

from django.conf import settings
from django.utils.cache import add_never_cache_headers, patch_cache_control


def client_address(request) -> str:
    """The client's IP address, as the proxies in front of the app servers saw it.

    ``TRUSTED_PROXY_COUNT`` is the number N of proxies of ours that every request passes.
    Each appends to ``X-Forwarded-For`` the address it received the request from, and the
    last one is ``REMOTE_ADDR``: the client is then the N-th entry from the right. Whatever a
    client writes in its own ``X-Forwarded-For`` stays to the LEFT of what our proxies append,
    so it cannot choose the address read here. With N = 0 the header is ignored.

    A chain shorter than N (the request passed fewer proxies) gives its leftmost entry, the
    address the outermost proxy it passed saw. An entry that is not an IP address (a
    misconfigured count reaching into a client's own text) gives ``REMOTE_ADDR``: never a
    value the client wrote.
    """
    remote = _ip_or_none(request.META.get("REMOTE_ADDR", "")) or ""
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    chain = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [entry for entry in chain if entry]
    if not chain:
        return remote
    return _ip_or_none(chain[-min(count, len(chain))]) or remote


def _ip_or_none(text: str) -> str | None:
    """``text`` as a normalised IP address (a port or IPv6 brackets removed), else None."""
    text = text.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # 203.0.113.9:51234
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def keep_private(response, *, noindex: bool = False):
    """A personal answer: never kept by a shared cache or the browser (``private, no-store``).

    ``noindex`` adds ``X-Robots-Tag: noindex`` for pages reached by a link that a search
    engine must not list (previews of unpublished content, personal links).
    """
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    if noindex:
        response["X-Robots-Tag"] = "noindex"
    return response


def keep_out_of_caches(response):
    """A public answer that no cache may keep, e.g. a page about to change by the clock (a
    consultation that opens or closes within a cache lifetime): ``no-store``, nothing private."""
    patch_cache_control(response, no_store=True)
    return response


def keep_out_of_search_engines(response):
    """A public answer no search engine should list (a certificate's verification page: a code
    typed by someone who has it, not a page to find): ``X-Robots-Tag: noindex``, cacheable."""
    response["X-Robots-Tag"] = "noindex"
    return response
