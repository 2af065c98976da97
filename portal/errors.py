"""The site's error answers: a page for people, the API's JSON error shape under /api/.

Django calls these (``handler400`` … ``handler500`` in portal.urls) for what no view answered:
an unknown address, an exception. The API's own views answer their errors through
``portal.api_base.exception_handler``, in the same shape, so that /api/ never answers HTML.

A database that cannot be reached (PostgreSQL restarting, a connection refused or cut) is a
503 with ``Retry-After`` on both, never a 500: ``DatabaseUnavailableMiddleware`` catches it
from a view, ``server_error`` from a middleware (the session and the signed-in user are read
from the database before any view runs).
"""

import logging
import sys

from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions

from portal.api_base import api_error

logger = logging.getLogger(__name__)

#: What Django's database layer raises when it cannot reach or keep the database.
DATABASE_ERRORS = (OperationalError, InterfaceError)
#: Seconds a client is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 30


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request, exception, *, message: str = ""):
    if is_api(request):
        return api_error(400, "bad_request", message or _("The request could not be understood."))
    return render(request, "400.html", {"message": message}, status=400)


def permission_denied(request, exception):
    if is_api(request):
        return api_error(403, "permission_denied", str(exceptions.PermissionDenied.default_detail))
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if is_api(request):
        return api_error(404, "not_found", str(exceptions.NotFound.default_detail))
    return TemplateResponse(request, "404.html", status=404)


def server_error(request):
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    if is_api(request):
        return api_error(500, "server_error", _("Something went wrong on our side. Please try again in a few minutes."))
    # Rendered without context processors: the database may be what failed.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def database_unavailable(request):
    """503 with Retry-After: the JSON error shape under /api/, else a page that needs no database."""
    if is_api(request):
        response = api_error(
            503, "service_unavailable", _("The portal is unavailable for a moment. Please try again shortly.")
        )
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """A view that finds the database unreachable answers 503 (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.error("The database is unavailable: %s", exception, exc_info=exception)
            return database_unavailable(request)
        return None


class NullCharacterMiddleware:
    """No text of the portal may hold the null character, and PostgreSQL refuses it in any lookup.

    Under /api/ an address whose path or query holds one is a 400 in the error shape before
    anything reads it. Pages read their parameters through forms, which refuse it with the
    page's own message ("some filters could not be applied"); for a view that would still
    send one to the database, the DataError becomes a 400 page, never a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api(request) and _has_null_character(request):
            return bad_request(request, None, message=null_character_message())
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DataError) and "NUL" in str(exception):
            return bad_request(request, exception, message=null_character_message())
        return None


def null_character_message() -> str:
    return _("The address holds a null character (%00), which no page takes.")


def _has_null_character(request) -> bool:
    return "\x00" in request.path or any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
    )
