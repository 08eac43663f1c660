"""Property-based contract test: schemathesis generates requests from the live OpenAPI
schema (served by the WSGI app itself) and checks every answer against it.

Over 1,000 requests across all operations (orders and quotes included), authenticated with a partner token: valid
and invalid data, real and random product codes and order ids. No answer may be a 5xx,
and every answer must be documented (status, content type, headers, body schema).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from atelier.wsgi import application
from orders.models import Partner
from tests.api.conftest import client_for, order_body, place

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

POSITIVE_EXAMPLES = 150
NEGATIVE_EXAMPLES = 75
MINIMUM_REQUESTS = 1000

CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def partner_token(published_demo, settings):
    # The run must measure the API, not its rate limits.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
    }
    partner = Partner.objects.create(name="Fuzzer")
    client = client_for(partner)
    order_id = place(client, key="seed").json()["id"]
    # Two quotes: one the run may accept (then 409 on every later accept), one it may not
    # reach as accepted before the negative cases.
    quote_ids = [
        client.post("/api/v1/quotes/", order_body(reference=f"Q{i}"), format="json").json()["id"]
        for i in range(2)
    ]
    raw = client._credentials["HTTP_AUTHORIZATION"].split()[1]
    return raw, order_id, quote_ids


def test_generated_requests_conform_to_the_schema(partner_token):
    raw, order_id, quote_ids = partner_token
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    auth = {"Authorization": f"Token {raw}"}
    sent = 0

    def run(strategy, examples: int, checks) -> None:
        @given(case=strategy)
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case):
            nonlocal sent
            sent += 1
            case.call_and_validate(headers=auth, checks=checks)

        exercise()

    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "GET /api/v1/products/",
        "GET /api/v1/products/{code}/",
        "POST /api/v1/products/{code}/configure",
        "GET /api/v1/orders/",
        "POST /api/v1/orders/",
        "GET /api/v1/orders/{id}/",
        "POST /api/v1/orders/{id}/cancel",
        "GET /api/v1/quotes/",
        "POST /api/v1/quotes/",
        "GET /api/v1/quotes/{id}/",
        "POST /api/v1/quotes/{id}/accept",
    }
    for operation in operations:
        if operation.label.startswith("GET /api/v1/schema"):
            continue
        # Half the positive cases use real path values (a real product, our order or
        # one of our quotes).
        ids = quote_ids if operation.path.startswith("/api/v1/quotes/") else [order_id]
        reals = [
            {
                name: value
                for name, value in (("code", "nb14"), ("id", the_id))
                if f"{{{name}}}" in operation.path
            }
            for the_id in ids
        ]
        positive = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
        if reals[0]:
            positive = st.one_of(
                positive,
                *(
                    operation.as_strategy(
                        generation_mode=GenerationMode.POSITIVE, path_parameters=real
                    )
                    for real in reals
                ),
            )
        run(positive, POSITIVE_EXAMPLES, CONFORMANCE)
        negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
        try:
            run(negative, NEGATIVE_EXAMPLES, [*CONFORMANCE, negative_data_rejection])
        except Unsatisfiable:
            pass  # nothing to make invalid (no parameters, no body)
    print(f"schemathesis: {sent} requests")
    assert sent >= MINIMUM_REQUESTS
