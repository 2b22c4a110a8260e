"""Schemathesis on the API's own OpenAPI document: whatever it sends, the answer is never a 5xx and
always matches the documented schema. Control is exercised without the token (401) so the fuzzer
never stops keepers or pauses the master of the running_system other tests use."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance


@pytest.fixture(scope="module")
def api_schema(running_system):
    return schemathesis.openapi.from_url(running_system.url + "/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance], timeout=60)
