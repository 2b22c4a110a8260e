"""schemathesis against the relayer's own OpenAPI spec, served over real HTTP on the real chain:
whatever it generates, valid by the schema or not, never gets a 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from .conftest import api_client

EXAMPLES = 60  # per operation and mode: bounded so the whole test takes well under a minute


def test_no_generated_request_gets_a_server_error(make):
    relayer = make()
    with api_client(relayer) as client:
        base_url = str(client.base_url).rstrip("/")
        schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert {op.label for op in operations} == {
            "POST /v1/requests",
            "GET /v1/requests/{request_id}",
            "GET /v1/health",
        }
        for operation in operations:
            # Only the body has invalid forms: a path segment is any string, and health takes nothing.
            has_body = operation.method.upper() == "POST"
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)[: 2 if has_body else 1]:

                @settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy(generation_mode=mode))
                def no_server_error(case) -> None:
                    response = case.call_and_validate(base_url=base_url, checks=[not_a_server_error])
                    if response.status_code >= 400:
                        body = response.json()
                        assert set(body) == {"error", "detail"}, body

                no_server_error()
