from planner_factories import MONDAY, day, line, order, plan, supply

from production.planner import (
    STOCK,
    PlanState,
    WorkCentre,
    apply,
    cancel,
    estimate,
    insert_order,
    violations,
)

ASSY = WorkCentre("ASSY", 480)


def placed(state, req, today=MONDAY):
    return apply(state, insert_order(state, req, today=today))


def test_applying_a_placement_records_bookings_reservations_and_the_promise():
    state = plan(ASSY, supplies=(supply("CPU", 4),))
    placement = insert_order(
        state, order(1, line(("ASSY", 500), components={"CPU": 3})), today=MONDAY
    )
    after = apply(state, placement)
    assert after.booked == {("ASSY", day(0)): 480, ("ASSY", day(1)): 20}
    assert after.reserved == {("CPU", STOCK): 3}
    assert after.promises == {1: placement.ship_date}
    assert state.booked == {}  # the old state is untouched
    assert violations(after) == []


def test_cancel_frees_capacity_and_stock_for_the_next_order():
    state = plan(ASSY, supplies=(supply("CPU", 2, (5, day(10))),))
    state = placed(state, order(1, line(("ASSY", 480), components={"CPU": 2})))
    follower = order(2, line(("ASSY", 60), components={"CPU": 2}))
    assert insert_order(state, follower, today=MONDAY).start_day == day(10)
    state = cancel(state, 1)
    assert state.booked == {} and state.reserved == {} and state.promises == {}
    again = insert_order(state, follower, today=MONDAY)
    assert again.start_day == day(0)
    assert [(r.quantity, r.source) for r in again.reservations] == [(2, STOCK)]


def test_cancelling_an_unknown_order_changes_nothing():
    state = placed(plan(ASSY), order(1, line(("ASSY", 60))))
    assert cancel(state, 99) is state


def test_later_insertions_never_move_an_earlier_promise():
    state = plan(ASSY)
    state = placed(state, order(1, line(("ASSY", 300))))
    promise = state.promises[1]
    for i in range(2, 12):
        state = placed(state, order(i, line(("ASSY", 250))))
    assert state.placements[1].ship_date == promise == state.promises[1]
    assert violations(state) == []


def test_plan_rebuilt_from_stored_placements_answers_the_same():
    state = plan(ASSY, supplies=(supply("CPU", 1, (5, day(4))),))
    for i in range(4):
        state = placed(state, order(i, line(("ASSY", 200), components={"CPU": 1})))
    rebuilt = PlanState.from_placements(
        work_centres=state.work_centres.values(),
        supplies=state.supplies.values(),
        placements=state.placements.values(),
        promises=state.promises,
    )
    assert rebuilt.booked == state.booked
    assert rebuilt.reserved == state.reserved
    assert rebuilt.promises == state.promises
    probe = order("p", line(("ASSY", 100), components={"CPU": 1}))
    assert estimate(rebuilt, probe, today=MONDAY) == estimate(state, probe, today=MONDAY)


def test_free_minutes_and_free_quantity_read_the_plan():
    state = placed(
        plan(ASSY, supplies=(supply("CPU", 2, (3, day(4))),)),
        order(1, line(("ASSY", 100), components={"CPU": 3})),
    )
    assert state.free_minutes("ASSY", state.placements[1].start_day) == 380
    assert state.free_quantity("CPU", STOCK) == 0
    assert state.free_quantity("CPU", day(4)) == 2
