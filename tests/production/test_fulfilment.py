"""The shop floor: starting production consumes the reserved components; built and
shipped follow; nothing moves out of order."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from atelier.errors import InvalidTransition
from orders.models import Order
from production import services
from production.models import Component, Reservation, SupplyBatch
from production.services import fulfilment

pytestmark = pytest.mark.django_db


def test_starting_production_consumes_stock_reservations(place):
    order = services.schedule_order(order_id=place(quantity=2).pk)
    cpu = Component.objects.get(sku="CPU-A")
    assert cpu.reserved == 2
    fulfilment.start_production(order_id=order.pk, actor="test")
    after = Component.objects.get(sku="CPU-A")
    assert (after.stock, after.reserved) == (cpu.stock - 2, 0)
    assert not Reservation.objects.filter(order=order).exists()
    assert Order.objects.get(pk=order.pk).status == "in_production"


def test_an_order_waiting_for_a_supply_batch_cannot_start(place):
    # CPU-A: 5 in stock, the rest of this order comes from the batch in 14 days.
    order = services.schedule_order(order_id=place(quantity=7).pk)
    assert Reservation.objects.filter(order=order, supply_batch__isnull=False).exists()
    before = list(SupplyBatch.objects.values_list("quantity", "reserved"))
    with pytest.raises(InvalidTransition, match="arriving on"):
        fulfilment.start_production(order_id=order.pk, actor="test")
    assert Order.objects.get(pk=order.pk).status == "scheduled"
    assert list(SupplyBatch.objects.values_list("quantity", "reserved")) == before
    assert Component.objects.get(sku="CPU-A").reserved == 5


def test_starting_production_uses_up_an_arrived_supply_batch(place, today):
    # 15 processors: the 5 on hand and all 10 of the batch, which has now arrived.
    order = services.schedule_order(order_id=place(quantity=15).pk)
    SupplyBatch.objects.update(available_on=today)

    fulfilment.start_production(order_id=order.pk, actor="test")

    cpu = Component.objects.get(sku="CPU-A")
    assert (cpu.stock, cpu.reserved) == (0, 0)
    assert not SupplyBatch.objects.exists()
    assert not Reservation.objects.filter(order=order).exists()


def test_statuses_move_only_forward_in_order(place):
    order = services.schedule_order(order_id=place().pk)
    with pytest.raises(InvalidTransition):
        fulfilment.mark_shipped(order_id=order.pk, actor="test")
    fulfilment.start_production(order_id=order.pk, actor="test")
    with pytest.raises(InvalidTransition):
        fulfilment.start_production(order_id=order.pk, actor="test")
    fulfilment.mark_built(order_id=order.pk, actor="test")
    fulfilment.mark_shipped(order_id=order.pk, actor="test")
    order.refresh_from_db()
    assert order.status == "shipped"
    assert list(order.events.values_list("status", flat=True)) == [
        "received",
        "scheduled",
        "in_production",
        "built",
        "shipped",
    ]


def test_staff_advance_orders_from_admin(place, client):
    order = services.schedule_order(order_id=place().pk)
    staff = User.objects.create_superuser("boss", "b@example.com", "pw-123456789")
    client.force_login(staff)
    url = reverse("admin:orders_order_changelist")
    for action, status in (("start_production", "in_production"), ("mark_built", "built")):
        response = client.post(url, {"action": action, "_selected_action": [order.pk]}, follow=True)
        assert response.status_code == 200
        assert Order.objects.get(pk=order.pk).status == status
    # Shipping twice warns instead of failing the page.
    client.post(url, {"action": "mark_shipped", "_selected_action": [order.pk]})
    response = client.post(
        url, {"action": "mark_shipped", "_selected_action": [order.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "cannot become shipped" in response.content.decode()
