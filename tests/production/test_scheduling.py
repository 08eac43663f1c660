"""Scheduling orders into the build-to-order plan: what it books, reserves and promises,
and that it never books past capacity or stock, and never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from configurator.selectors import published_version
from orders.models import Order, OrderEvent
from orders.services import cancel_order
from production import plan_store, promise, services
from production.models import CapacityDay, Component, PlanEntry, Reservation, SupplyBatch
from tests.production import catalogue
from tests.production.plan_checks import plan_problems, snapshot

pytestmark = pytest.mark.django_db


def schedule(order: Order) -> Order:
    return services.schedule_order(order_id=order.pk)


def test_scheduled_order_books_its_route_reserves_its_parts_and_is_promised(place, today):
    order = schedule(place())

    assert order.status == "scheduled"
    entries = list(PlanEntry.objects.filter(order=order).select_related("work_centre"))
    assert {(e.work_centre.code, e.day, e.minutes) for e in entries} == {
        ("ASSY", today, 60),
        ("TEST", today, 30),
    }
    assert all(e.start.tzinfo is not None and e.end > e.start for e in entries)
    assert order.promised_ship_date > today
    assert Component.objects.get(sku="CPU-A").reserved == 1
    assert Component.objects.get(sku="RAM-16").reserved == 1
    event = OrderEvent.objects.get(order=order, status="scheduled")
    assert event.actor == "planner"
    assert plan_problems() == []


def test_one_run_also_schedules_the_orders_waiting_before_it_in_arrival_order(place, settings):
    settings.ATELIER_SCHEDULE_BATCH = 3
    first, second, third, fourth = place(), place(), place(), place()

    schedule(third)

    statuses = {o.pk: Order.objects.get(pk=o.pk).status for o in (first, second, third, fourth)}
    assert statuses == {
        first.pk: "scheduled",
        second.pk: "scheduled",
        third.pk: "scheduled",
        fourth.pk: "received",
    }
    promised = [Order.objects.get(pk=o.pk).promised_ship_date for o in (first, second, third)]
    assert promised == sorted(promised) and promised[0] < promised[2]
    assert OrderEvent.objects.filter(status="scheduled").count() == 3
    assert plan_problems() == []


def test_a_status_change_moves_the_orders_updated_at(place):
    order = place()

    stored = Order.objects.get(pk=schedule(order).pk)

    assert stored.updated_at > order.updated_at


def test_scheduling_twice_changes_nothing(place):
    order = place()
    schedule(order)
    before = snapshot()

    again = schedule(order)

    assert again.status == "scheduled"
    assert snapshot() == before


def test_capacity_and_stock_are_never_exceeded(place, today):
    # 5 CPU-A in stock, 10 more in 14 days; assembly fits two orders a day.
    orders = [schedule(place()) for _ in range(14)]

    assert all(o.status == "scheduled" for o in orders)
    assert plan_problems() == []
    for day in CapacityDay.objects.filter(work_centre__code="ASSY"):
        assert day.booked_minutes <= catalogue.ASSY_MINUTES
    cpu = Component.objects.get(sku="CPU-A")
    assert cpu.reserved == cpu.stock == 5
    batch = SupplyBatch.objects.get(component=cpu)
    assert batch.reserved == 9
    # Orders waiting on the batch start no earlier than the day it arrives.
    for reservation in Reservation.objects.filter(supply_batch=batch):
        first = PlanEntry.objects.filter(order_id=reservation.order_id).order_by("day").first()
        assert first.day >= batch.available_on
    promised = [o.promised_ship_date for o in orders]
    assert promised == sorted(promised)


def test_an_order_that_cannot_be_supplied_is_cancelled_with_the_reason(place):
    order = place(catalogue.CPU_B, quantity=3)  # two CPU-B in stock, no supply to come

    order = schedule(order)

    assert order.status == "cancelled"
    event = OrderEvent.objects.get(order=order, status="cancelled")
    assert event.actor == "planner"
    assert "CPU-B" in event.note and "short by 1" in event.note
    assert not PlanEntry.objects.filter(order=order).exists()
    assert Component.objects.get(sku="CPU-B").reserved == 0
    assert Component.objects.get(sku="RAM-16").reserved == 0


def test_cancelling_frees_capacity_and_parts(place):
    keep = schedule(place())
    gone = schedule(place(quantity=2))
    assert Component.objects.get(sku="CPU-A").reserved == 3

    cancel_order(order=gone, actor="customer")

    assert not PlanEntry.objects.filter(order=gone).exists()
    assert not Reservation.objects.filter(order=gone).exists()
    assert Component.objects.get(sku="CPU-A").reserved == 1
    booked = {
        d.work_centre.code: d.booked_minutes
        for d in CapacityDay.objects.filter(day=keep.promised_ship_date - timedelta(days=1))
    }
    assert sum(booked.values()) <= 90
    assert plan_problems() == []


def test_freed_capacity_goes_to_the_next_order(place, today):
    first = schedule(place(quantity=2))  # fills today's assembly
    cancel_order(order=first, actor="customer")

    later = schedule(place())

    assert PlanEntry.objects.filter(order=later, work_centre__code="ASSY").get().day == today


def test_a_counter_changed_behind_the_planners_back_is_a_retryable_race(place, today):
    order = place()
    plan = plan_store.load_plan(today=today)
    schedule(place(quantity=2))  # fills today's assembly after `plan` was read
    from production import planner

    placement = planner.insert_order(
        plan.state, plan_store.order_request(order, list(order.lines.all())), today=today
    )

    with pytest.raises(services.CapacityRace):
        plan_store.write_bookings(plan, [placement], {order.pk: list(order.lines.all())})


def test_express_order_takes_capacity_from_orders_that_keep_their_promise(place, today):
    monday = today + timedelta(days=7 - today.weekday())  # weekdays fixed: ship Mon–Fri
    Component.objects.filter(sku="CPU-A").update(stock=100)
    orders = [services.schedule_order(order_id=place().pk, today=monday) for _ in range(6)]
    for order in orders[2:4]:  # Tuesday's two
        cancel_order(order=order, actor="customer")
    services.replan(today=monday)  # Wednesday's two move to Tuesday, promised Thursday
    kept = orders[4:]
    promises = {o.pk: o.promised_ship_date for o in kept}
    assert set(promises.values()) == {monday + timedelta(days=3)}

    express = services.schedule_order(order_id=place(priority=1).pk, today=monday)

    tuesday = monday + timedelta(days=1)
    assert set(PlanEntry.objects.filter(order=express).values_list("day", flat=True)) == {tuesday}
    assert express.promised_ship_date == monday + timedelta(days=2)
    days = []
    for order in Order.objects.filter(pk__in=promises):
        assert order.promised_ship_date == promises[order.pk]
        days += PlanEntry.objects.filter(order=order).values_list("day", flat=True)
    # One of the two made room (its promise still kept); assembly fits two a day.
    assert sorted(set(days)) == [tuesday, monday + timedelta(days=2)]
    assert plan_problems() == []


def estimate(selections, quantity: int = 1, code: str = "nb"):
    return promise.estimate_configuration(
        version=published_version(), product_code=code, selections=selections, quantity=quantity
    )


def test_estimate_reads_without_writing_and_matches_the_promise(place, today):
    schedule(place())
    with CaptureQueriesContext(connection) as queries:
        estimated = estimate(catalogue.CPU_A)
    writes = [
        q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    assert "FOR UPDATE" not in " ".join(q["sql"] for q in queries)

    order = place()
    assert order.estimated_ship_date == estimated
    assert estimated == schedule(order).promised_ship_date


def test_estimate_sees_the_order_placed_just_before_without_any_delay(place, today):
    # No snapshot of the plan: an estimate right after a scheduling already counts it.
    for _ in range(6):
        estimated = estimate(catalogue.CPU_A, quantity=2)
        assert schedule(place(quantity=2)).promised_ship_date == estimated


def test_estimate_places_orders_still_waiting_to_be_scheduled_first(place, today):
    waiting = [place(quantity=2) for _ in range(3)]  # received, not scheduled yet
    estimated = estimate(catalogue.CPU_A, quantity=2)
    last = place(quantity=2)
    assert last.estimated_ship_date == estimated
    assert schedule(last).promised_ship_date == estimated
    assert all(Order.objects.get(pk=o.pk).status == "scheduled" for o in waiting)


def test_estimate_is_for_the_quantity(place, today):
    one = estimate(catalogue.CPU_A, quantity=1)
    many = estimate(catalogue.CPU_A, quantity=10)  # 5 in stock, the rest in 14 days
    assert many > one
    assert schedule(place(quantity=10)).promised_ship_date == many


def test_estimate_is_none_when_the_configuration_cannot_be_built(published):
    assert estimate(catalogue.CPU_B, quantity=3) is None
    assert estimate({}, code="nope") is None
    assert estimate({"cpu": ["zz"]}) is None


def test_estimate_and_promise_take_the_plants_date_whatever_zone_a_request_activated(place):
    # UTC+14: for ten hours of every day already tomorrow there.
    with timezone.override("Pacific/Kiritimati"):
        assert plan_store.plant_today() == timezone.localdate(timezone=plan_store.plant_timezone())
        estimated = estimate(catalogue.CPU_A)
        order = place()
    assert order.estimated_ship_date == estimated
    assert schedule(order).promised_ship_date == estimated
