"""200 checkouts race for a component of which 50 are in stock: exactly 50 orders get it
from stock, the others a later promise (from a supply batch to come) or a clear refusal
when there is none; free stock never goes below zero."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from configurator.services import import_catalogue
from orders.models import Order, OrderEvent
from orders.services import LineRequest, place_order
from production.models import Component, PlanEntry, Reservation, SupplyBatch
from tests.reliability.conftest import (
    NB14,
    all_problems,
    count,
    over_booked,
    plentiful_catalogue,
    record,
    sweep_until_settled,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

SCARCE = "CPU-CU5-225H"  # the demo Notebook 14's Core Ultra 5 (cpu.u5)
CHECKOUTS = 200
STOCK = 50
# Each thread holds a database connection; the run's server allows 200 in all.
THREADS = 64


def checkouts() -> list[Order | Exception]:
    """CHECKOUTS place_order calls from THREADS threads released together."""
    gate = threading.Barrier(THREADS)

    def checkout(i: int):
        if i < THREADS:
            gate.wait()
        try:
            return place_order(
                lines=[LineRequest("nb14", NB14, 1)], reference=f"rush-{i}", actor="test"
            )
        except Exception as exc:  # noqa: BLE001 - counted and reported, then failed on
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(checkout, range(CHECKOUTS)))


@pytest.mark.parametrize("batch", [0, 100], ids=["no-supply", "a-batch-of-100-to-come"])
def test_checkouts_racing_for_scarce_stock_never_over_book_it(workers, batch):
    today = timezone.localdate()
    document = plentiful_catalogue(**{SCARCE: STOCK})
    arrives = today + timedelta(days=21)
    if batch:
        scarce = next(c for c in document["components"] if c["sku"] == SCARCE)
        scarce["supply"] = [{"quantity": batch, "available_on": arrives.isoformat()}]
    import_catalogue(document=document, publish=True)
    workers.start(2)

    results = checkouts()
    failures = [r for r in results if isinstance(r, Exception)]
    resent = sweep_until_settled(timeout=150, workers=workers)

    component = Component.objects.get(sku=SCARCE)
    from_stock = Reservation.objects.filter(component=component, supply_batch=None)
    from_batch = Reservation.objects.filter(component=component, supply_batch__isnull=False)
    refused = Order.objects.filter(status="cancelled")
    figures = record(
        f"scarce_stock_{'batch' if batch else 'no_supply'}",
        checkouts=CHECKOUTS,
        threads=THREADS,
        placed=Order.objects.count(),
        checkout_errors=len(failures),
        stock=STOCK,
        supply_to_come=batch,
        scheduled=count("scheduled"),
        from_stock=sum(from_stock.values_list("quantity", flat=True)),
        from_supply_batch=sum(from_batch.values_list("quantity", flat=True)),
        refused=refused.count(),
        component_reserved=component.reserved,
        over_booked_components=over_booked(),
        lost=count("received"),
        duplicated=OrderEvent.objects.filter(status="scheduled").count() - count("scheduled"),
        resent_by_sweep=resent,
    )
    assert failures == []
    assert figures["placed"] == CHECKOUTS and figures["lost"] == 0
    assert figures["from_stock"] == STOCK == component.reserved <= component.stock
    assert figures["from_supply_batch"] == batch
    assert figures["scheduled"] == STOCK + batch
    assert figures["refused"] == CHECKOUTS - STOCK - batch
    assert figures["over_booked_components"] == 0 and figures["duplicated"] == 0
    for event in OrderEvent.objects.filter(status="cancelled"):
        assert SCARCE in event.note and "short by" in event.note  # a reason, not silence
    if batch:
        assert SupplyBatch.objects.get(component=component).reserved == batch
        for reservation in from_batch:
            order = reservation.order
            first_day = PlanEntry.objects.filter(order=order).order_by("day").first().day
            assert first_day >= arrives and order.promised_ship_date > arrives
        stock_promises = Order.objects.filter(pk__in=from_stock.values("order_id"))
        latest_from_stock = max(stock_promises.values_list("promised_ship_date", flat=True))
        assert latest_from_stock <= min(
            Order.objects.filter(pk__in=from_batch.values("order_id")).values_list(
                "promised_ship_date", flat=True
            )
        )
    assert all_problems() == []
