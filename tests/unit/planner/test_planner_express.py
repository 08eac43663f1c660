from planner_factories import MONDAY, day, line, order, supply

from production.planner import PlanState, WorkCentre, apply, insert_order, violations

# ASSY is closed on the first Monday, so nothing booked on it has started "today".
ASSY = WorkCentre("ASSY", 480, holidays=frozenset({MONDAY}))
TEST = WorkCentre("TEST", 240)


def base_plan():
    return PlanState.empty(work_centres=[ASSY, TEST], supplies=[supply("PANEL", 0, (1, day(4)))])


def placed(state, req):
    return apply(state, insert_order(state, req, today=MONDAY))


def with_slack():
    # Order 1 is assembled Tuesday but cannot be tested before its panel arrives Friday.
    req = order(1, line(("ASSY", 480)), line(("TEST", 240), components={"PANEL": 1}))
    return placed(base_plan(), req)


def test_express_order_takes_capacity_of_an_order_with_slack_and_keeps_its_promise():
    state = with_slack()
    promise = state.promises[1]
    placement = insert_order(state, order(2, line(("ASSY", 480)), priority=1), today=MONDAY)
    assert placement.start_day == day(1)
    assert placement.ship_date == day(2)
    (moved,) = placement.moved
    assert moved.order_id == 1 and moved.ship_date <= promise
    state = apply(state, placement)
    assert state.promises[1] == promise
    assert state.placements[1].start_day == day(2)
    assert violations(state) == []


def test_express_order_is_placed_normally_when_displacing_would_break_a_promise():
    state = placed(base_plan(), order(1, line(("ASSY", 480))))  # ships the day after, no slack
    placement = insert_order(state, order(2, line(("ASSY", 480)), priority=1), today=MONDAY)
    assert placement.moved == ()
    assert placement.start_day == day(2)
    assert violations(apply(state, placement)) == []


def test_normal_order_never_displaces_anything():
    state = with_slack()
    placement = insert_order(state, order(2, line(("ASSY", 480))), today=MONDAY)
    assert placement.moved == () and placement.start_day == day(2)


def test_express_order_does_not_move_work_that_has_started():
    state = with_slack()
    placement = insert_order(state, order(2, line(("ASSY", 480)), priority=1), today=day(1))
    assert placement.moved == () and placement.start_day == day(2)


def test_express_order_does_not_displace_another_express_order():
    state = placed(
        base_plan(),
        order(1, line(("ASSY", 480)), line(("TEST", 240), components={"PANEL": 1}), priority=1),
    )
    placement = insert_order(state, order(2, line(("ASSY", 480)), priority=1), today=MONDAY)
    assert placement.moved == ()


def test_displaced_order_keeps_its_components():
    state = with_slack()
    placement = insert_order(state, order(2, line(("ASSY", 480)), priority=1), today=MONDAY)
    (moved,) = placement.moved
    assert moved.reservations == state.placements[1].reservations
