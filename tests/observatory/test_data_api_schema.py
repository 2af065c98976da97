"""A bounded schemathesis run of the indicator data endpoints against the API's schema, with a
published dataset in the database so that detail routes and filters find something."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.factories import EditorFactory
from tests.observatory.factories import IndicatorFactory, published_import
from tests.observatory.test_data_pages import _rows

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application()).include(
    path_regex=r"^/api/v1/(indicators|datasets|observations)/"
)


@pytest.fixture
def data(db, tmp_path):
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    indicator = IndicatorFactory(code="UNE", slug="unemployment-rate")
    published_import(tmp_path, indicator, _rows(years=range(2020, 2025)), editor=EditorFactory())
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_data_endpoints_conform_to_the_schema(case, data):
    if case.path_parameters:
        name = next(iter(case.path_parameters))
        if len(str(case.path_parameters[name])) % 2 == 0:  # half the detail calls ask for a row that exists
            case.path_parameters[name] = "unemployment-rate" if name == "slug" else "labour-demo"
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance, content_type_conformance])
