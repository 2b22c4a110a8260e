"""Schemathesis on the API's own OpenAPI document: whatever it sends, the answer is never a 5xx and
always matches the documented schema; what the schema allows is accepted and what it forbids is
refused. Against the running_system, control is exercised without the token (401) so the fuzzer never
stops keepers or pauses the master other tests use; with the token, only against the proxied API
(an empty store of its own and no operator key, so control there can only be refused)."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from jsonschema_rs import Draft202012Validator
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
)

from tests.api.conftest import TOKEN

CHECKS = [not_a_server_error, response_schema_conformance, positive_data_acceptance, negative_data_rejection]


@pytest.fixture(scope="module")
def api_schema(running_system):
    return schemathesis.openapi.from_url(running_system.url + "/openapi.json")


@pytest.fixture(scope="module")
def proxied_schema(proxied_api):
    return schemathesis.openapi.from_url(proxied_api.url + "/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")
control_schema = schemathesis.pytest.from_fixture("proxied_schema").include(path="/api/control")


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    case.call_and_validate(checks=CHECKS, timeout=60)


@control_schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_control_with_the_token_accepts_what_the_schema_allows_and_no_more(case):
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS, timeout=60)


# body, whether the schema allows it, what the proxied API answers (404: no such process in its
# store, 409: no operator key; never 422 for a body the schema allows)
CONTROL_BODIES = [
    ({"action": "start", "keeper": "nobody"}, True, 404),
    ({"action": "stop", "keeper": "gas-less_2"}, True, 404),
    ({"action": "pause"}, True, 409),
    ({"action": "start", "keeper": ""}, False, 422),
    ({"action": "start"}, False, 422),
    ({"action": "stop", "keeper": "Arb Keeper"}, False, 422),
    ({"action": "stop", "keeper": "k" * 33}, False, 422),
    ({"action": "pause", "keeper": "arb"}, False, 422),
    ({"action": "unpause", "force": True}, False, 422),
    ({"action": "explode"}, False, 422),
    ({}, False, 422),
]


@pytest.mark.parametrize(("body", "allowed", "answer"), CONTROL_BODIES)
def test_the_control_schema_says_what_is_refused(proxied_api, body, allowed, answer):
    document = httpx.get(proxied_api.url + "/openapi.json").json()
    body_schema = document["paths"]["/api/control"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    # The document as the root resource, so that the body schema's "#/components/..." refs resolve.
    validator = Draft202012Validator({**body_schema, "components": document["components"]})
    assert validator.is_valid(body) is allowed
    response = proxied_api.http.post("/api/control", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == answer, response.text
