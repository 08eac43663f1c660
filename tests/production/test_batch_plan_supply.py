"""Where the batch plan meets the build-to-order plan: component stock. A planned run of a
component is incoming supply; a run of a standard product holds its components."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Min
from django.urls import reverse

from atelier.errors import InvalidTransition
from orders.models import Order
from orders.services import cancel_order
from production import services
from production.models import (
    BatchBooking,
    BatchRun,
    CapacityDay,
    Component,
    PlanEntry,
    Reservation,
    StandardProduct,
    SupplyBatch,
    WorkCentre,
)
from production.services import fulfilment
from tests.production import catalogue
from tests.production.plan_checks import plan_problems, snapshot

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def first_work_day(order):
    return PlanEntry.objects.filter(order=order).aggregate(first=Min("day"))["first"]


def held(**holder):
    return sorted(
        Reservation.objects.filter(**holder).values_list(
            "component__sku", "supply_batch_id", "quantity"
        ),
        key=lambda row: (row[0], row[1] or 0),
    )


def counters(sku):
    component = Component.objects.get(sku=sku)
    return component.stock, component.reserved


# --- a component run is incoming supply ---------------------------------------------------


def test_an_order_short_of_a_component_waits_for_the_run_that_makes_it(place, today):
    # CPU-B: 2 on hand, none coming; 3 notebooks with it could not be built at all.
    run = services.plan_batch_run(sku="CPU-B", work_centre="LINE", quantity=4, minutes=600)
    batch = SupplyBatch.objects.get(batch_run=run)
    assert (batch.component.sku, batch.quantity, batch.reserved) == ("CPU-B", 4, 0)
    assert batch.available_on == run.end_day + DAY == today + 2 * DAY

    order = services.schedule_order(order_id=place(catalogue.CPU_B, quantity=3).pk)

    assert order.status == Order.Status.SCHEDULED
    # Work starts the day the run's output is there: not before, and not pushed beyond.
    assert first_work_day(order) == batch.available_on
    assert order.promised_ship_date > run.end_day
    assert held(order=order, component__sku="CPU-B") == [("CPU-B", None, 2), ("CPU-B", batch.pk, 1)]
    assert plan_problems() == []


def test_a_late_runs_output_is_promised_from_tomorrow_at_the_earliest(place, today):
    run = services.plan_batch_run(sku="CPU-B", work_centre="LINE", quantity=4, minutes=600)
    # The run was due to end yesterday and is not finished: its parts do not exist yet.
    SupplyBatch.objects.filter(batch_run=run).update(available_on=today - DAY)

    order = services.schedule_order(order_id=place(catalogue.CPU_B, quantity=3).pk)

    assert order.status == Order.Status.SCHEDULED
    assert first_work_day(order) > today
    assert plan_problems() == []


def test_export_and_import_leave_a_runs_output_to_the_run(place):
    from configurator.services import export_catalogue, import_catalogue

    run = services.plan_batch_run(sku="CPU-B", work_centre="LINE", quantity=4, minutes=600)
    document = export_catalogue()
    cpu_b = next(c for c in document["components"] if c["sku"] == "CPU-B")
    assert cpu_b["supply"] == []  # supplier batches only: the run's output is the run's

    import_catalogue(document=document)

    assert SupplyBatch.objects.filter(component__sku="CPU-B").count() == 1
    services.finish_batch_run(run_id=run.pk)
    assert counters("CPU-B") == (2 + 4, 0)
    assert not SupplyBatch.objects.filter(component__sku="CPU-B").exists()


def test_finishing_a_component_run_turns_its_batch_into_stock_once(place):
    run = services.plan_batch_run(sku="CPU-B", work_centre="LINE", quantity=4, minutes=600)
    order = services.schedule_order(order_id=place(catalogue.CPU_B, quantity=3).pk)
    batch = SupplyBatch.objects.get(batch_run=run)

    services.finish_batch_run(run_id=run.pk)

    assert not SupplyBatch.objects.filter(pk=batch.pk).exists()
    assert counters("CPU-B") == (2 + 4, 2 + 1)
    assert held(order=order, component__sku="CPU-B") == [("CPU-B", None, 2), ("CPU-B", None, 1)]
    assert plan_problems() == []
    before = snapshot()

    services.finish_batch_run(run_id=run.pk)

    assert snapshot() == before
    assert counters("CPU-B") == (6, 3)


def test_an_order_cannot_use_a_runs_output_before_the_run_is_finished(place, today):
    run = services.plan_batch_run(sku="CPU-B", work_centre="LINE", quantity=4, minutes=600)
    order = services.schedule_order(order_id=place(catalogue.CPU_B, quantity=3).pk)
    # The run is late: the day its output was due has come, the parts have not.
    SupplyBatch.objects.filter(batch_run=run).update(available_on=today)

    with pytest.raises(InvalidTransition, match=f"batch run {run.pk}"):
        fulfilment.start_production(order_id=order.pk, actor="test")
    assert counters("CPU-B") == (2, 2)

    services.finish_batch_run(run_id=run.pk)
    fulfilment.start_production(order_id=order.pk, actor="test")

    assert counters("CPU-B") == (6 - 3, 0)
    assert not Reservation.objects.filter(order=order).exists()
    assert plan_problems() == []


# --- a standard product's run holds its components ----------------------------------------


def test_a_standard_product_run_holds_its_bill_of_materials_from_orders(place, today):
    # 5 notebooks: exactly the 5 CPU-A on hand, and 5 of the 1000 RAM-16.
    run = services.plan_batch_run(sku="NB-A-16", work_centre="LINE", quantity=5, minutes=600)

    assert run.start_day == today
    assert counters("CPU-A") == (5, 5) and counters("RAM-16") == (1000, 5)
    assert held(batch_run=run) == [("CPU-A", None, 5), ("RAM-16", None, 5)]

    order = services.schedule_order(order_id=place(catalogue.CPU_A).pk)

    # The order cannot take the run's processors: it waits for the supplier's batch.
    supplier = SupplyBatch.objects.get(component__sku="CPU-A", batch_run=None)
    assert order.status == Order.Status.SCHEDULED
    assert held(order=order, component__sku="CPU-A") == [("CPU-A", supplier.pk, 1)]
    assert first_work_day(order) == supplier.available_on
    assert plan_problems() == []

    # Replanning and cancelling orders never touch the run's reservations.
    services.replan()
    cancel_order(order=Order.objects.get(pk=order.pk), actor="customer")
    assert held(batch_run=run) == [("CPU-A", None, 5), ("RAM-16", None, 5)]
    assert counters("CPU-A") == (5, 5) and counters("RAM-16") == (1000, 5)
    assert plan_problems() == []


def test_finishing_a_standard_product_run_consumes_its_components_once(place):
    run = services.plan_batch_run(sku="NB-A-16", work_centre="LINE", quantity=5, minutes=600)
    order = services.schedule_order(order_id=place(catalogue.CPU_A).pk)

    services.finish_batch_run(run_id=run.pk)

    assert StandardProduct.objects.get(sku="NB-A-16").stock == 5
    assert counters("CPU-A") == (0, 0)
    assert counters("RAM-16") == (1000 - 5, 1)  # the order's memory is still held
    assert not Reservation.objects.filter(batch_run=run).exists()
    assert Reservation.objects.filter(order=order).count() == 2
    assert plan_problems() == []
    before = snapshot()

    services.finish_batch_run(run_id=run.pk)

    assert snapshot() == before
    assert StandardProduct.objects.get(sku="NB-A-16").stock == 5


def test_a_run_whose_components_can_never_be_covered_is_refused_with_nothing_written(published):
    before = snapshot()

    # CPU-A: 5 on hand and 10 coming, 16 notebooks need 16.
    with pytest.raises(services.BatchPlanError, match="CPU-A are short by 1"):
        services.plan_batch_run(sku="NB-A-16", work_centre="LINE", quantity=16, minutes=600)

    assert snapshot() == before
    assert not BatchRun.objects.exists() and not BatchBooking.objects.exists()
    assert not CapacityDay.objects.filter(work_centre__code="LINE").exists()


def test_a_standard_product_run_waits_for_its_components_and_cannot_finish_before(published, today):
    # 7 notebooks: 5 processors on hand, 2 from the supplier's batch in 14 days.
    run = services.plan_batch_run(sku="NB-A-16", work_centre="LINE", quantity=7, minutes=600)
    supplier = SupplyBatch.objects.get(component__sku="CPU-A")
    assert run.start_day == supplier.available_on == today + 14 * DAY
    assert held(batch_run=run) == [
        ("CPU-A", None, 5),
        ("CPU-A", supplier.pk, 2),
        ("RAM-16", None, 7),
    ]
    before = snapshot()

    with pytest.raises(services.BatchPlanError, match="arriving on"):
        services.finish_batch_run(run_id=run.pk)

    assert snapshot() == before
    assert BatchRun.objects.get(pk=run.pk).status == BatchRun.Status.PLANNED
    assert StandardProduct.objects.get(sku="NB-A-16").stock == 0


def test_a_standard_product_run_can_build_on_a_component_run(published, today):
    cpu_run = services.plan_batch_run(sku="CPU-A", work_centre="LINE", quantity=10, minutes=480)
    cpu_batch = SupplyBatch.objects.get(batch_run=cpu_run)
    # 12 notebooks: 5 processors on hand, 7 from the processor run (before the supplier's).
    run = services.plan_batch_run(sku="NB-A-16", work_centre="LINE", quantity=12, minutes=480)
    assert run.start_day == cpu_batch.available_on == today + DAY
    assert held(batch_run=run, component__sku="CPU-A") == [
        ("CPU-A", None, 5),
        ("CPU-A", cpu_batch.pk, 7),
    ]

    with pytest.raises(services.BatchPlanError, match="waits for"):
        services.finish_batch_run(run_id=run.pk)
    services.finish_batch_run(run_id=cpu_run.pk)
    assert counters("CPU-A") == (15, 12)
    services.finish_batch_run(run_id=run.pk)

    assert counters("CPU-A") == (15 - 12, 0) and counters("RAM-16") == (1000 - 12, 0)
    assert StandardProduct.objects.get(sku="NB-A-16").stock == 12
    assert not Reservation.objects.exists()
    assert plan_problems() == []


def test_staff_see_why_the_admin_cannot_plan_a_run(client, published):
    client.force_login(get_user_model().objects.create_superuser("planner", "p@example.com"))

    response = client.post(
        reverse("admin:production_batchrun_add"),
        {
            "standard_product": StandardProduct.objects.get().pk,
            "work_centre": WorkCentre.objects.get(code="LINE").pk,
            "quantity": 16,
            "minutes": 300,
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "short by 1" in response.content.decode()
    assert not BatchRun.objects.exists() and not Reservation.objects.exists()


def test_staff_editing_a_component_keep_the_runs_output(client, published):
    client.force_login(get_user_model().objects.create_superuser("planner", "p@example.com"))
    run = services.plan_batch_run(sku="CPU-B", work_centre="LINE", quantity=4, minutes=600)
    component = Component.objects.get(sku="CPU-B")
    url = reverse("admin:production_component_change", args=[component.pk])

    page = client.get(url).content.decode()
    assert "output of planned batch runs" in page.lower()
    # Saving the component's form (its supplier batches: none) leaves the run's batch alone.
    response = client.post(
        url,
        {
            "sku": "CPU-B",
            "name": component.name,
            "stock": component.stock,
            "supply-TOTAL_FORMS": 0,
            "supply-INITIAL_FORMS": 0,
            "supply-2-TOTAL_FORMS": 0,
            "supply-2-INITIAL_FORMS": 1,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SupplyBatch.objects.get(component=component).batch_run == run


def test_a_busy_plan_is_a_message_in_admin_not_a_500(client, published, monkeypatch):
    from django.db import OperationalError

    client.force_login(get_user_model().objects.create_superuser("planner", "p@example.com"))
    run = services.plan_batch_run(sku="CPU-B", work_centre="LINE", quantity=4, minutes=600)

    def lock_timeout(**kwargs):
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(services, "finish_batch_run", lock_timeout)
    response = client.post(
        reverse("admin:production_batchrun_changelist"),
        {"action": "finish_runs", "_selected_action": [run.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "plan is busy" in response.content.decode()
    assert BatchRun.objects.get(pk=run.pk).status == BatchRun.Status.PLANNED


def test_the_batch_plan_page_shows_what_each_run_holds_or_supplies(
    client, published, today, django_assert_max_num_queries
):
    client.force_login(get_user_model().objects.create_superuser("planner", "p@example.com"))
    component_run = services.plan_batch_run(
        sku="CPU-B", work_centre="LINE", quantity=4, minutes=600
    )
    for _ in range(3):
        services.plan_batch_run(sku="NB-A-16", work_centre="LINE", quantity=1, minutes=60)
    services.plan_batch_run(sku="NB-A-16", work_centre="LINE", quantity=7, minutes=60)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("production:batch"))

    html = response.content.decode()
    due = (today + 14 * DAY).strftime("%-d %b")
    assert f"supply from {(component_run.end_day + DAY).strftime('%-d %b')}" in html
    assert f"2 × CPU-A, 5 × CPU-A (due {due}), 7 × RAM-16" in html
