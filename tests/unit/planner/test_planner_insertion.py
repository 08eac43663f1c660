import time as clock
from datetime import date, datetime, time, timedelta, timezone

import pytest
from planner_factories import MONDAY, day, line, order, plan, supply

from production.planner import (
    STOCK,
    Calendar,
    DuplicateOrder,
    NoCapacity,
    NoSupply,
    PlanState,
    UnknownWorkCentre,
    WorkCentre,
    apply,
    estimate,
    insert_order,
    violations,
)

ASSY = WorkCentre("ASSY", 480)
TEST = WorkCentre("TEST", 240)


def minutes_by_day(placement, work_centre):
    result = {}
    for b in placement.bookings:
        if b.work_centre == work_centre:
            result[b.day] = result.get(b.day, 0) + b.minutes
    return result


def test_short_order_ships_next_working_day_after_it_is_built():
    state = plan(ASSY)
    placement = insert_order(state, order(1, line(("ASSY", 60))), today=MONDAY)
    assert (placement.start_day, placement.end_day, placement.ship_date) == (day(0), day(0), day(1))


def test_operation_longer_than_a_day_spans_consecutive_working_days_over_the_weekend():
    state = plan(ASSY)
    placement = insert_order(state, order(1, line(("ASSY", 1200))), today=day(3))  # Thursday
    assert minutes_by_day(placement, "ASSY") == {day(3): 480, day(4): 480, day(7): 240}
    assert placement.ship_date == day(8)


def test_holiday_and_minutes_per_day_shape_the_split():
    wc = WorkCentre("ASSY", 300, holidays=frozenset({day(1)}))
    placement = insert_order(plan(wc), order(1, line(("ASSY", 700))), today=MONDAY)
    assert minutes_by_day(placement, "ASSY") == {day(0): 300, day(2): 300, day(3): 100}


def test_next_operation_starts_on_the_day_the_previous_one_ends():
    placement = insert_order(
        plan(ASSY, TEST), order(1, line(("ASSY", 600), ("TEST", 300))), today=MONDAY
    )
    assert minutes_by_day(placement, "TEST") == {day(1): 240, day(2): 60}
    assert placement.end_day == day(2)


def test_second_order_takes_what_the_first_left_and_never_overbooks():
    state = plan(ASSY)
    first = insert_order(state, order(1, line(("ASSY", 400))), today=MONDAY)
    state = apply(state, first)
    second = insert_order(state, order(2, line(("ASSY", 200))), today=MONDAY)
    assert minutes_by_day(second, "ASSY") == {day(0): 80, day(1): 120}
    state = apply(state, second)
    assert state.booked[("ASSY", day(0))] == 480
    assert violations(state) == []


def test_lines_of_one_order_are_independent_and_the_order_ships_when_all_are_done():
    req = order(1, line(("ASSY", 480)), line(("TEST", 720)))
    placement = insert_order(plan(ASSY, TEST), req, today=MONDAY)
    assert minutes_by_day(placement, "TEST") == {day(0): 240, day(1): 240, day(2): 240}
    assert placement.end_day == day(2)
    assert placement.ship_date == day(3)


def test_work_waits_for_received_on():
    placement = insert_order(
        plan(ASSY), order(1, line(("ASSY", 60)), received_on=day(2)), today=MONDAY
    )
    assert placement.start_day == day(2)


def test_components_come_from_stock_first():
    state = plan(ASSY, supplies=(supply("CPU", 5, (10, day(9))),))
    placement = insert_order(
        state, order(1, line(("ASSY", 60), components={"CPU": 5})), today=MONDAY
    )
    assert [(r.sku, r.quantity, r.source) for r in placement.reservations] == [("CPU", 5, STOCK)]
    assert placement.start_day == day(0)


def test_shortage_pushes_the_start_to_the_batch_that_covers_it():
    state = plan(ASSY, supplies=(supply("CPU", 2, (1, day(3)), (10, day(9))),))
    placement = insert_order(
        state, order(1, line(("ASSY", 60), components={"CPU": 5})), today=MONDAY
    )
    assert [(r.quantity, r.source) for r in placement.reservations] == [
        (2, STOCK),
        (1, day(3)),
        (2, day(9)),
    ]
    assert placement.start_day == day(9)
    assert placement.ship_date == day(10)


def test_a_batch_due_on_a_weekend_starts_work_on_the_next_working_day():
    state = plan(ASSY, supplies=(supply("CPU", 0, (1, day(5))),))
    placement = insert_order(
        state, order(1, line(("ASSY", 60), components={"CPU": 1})), today=MONDAY
    )
    assert placement.start_day == day(7)


def test_order_refused_when_all_supply_cannot_cover_it():
    state = plan(ASSY, supplies=(supply("CPU", 2, (3, day(9))),))
    with pytest.raises(NoSupply) as raised:
        insert_order(state, order(1, line(("ASSY", 60), components={"CPU": 6})), today=MONDAY)
    assert (raised.value.sku, raised.value.short_by) == ("CPU", 1)


