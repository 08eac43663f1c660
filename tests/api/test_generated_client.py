"""A partner's afternoon: a Python client generated from the live `/api/v1/schema/` with
openapi-python-client (nothing hand-written between the schema and the calls) lists
products, configures with a quantity, places an order with an Idempotency-Key, reads it
and cancels it, against a live server. Where the generated code cannot express or parse
an answer, the schema is wrong, and the fix belongs in the schema, not in the client."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from atelier import caching
from configurator.interchange.bundles import FolderSource
from configurator.services import import_catalogue
from orders.models import Order, Partner
from tests.api.conftest import client_for
from tests.demo import NB14, demo_document
from tests.media import demo_bundle, png_bytes, use_media_root

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PACKAGE = "atelier_client"


def generate_client(*, base_url: str, into: Path) -> Path:
    """Write the live schema and the client generated from it under `into`; the
    generator's whole output is checked: a warning means part of the API is missing."""
    schema = httpx.get(f"{base_url}/api/v1/schema/", params={"format": "json"}, timeout=30)
    assert schema.status_code == 200, schema.text
    path = into / "schema.json"
    path.write_text(json.dumps(schema.json()))
    bin_dir = str(Path(sys.executable).parent)  # the generator formats with our ruff
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(path),
            "--meta",
            "none",
            "--output-path",
            str(into / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output and "Error" not in output, output
    return into


@pytest.fixture
def generated(live_server, tmp_path, monkeypatch) -> ModuleType:
    """The generated package, imported from this test's tmp dir (and forgotten after)."""
    monkeypatch.syspath_prepend(str(generate_client(base_url=live_server.url, into=tmp_path)))
    yield importlib.import_module(PACKAGE)
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


@pytest.fixture
def token(published_demo) -> str:
    raw = client_for(Partner.objects.create(name="Generated"))._credentials
    return raw["HTTP_AUTHORIZATION"].split()[1]


def api(generated: ModuleType, name: str) -> ModuleType:
    group, _, operation = name.partition(".")
    return importlib.import_module(f"{PACKAGE}.api.{group}.{operation}")


def model(generated: ModuleType, name: str):
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


@pytest.fixture
def client(generated, token, live_server):
    # Closed after the test: a kept-alive connection holds a live-server thread, and its
    # database session, past the test database's teardown.
    with generated.AuthenticatedClient(
        base_url=live_server.url, token=token, prefix="Token", raise_on_unexpected_status=True
    ) as authenticated:
        yield authenticated


@pytest.fixture
def anonymous(generated, live_server):
    with generated.Client(base_url=live_server.url, raise_on_unexpected_status=True) as client:
        yield client


def test_a_generated_client_configures_orders_reads_and_cancels(generated, client, anonymous):
    Problem = model(generated, "Problem")

    products = api(generated, "products.products_list").sync(client=client)
    assert "nb14" in [product.code for product in products]
    product = api(generated, "products.products_retrieve").sync(code="nb14", client=client)
    assert {group.code for group in product.groups} >= set(NB14)

    selections = model(generated, "ConfigureRequestRequestSelections").from_dict(NB14)
    configure = api(generated, "products.products_configure")
    answer = configure.sync_detailed(
        code="nb14",
        client=client,
        body=model(generated, "ConfigureRequestRequest")(selections=selections, quantity=3),
    )
    assert answer.status_code == 200, answer.content
    configuration = answer.parsed
    assert (configuration.complete, configuration.valid) == (True, True)
    assert Decimal(configuration.price.line_total) == 3 * Decimal(configuration.price.total)
    assert configuration.estimated_ship_date is not None

    # A bad pick is a problem the client parses, with the field named.
    bad = configure.sync_detailed(
        code="nb14",
        client=client,
        body=model(generated, "ConfigureRequestRequest")(
            selections=model(generated, "ConfigureRequestRequestSelections").from_dict(
                {**NB14, "cpu": ["nope"]}
            )
        ),
    )
    assert bad.status_code == 422 and isinstance(bad.parsed, Problem)
    assert bad.parsed.type_.endswith("/invalid-selection"), bad.parsed

    line = model(generated, "LineRequestRequest")(
        product="nb14",
        selections=model(generated, "LineRequestRequestSelections").from_dict(NB14),
        quantity=3,
    )
    body = model(generated, "OrderCreateRequest")(lines=[line], reference="GEN-1")
    create = api(generated, "orders.orders_create")
    key = str(uuid.uuid4())
    placed = create.sync_detailed(client=client, body=body, idempotency_key=key)
    assert placed.status_code == 201, placed.content
    order = placed.parsed
    assert order.status.value == "received"
    assert order.lines[0].quantity == 3
    assert Decimal(order.total) == Decimal(configuration.price.line_total)

    # The same key and body again: the same order, not a second one.
    again = create.sync_detailed(client=client, body=body, idempotency_key=key)
    assert again.status_code == 201 and again.parsed.id == order.id
    assert again.headers["Idempotent-Replayed"] == "true"
    assert placed.headers["Location"] == f"/api/v1/orders/{order.id}/"
    assert Order.objects.count() == 1
    # The same key with another body: refused, as a problem.
    body.reference = "GEN-2"
    reused = create.sync_detailed(client=client, body=body, idempotency_key=key)
    assert reused.status_code == 422 and isinstance(reused.parsed, Problem)
    assert reused.parsed.type_.endswith("/idempotency-key-reused")

    # Picks that break a rule: a 409 whose conflicts and resolution the client types.
    clash = model(generated, "LineRequestRequestSelections").from_dict(
        {**NB14, "display": ["oled"], "battery": ["54wh"]}
    )
    conflicting = model(generated, "OrderCreateRequest")(
        lines=[model(generated, "LineRequestRequest")(product="nb14", selections=clash)]
    )
    refused = create.sync_detailed(client=client, body=conflicting, idempotency_key="clash")
    assert refused.status_code == 409
    assert isinstance(refused.parsed, model(generated, "ConflictProblem"))
    assert refused.parsed.type_.endswith("/configuration-conflict")
    assert refused.parsed.line == 0
    [conflict] = refused.parsed.conflicts
    assert [rule.rule for rule in conflict.rules] == ["oled-battery"]
    assert "display.oled" in conflict.selections
    resolution = refused.parsed.resolution.to_dict()
    assert set(resolution) >= set(NB14)
    assert (resolution["display"], resolution["battery"]) != (["oled"], ["54wh"])

    read = api(generated, "orders.orders_retrieve").sync(id=order.id, client=client)
    assert (read.id, read.reference, read.total) == (order.id, "GEN-1", order.total)
    listed = api(generated, "orders.orders_list").sync(client=client, reference="GEN-1")
    assert [o.id for o in listed.results] == [order.id]

    cancel = api(generated, "orders.orders_cancel")
    cancelled = cancel.sync(id=order.id, client=client, idempotency_key=f"cancel-{order.id}")
    assert cancelled.status.value == "cancelled"
    assert [event.status.value for event in cancelled.events] == ["received", "cancelled"]

    # The shop's side needs no token: products and configure answer anonymous clients.
    listed_anonymously = api(generated, "products.products_list").sync(client=anonymous)
    assert [p.code for p in listed_anonymously] == [p.code for p in products]
    priced = configure.sync(
        code="nb14",
        client=anonymous,
        body=model(generated, "ConfigureRequestRequest")(selections=selections, quantity=3),
    )
    assert priced.price.line_total == configuration.price.line_total

    # Another caller's view: the order does not exist for them.
    missing = api(generated, "orders.orders_retrieve").sync_detailed(id=uuid.uuid4(), client=client)
    assert missing.status_code == 404 and isinstance(missing.parsed, Problem)


def test_a_generated_client_asks_for_a_quote_reads_and_accepts_it(generated, client):
    Problem = model(generated, "Problem")
    line = model(generated, "LineRequestRequest")(
        product="nb14",
        selections=model(generated, "LineRequestRequestSelections").from_dict(NB14),
        quantity=2,
    )
    create = api(generated, "quotes.quotes_create")
    asked = create.sync_detailed(
        client=client,
        body=model(generated, "QuoteCreateRequest")(lines=[line], reference="RFQ-1"),
        idempotency_key=str(uuid.uuid4()),
    )
    assert asked.status_code == 201, asked.content
    quote = asked.parsed
    assert quote.number.startswith("Q-") and quote.status.value == "issued"
    assert quote.lines[0].quantity == 2
    assert Decimal(quote.total) == 2 * Decimal(quote.lines[0].unit_price)
    assert quote.order is None and quote.valid_until is not None
    assert asked.headers["Location"] == f"/api/v1/quotes/{quote.id}/"

    # Picks that break a rule: the same typed 409 as placing an order.
    clash = model(generated, "LineRequestRequestSelections").from_dict(
        {**NB14, "display": ["oled"], "battery": ["54wh"]}
    )
    refused = create.sync_detailed(
        client=client,
        body=model(generated, "QuoteCreateRequest")(
            lines=[model(generated, "LineRequestRequest")(product="nb14", selections=clash)]
        ),
    )
    assert refused.status_code == 409
    assert isinstance(refused.parsed, model(generated, "ConflictProblem"))
    assert [r.rule for r in refused.parsed.conflicts[0].rules] == ["oled-battery"]

    read = api(generated, "quotes.quotes_retrieve").sync(id=quote.id, client=client)
    assert (read.number, read.total) == (quote.number, quote.total)
    listed = api(generated, "quotes.quotes_list").sync(client=client)
    assert [q.id for q in listed.results] == [quote.id]

    accept = api(generated, "quotes.quotes_accept")
    key = str(uuid.uuid4())
    accepted = accept.sync_detailed(id=quote.id, client=client, idempotency_key=key)
    assert accepted.status_code == 201, accepted.content
    order = accepted.parsed
    assert isinstance(order, model(generated, "Order"))
    assert (order.total, order.lines[0].quantity) == (quote.total, 2)
    assert accepted.headers["Location"] == f"/api/v1/orders/{order.id}/"
    # Retried with its key: the same order; with another key: a 409 naming that order.
    again = accept.sync_detailed(id=quote.id, client=client, idempotency_key=key)
    assert (again.status_code, again.parsed.id) == (201, order.id)
    assert again.headers["Idempotent-Replayed"] == "true"
    twice = accept.sync_detailed(id=quote.id, client=client, idempotency_key="another")
    assert twice.status_code == 409 and not isinstance(twice.parsed, Problem)
    assert twice.parsed.type_.endswith("/quote-already-accepted")
    assert (twice.parsed.quote, twice.parsed.order) == (quote.number, order.id)
    assert Order.objects.count() == 1

    read = api(generated, "quotes.quotes_retrieve").sync(id=quote.id, client=client)
    assert (read.status.value, read.order) == ("accepted", order.id)
    cancelled = api(generated, "orders.orders_cancel").sync(id=order.id, client=client)
    assert cancelled.status.value == "cancelled"


@pytest.fixture
def published_with_pictures(transactional_db, settings, tmp_path):
    """The demo published with its pictures, the tower's RTX 4060 a PNG (so its picture
    has smaller widths in `srcset`)."""
    caching.clear_all()
    use_media_root(settings, tmp_path / "storage")
    document = demo_document()
    tower = next(p for p in document["products"] if p["code"] == "tower")
    graphics = next(g for g in tower["groups"] if g["code"] == "graphics")
    next(o for o in graphics["options"] if o["code"] == "rtx4060")["image"] = "photos/gpu.png"
    folder = demo_bundle(tmp_path / "in", document).parent / "media"
    (folder / "photos").mkdir()
    (folder / "photos" / "gpu.png").write_bytes(png_bytes(900, 600))
    import_catalogue(document=document, publish=True, media_source=FolderSource(folder))
    yield
    caching.clear_all()


def test_a_generated_client_reads_product_and_option_pictures(
    published_with_pictures, generated, anonymous, live_server
):
    products = api(generated, "products.products_list").sync(client=anonymous)
    nb14 = products[0]
    assert nb14.image == "products/nb14-platinum.svg"
    assert nb14.picture.url.startswith(f"{live_server.url}/media/catalogue/products/nb14-")
    assert nb14.picture.alt.startswith("Atelier Notebook 14")
    assert (nb14.picture.width, nb14.picture.height, nb14.picture.srcset) == (480, 320, [])

    tower = api(generated, "products.products_retrieve").sync(code="tower", client=anonymous)
    options = {(g.code, o.code): o for g in tower.groups for o in g.options}
    card = options[("graphics", "rtx4060")].picture
    assert [candidate.width for candidate in card.srcset] == [320, 640, 900]
    assert all(c.url.startswith(f"{live_server.url}/media/") for c in card.srcset)
    assert options[("display", "27qhd")].picture.alt == "A 27-inch monitor on its stand"
    assert options[("cpu", "u7")].picture is None
    assert httpx.get(card.url, timeout=30).status_code == 200
