"""The OpenAPI schema tells the truth: every error an operation answers, every filter as it is checked.

- ``AutoSchema`` (REST framework's DEFAULT_SCHEMA_CLASS) adds to each operation the errors it
  can really answer, in the API's one shape (``ApiError``), unless the view documents them
  itself (``extend_schema(responses=…)``, e.g. the 409s of /me/registrations/).
- ``FilterParameters`` describes each FilterSet parameter from the form field that validates
  it: its type (an integer filter is ``integer``, not ``number``), ``maxLength``, ``pattern``,
  ``minimum``/``maximum``; every filter and ``ordering`` allow an empty value (``?year=`` is
  "any year", as the pages' forms send it).
"""

import copy

from django import forms
from django.core.validators import RegexValidator
from drf_spectacular import openapi
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from portal.api_base import ConditionalListMixin

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ApiErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ApiErrorSerializer(serializers.Serializer):
    """The API's one error shape (portal.api_base.error_body), for the schema."""

    error = ApiErrorDetailSerializer()


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ApiErrorSerializer, description=description)


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in self._errors().items():
            if str(code) not in responses:
                if response is None:
                    responses[str(code)] = {"description": self._not_modified}
                else:
                    responses[str(code)] = self._get_response_for_code(response, str(code), direction=direction)
        return dict(sorted(responses.items()))

    _not_modified = "Not modified: the ETag sent in If-None-Match is still the current one."

    def _errors(self) -> dict[int, OpenApiResponse | None]:
        """What this operation can answer besides success (None: a response without a body)."""
        needs_sign_in = not any(requirement == {} for requirement in self.get_auth() or [{}])
        errors = {
            401: error(
                "No valid credentials: sign in or send a token." if needs_sign_in else "The token sent is not valid."
            ),
            406: error("The Accept header asks for something else than JSON."),
            429: error("Too many requests from this client: try again after Retry-After seconds."),
            503: error("The portal cannot reach its database for a moment: try again after Retry-After seconds."),
        }
        has_body = self.method in {"POST", "PUT", "PATCH"} and self.get_request_serializer() is not None
        if has_body or self._get_filter_parameters() or self._get_pagination_parameters():
            errors[400] = error("A parameter or the body is not valid; `fields` says which and why.")
        if self.method not in SAFE_METHODS:
            errors[403] = error("Refused: a session without its CSRF token, or a move that is not allowed.")
        if has_body:
            errors[415] = error("The body is not JSON (nor a form).")
        if "{" in self.path or self._get_pagination_parameters():
            errors[404] = error("Nothing at this address (or no such page of results).")
        if self.method == "GET" and isinstance(self.view, ConditionalListMixin):
            errors[304] = None
        return errors

    def _get_filter_parameters(self):
        # "?name=" is no filter, for every filter and for the ordering (the pages' forms send it).
        return [{**parameter, "allowEmptyValue": True} for parameter in super()._get_filter_parameters()]


class FilterParameters(DjangoFilterExtension):
    """django-filter's parameters, with the constraints of the form field that checks them."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        # A copy: ``Filter.field`` builds its form field once and keeps it, and the FilterSet's
        # class-level filter must not keep one built before a FilterSet sets its choices.
        field = copy.deepcopy(filter_field).field
        for parameter in parameters:
            schema = parameter["schema"]
            if isinstance(field, forms.IntegerField):
                schema.update(type="integer")
                schema.pop("format", None)
            if isinstance(field, forms.IntegerField | forms.DecimalField):
                if field.min_value is not None:
                    schema["minimum"] = field.min_value
                if field.max_value is not None:
                    schema["maximum"] = field.max_value
            if isinstance(field, forms.CharField) and schema.get("type") == "string":
                if field.max_length:
                    schema["maxLength"] = field.max_length
                patterns = [
                    validator.regex.pattern
                    for validator in field.validators
                    if isinstance(validator, RegexValidator) and not validator.inverse_match
                ]
                if patterns:
                    schema["pattern"] = patterns[0]
        return parameters