def test_unknown_component_is_no_supply():
    with pytest.raises(NoSupply) as raised:
        insert_order(plan(ASSY), order(1, line(("ASSY", 1), components={"GPU": 2})), today=MONDAY)
    assert (raised.value.sku, raised.value.short_by) == ("GPU", 2)


def test_reservations_of_earlier_orders_push_later_ones_to_supply():
    state = plan(ASSY, supplies=(supply("CPU", 3, (5, day(14))),))
    state = apply(
        state,
        insert_order(state, order(1, line(("ASSY", 10), components={"CPU": 3})), today=MONDAY),
    )
    second = insert_order(state, order(2, line(("ASSY", 10), components={"CPU": 1})), today=MONDAY)
    assert second.start_day == day(14)


def test_unknown_work_centre_is_refused():
    with pytest.raises(UnknownWorkCentre):
        insert_order(plan(ASSY), order(1, line(("PAINT", 10))), today=MONDAY)


def test_work_centre_without_working_days_is_no_capacity():
    state = PlanState.empty(work_centres=[WorkCentre("IDLE", 480, frozenset())], horizon_days=60)
    with pytest.raises(NoCapacity):
        insert_order(state, order(1, line(("IDLE", 10))), today=MONDAY)


def test_inserting_an_order_twice_is_refused():
    state = plan(ASSY)
    state = apply(state, insert_order(state, order(1, line(("ASSY", 10))), today=MONDAY))
    with pytest.raises(DuplicateOrder):
        insert_order(state, order(1, line(("ASSY", 10))), today=MONDAY)


def test_shipping_follows_the_shipping_calendar():
    cal = Calendar(workdays=frozenset({0, 2, 4}))  # carrier collects Mon, Wed, Fri
    state = PlanState.empty(work_centres=[ASSY], shipping_calendar=cal, shipping_days=2)
    placement = insert_order(state, order(1, line(("ASSY", 60))), today=MONDAY)
    assert placement.ship_date == day(4)


def test_bookings_carry_display_times_from_the_shift_start():
    tz = timezone(timedelta(hours=1))
    wc = WorkCentre("ASSY", 480, shift_start=time(7, 30))
    state = plan(wc)
    state = apply(state, insert_order(state, order(1, line(("ASSY", 90))), today=MONDAY, tz=tz))
    placement = insert_order(state, order(2, line(("ASSY", 30))), today=MONDAY, tz=tz)
    (booking,) = placement.bookings
    assert booking.start == datetime(2026, 11, 30, 9, 0, tzinfo=tz)
    assert booking.end == datetime(2026, 11, 30, 9, 30, tzinfo=tz)


def test_estimate_matches_insertion_and_reserves_nothing():
    state = plan(ASSY, TEST, supplies=(supply("CPU", 1, (4, day(8))),))
    req = order(1, line(("ASSY", 600), ("TEST", 100), components={"CPU": 2}))
    before = (dict(state.booked), dict(state.reserved))
    assert estimate(state, req, today=MONDAY) == insert_order(state, req, today=MONDAY).ship_date
    assert (dict(state.booked), dict(state.reserved)) == before


def test_estimate_is_fast_on_a_plan_with_thousands_of_bookings():
    centres = [WorkCentre(f"WC{i}", 960) for i in range(4)]
    state = plan(*centres, supplies=(supply("CPU", 10_000),))
    placements = []
    for i in range(1500):
        req = order(i, line((f"WC{i % 4}", 150), (f"WC{(i + 1) % 4}", 200), components={"CPU": 1}))
        p = insert_order(state, req, today=MONDAY)
        placements.append(p)
        state = apply(state, p)
    assert sum(len(p.bookings) for p in placements) > 3000
    req = order("probe", line(("WC0", 300), ("WC1", 300), ("WC2", 120)), line(("WC3", 60)))
    timings = []
    for _ in range(50):
        started = clock.perf_counter()
        estimate(state, req, today=MONDAY)
        timings.append(clock.perf_counter() - started)
    timings.sort()
    assert timings[len(timings) // 2] < 0.005


def test_a_requested_date_the_plan_meets_becomes_the_promise():
    placement = insert_order(plan(ASSY), order(1, line(("ASSY", 60)), due_on=day(10)), today=MONDAY)
    assert (placement.ship_date, placement.promise) == (day(1), day(10))
    assert apply(plan(ASSY), placement).promises == {1: day(10)}


def test_a_requested_date_the_plan_cannot_meet_is_not_promised():
    placement = insert_order(plan(ASSY), order(1, line(("ASSY", 960)), due_on=day(1)), today=MONDAY)
    assert (placement.ship_date, placement.promise) == (day(2), day(2))


def test_today_limits_the_earliest_start():
    state = plan(ASSY)
    placement = insert_order(
        state, order(1, line(("ASSY", 60))), today=date(2026, 12, 5)
    )  # Saturday
    assert placement.start_day == date(2026, 12, 7)
