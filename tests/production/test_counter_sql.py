"""The raw counter and batch-transition statements name their table and columns through
the models' _meta, quoted by the connection: a renamed field fails loudly, never as SQL
built from a stray string."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import Order
from orders.services import transition_many
from production.models import Component
from production.plan_store import PlanCorrupted, SupplyRace, bump

pytestmark = pytest.mark.django_db


def quoted(model, field: str) -> str:
    qn = connection.ops.quote_name
    return f"{qn(model._meta.db_table)}.{qn(model._meta.get_field(field).column)}"


def test_bump_raises_and_lowers_a_counter_within_its_bound():
    part = Component.objects.create(sku="c1", name="Part", stock=5)
    with CaptureQueriesContext(connection) as queries:
        bump(
            model=Component,
            field="reserved",
            amounts={part.pk: 3},
            sign=+1,
            limit="stock",
            race=SupplyRace,
        )
    assert quoted(Component, "reserved") in queries[-1]["sql"]
    assert quoted(Component, "stock") in queries[-1]["sql"]
    with pytest.raises(SupplyRace), transaction.atomic():
        bump(
            model=Component,
            field="reserved",
            amounts={part.pk: 3},
            sign=+1,
            limit="stock",
            race=SupplyRace,
        )
    bump(model=Component, field="reserved", amounts={part.pk: 2}, sign=-1, race=PlanCorrupted)
    part.refresh_from_db()
    assert part.reserved == 1


def test_bump_refuses_a_field_the_model_does_not_have():
    part = Component.objects.create(sku="c1", name="Part", stock=5)
    with pytest.raises(FieldDoesNotExist):
        bump(
            model=Component,
            field="reserved; DROP TABLE x",
            amounts={part.pk: 1},
            sign=-1,
            race=PlanCorrupted,
        )
    with pytest.raises(FieldDoesNotExist):
        bump(
            model=Component,
            field="reserved",
            amounts={part.pk: 1},
            sign=+1,
            limit="nope",
            race=SupplyRace,
        )
    with pytest.raises(ValueError, match="limit"):
        bump(model=Component, field="reserved", amounts={part.pk: 1}, sign=+1, race=SupplyRace)


def test_transition_many_names_its_columns_through_the_model():
    order = Order.objects.create(currency="EUR", total=Decimal("10.00"))
    ship = timezone.localdate() + timedelta(days=5)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        transition_many(promised_ship_dates={order.pk: ship}, to="scheduled", actor="planner")
    update = next(q["sql"] for q in queries if q["sql"].startswith("UPDATE"))
    assert quoted(Order, "status") in update
    order.refresh_from_db()
    assert (order.status, order.promised_ship_date) == ("scheduled", ship)
