"""Pieces of the API that the REST framework settings name (kept free of view imports to
avoid an import cycle): pagination, ordering, the error shape, conditional GETs."""

import hashlib

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, parsers, throttling
from rest_framework import filters as drf_filters
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.http import client_address, keep_private
from portal.search import SearchPaginator

# --- Shared pieces --------------------------------------------------------------------------


class Pagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` as the schema says: whole numbers from 1 (empty: the
    default). A page past the end is a 404; a size above ``max_page_size`` gives that size."""

    django_paginator_class = SearchPaginator  # a search's page read in two steps (portal.search)
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()  # "?page=last" would be a page the schema cannot describe

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise exceptions.ValidationError({self.page_size_query_param: [_("Give a whole number from 1.")]})
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            parameter["allowEmptyValue"] = True
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page (default {self.page_size}); above {self.max_page_size}, {self.max_page_size}."
                )
        return parameters


class AnonRateThrottle(throttling.AnonRateThrottle):
    """Anonymous clients, told apart by portal.http.client_address (TRUSTED_PROXY_COUNT)."""

    def get_ident(self, request):
        return client_address(request)


class UserRateThrottle(throttling.UserRateThrottle):
    """Signed-in clients by account; anonymous ones by portal.http.client_address."""

    def get_ident(self, request):
        return client_address(request)


def exception_handler(exc, context):
    """Every error in one shape: {"error": {"status", "code", "message", "fields"}}."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    fields = {}
    if isinstance(detail, dict) and "detail" not in detail:
        fields = {name: [str(message) for message in _as_list(messages)] for name, messages in detail.items()}
        message = "Some fields are not valid."
        code = "invalid"
    elif isinstance(detail, list):
        message, code = " ".join(str(item) for item in detail), "invalid"
    else:
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        code = getattr(getattr(exc, "detail", None), "code", None) or getattr(exc, "default_code", "error")
    response.data = error_body(response.status_code, code, message, fields)
    return response


def error_body(status: int, code: str, message: str, fields: dict | None = None) -> dict:
    """The API's one error shape."""
    return {"error": {"status": status, "code": code, "message": message, "fields": fields or {}}}


def api_error(status: int, code: str, message: str) -> JsonResponse:
    """An error in the API's shape from outside a REST framework view (unknown /api/ address,
    an unreachable database: portal.errors)."""
    return JsonResponse(error_body(status, code, message), status=status, json_dumps_params={"ensure_ascii": False})


#: Deepest nesting of arrays and objects a JSON body may have; no endpoint takes more than 3.
MAX_JSON_DEPTH = 32


class JSONParser(parsers.JSONParser):
    """REST framework's JSON parser with a bound on nesting. Python's decoder recurses once per
    level and gives up (RecursionError, a 500) around a thousand; a body nested deeper than
    MAX_JSON_DEPTH, or so deep that the decoder gives up, is a 400 in the error shape."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            too_deep = _nested_deeper_than(data, MAX_JSON_DEPTH)
        except RecursionError:
            too_deep = True
        if too_deep:
            raise exceptions.ParseError(
                _("JSON parse error - arrays and objects are nested more than %(depth)s levels deep.")
                % {"depth": MAX_JSON_DEPTH}
            )
        if _has_null_character(data):
            # No text of the portal may hold one (PostgreSQL refuses it: a 500 in any lookup).
            raise exceptions.ParseError(_("JSON parse error - text may not contain the null character (\\u0000)."))
        return data


def _nested_deeper_than(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (value.values() if isinstance(value, dict) else value))
    return False


def _has_null_character(data) -> bool:
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _as_list(messages):
    if isinstance(messages, dict):
        return [f"{key}: {value}" for key, value in messages.items()]
    return messages if isinstance(messages, list) else [messages]


class OrderingFilter(drf_filters.OrderingFilter):
    """``?ordering=`` with a stable order (the primary key breaks ties); a text search
    without an explicit ordering keeps its relevance order."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            ordering = self.remove_invalid_fields(queryset, [p.strip() for p in params.split(",")], view, request)
            if ordering:
                return [*ordering, "-pk" if ordering[0].startswith("-") else "pk"]
        if request.query_params.get("search") or request.query_params.get("q"):
            return None
        return self.get_default_ordering(view)


class PersonalAnswersMixin:
    """Every answer of this view (its errors too) is about the person who asked: never kept
    by a shared cache or the browser."""

    def finalize_response(self, request, response, *args, **kwargs):
        return keep_private(super().finalize_response(request, response, *args, **kwargs))


class ConditionalListMixin:
    """ETag on read endpoints: a client that sends If-None-Match with the same tag gets 304."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in {"GET", "HEAD"} and response.status_code == 200 and hasattr(response, "data"):
            response.render()
            etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
            response["ETag"] = etag
            if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
                not_modified = Response(status=304)
                not_modified["ETag"] = etag
                not_modified.accepted_renderer = response.accepted_renderer
                not_modified.accepted_media_type = response.accepted_media_type
                not_modified.renderer_context = response.renderer_context
                return not_modified
        return response


class _RefusesTheNullCharacter:
    """No text of the portal may hold the null character: PostgreSQL refuses it in any query, so a
    form field with one (even a slug to look up) was a 500. It is a malformed request (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        data = getattr(parsed, "data", parsed)  # the multipart parser returns data and files
        for key, values in data.lists():
            if "\x00" in key or any(isinstance(value, str) and "\x00" in value for value in values):
                raise exceptions.ParseError()
        return parsed


class FormParser(_RefusesTheNullCharacter, parsers.FormParser):
    pass


class MultiPartParser(_RefusesTheNullCharacter, parsers.MultiPartParser):
    pass
