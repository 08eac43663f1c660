"""A configuration equal to a standard product can be sold from its stock, at its price,
without entering the build-to-order plan."""

import json
from pathlib import Path

import pytest

from atelier import errors
from configurator.services import import_catalogue
from orders.models import Order
from orders.services import Customer, LineRequest, cancel_order, place_order
from production.models import StandardProduct
from production.selectors import standard_match

pytestmark = pytest.mark.django_db
DEMO = Path(__file__).resolve().parents[2] / "configurator" / "demo" / "catalogue.json"


@pytest.fixture
def standard():
    document = json.loads(DEMO.read_text())
    import_catalogue(document=document, publish=True)
    return StandardProduct.objects.get(sku=document["standard_products"][0]["sku"])


def _line(standard, quantity=1, **changes):
    return LineRequest(
        product=standard.product_code,
        selections={**standard.selections, **changes},
        quantity=quantity,
        standard_sku=standard.sku,
    )


def test_standard_line_is_sold_from_stock_at_its_price(
    standard, django_capture_on_commit_callbacks
):
    before = standard.stock
    with django_capture_on_commit_callbacks(execute=False):
        order = place_order(lines=[_line(standard, quantity=3)], customer=Customer(name="A"))
    line = order.lines.get()
    assert line.standard_sku == standard.sku
    assert line.unit_price == standard.price
    assert order.total == standard.price * 3
    assert line.price_lines[0]["kind"] == "standard"
    standard.refresh_from_db()
    assert standard.stock == before - 3


def test_cancel_puts_the_standard_stock_back(standard, django_capture_on_commit_callbacks):
    before = standard.stock
    with django_capture_on_commit_callbacks(execute=False):
        order = place_order(lines=[_line(standard, quantity=2)])
        cancel_order(order=order, actor="test")
    standard.refresh_from_db()
    assert standard.stock == before


def test_more_than_in_stock_is_refused_and_nothing_is_stored(standard):
    orders = Order.objects.count()
    with pytest.raises(errors.OutOfStock):
        place_order(lines=[_line(standard, quantity=standard.stock + 1)])
    assert Order.objects.count() == orders
    assert StandardProduct.objects.get(pk=standard.pk).stock == standard.stock


def test_a_sku_that_is_not_this_configuration_is_refused(standard):
    other_memory = "32gb" if standard.selections["memory"] != ["32gb"] else "16gb"
    with pytest.raises(errors.InvalidSelection):
        place_order(lines=[_line(standard, memory=[other_memory])])
    assert StandardProduct.objects.get(pk=standard.pk).stock == standard.stock


def test_a_standard_only_order_is_scheduled_without_plan_work(
    standard, django_capture_on_commit_callbacks
):
    from production.models import PlanEntry, Reservation
    from production.services import schedule_order

    with django_capture_on_commit_callbacks(execute=False):
        order = place_order(lines=[_line(standard)])
        schedule_order(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == "scheduled" and order.promised_ship_date is not None
    assert not PlanEntry.objects.filter(order=order).exists()
    assert not Reservation.objects.filter(order=order).exists()


def test_partners_can_order_a_standard_product_through_the_api(standard, client):
    from orders.models import Partner
    from orders.services import issue_token

    _, raw = issue_token(partner=Partner.objects.create(name="Reseller"))
    body = {
        "lines": [
            {
                "product": standard.product_code,
                "selections": standard.selections,
                "quantity": 2,
                "standard_sku": standard.sku,
            }
        ],
        "reference": "std",
    }
    response = client.post(
        "/api/v1/orders/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {raw}",
        HTTP_IDEMPOTENCY_KEY="std-1",
    )
    assert response.status_code == 201, response.content
    line = response.json()["lines"][0]
    assert line["standard_sku"] == standard.sku
    assert line["unit_price"] == str(standard.price)
    assert line["price_lines"][0]["kind"] == "standard"
    assert StandardProduct.objects.get(pk=standard.pk).stock == standard.stock - 2


def test_the_configure_page_finds_the_standard_twin_by_stock_and_spelling(standard):
    """standard_match (read on every configure click, by plain SQL): the same picks in
    any order find the model with enough stock, read whole; too few in stock, another
    product or another pick find none."""
    shuffled = {g: list(reversed(picks)) for g, picks in reversed(standard.selections.items())}
    found = standard_match(standard.product_code, shuffled, quantity=standard.stock)
    assert found == standard
    assert (found.sku, found.price, found.stock) == (standard.sku, standard.price, standard.stock)
    assert found.selections == standard.selections
    assert standard_match(standard.product_code, shuffled, quantity=standard.stock + 1) is None
    assert standard_match("no-such-product", shuffled) is None
    group = next(iter(standard.selections))
    assert standard_match(standard.product_code, {**shuffled, group: ["other"]}) is None
    StandardProduct.objects.filter(pk=standard.pk).update(stock=0)
    assert standard_match(standard.product_code, shuffled) is None
