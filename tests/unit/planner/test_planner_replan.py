from planner_factories import MONDAY, day, line, order, plan, supply

from production.planner import STOCK, WorkCentre, apply, apply_all, insert_order, replan, violations

ASSY = WorkCentre("ASSY", 480)
TEST = WorkCentre("TEST", 240)


def placed(state, *reqs, today=MONDAY):
    for req in reqs:
        state = apply(state, insert_order(state, req, today=today))
    return state


def test_replan_gives_stock_to_the_order_due_first_when_the_other_waits_anyway():
    # Order 1 came first and holds the only CPU on hand, but waits for a GPU until day 20;
    # order 2, due on day 3, had to wait for the next CPU batch on day 10.
    state = plan(ASSY, supplies=(supply("CPU", 1, (1, day(10))), supply("GPU", 0, (1, day(20)))))
    state = placed(
        state,
        order(1, line(("ASSY", 60), components={"CPU": 1, "GPU": 1}), due_on=day(30)),
        order(2, line(("ASSY", 60), components={"CPU": 1}), due_on=day(3)),
    )
    assert state.placements[2].start_day == day(10)
    promises = dict(state.promises)
    result = replan(state, today=MONDAY)
    assert result.moved == 2
    assert result.state.placements[2].start_day == day(0)
    assert [r.source for r in result.state.placements[2].reservations] == [STOCK]
    assert result.state.placements[1].ship_date <= promises[1]
    assert result.total_tardiness == 0
    assert violations(result.state) == []


def test_replan_lets_an_urgent_order_use_capacity_an_order_with_slack_held():
    state = plan(ASSY, TEST, supplies=(supply("PANEL", 0, (1, day(11))),))
    slow = order(
        1, line(("ASSY", 2400)), line(("TEST", 60), components={"PANEL": 1}), due_on=day(20)
    )
    urgent = order(2, line(("ASSY", 480)), due_on=day(2))
    state = placed(state, slow, urgent)
    assert state.placements[2].ship_date == day(8)
    result = replan(state, today=MONDAY)
    assert result.state.placements[2].ship_date == day(1)
    assert result.state.placements[1].ship_date <= state.promises[1]
    assert result.max_lateness == 0
    assert violations(result.state) == []


def test_replan_keeps_a_promise_even_when_breaking_it_would_cut_tardiness():
    state = plan(ASSY)
    state = placed(
        state,
        order(1, line(("ASSY", 480))),  # promised the day after: no slack
        order(2, line(("ASSY", 480)), due_on=day(0)),
    )
    result = replan(state, today=MONDAY)
    assert result.moved == 0 and result.placements == ()
    assert result.state.placements == state.placements


def test_replan_uses_the_slack_of_an_order_promised_its_requested_date():
    state = plan(ASSY)
    state = placed(
        state,
        order(1, line(("ASSY", 480)), due_on=day(9)),
        order(2, line(("ASSY", 480)), due_on=day(1)),
    )
    assert state.promises == {1: day(9), 2: day(2)}
    result = replan(state, today=MONDAY)
    assert result.state.placements[2].ship_date == day(1)
    assert result.state.placements[1].ship_date == day(2)
    assert result.state.promises == state.promises
    assert (result.total_tardiness, result.max_lateness) == (0, 0)


def test_replan_leaves_started_orders_alone():
    state = plan(ASSY, TEST, supplies=(supply("PANEL", 0, (1, day(11))),))
    slow = order(
        1, line(("ASSY", 2400)), line(("TEST", 60), components={"PANEL": 1}), due_on=day(20)
    )
    state = placed(state, slow, order(2, line(("ASSY", 480)), due_on=day(2)))
    result = replan(state, today=MONDAY, started={1})
    assert result.moved == 0
    assert result.state.placements[1] == state.placements[1]


def test_replan_does_not_move_work_booked_before_today():
    state = plan(ASSY, TEST, supplies=(supply("PANEL", 0, (1, day(11))),))
    slow = order(
        1, line(("ASSY", 2400)), line(("TEST", 60), components={"PANEL": 1}), due_on=day(20)
    )
    state = placed(state, slow, order(2, line(("ASSY", 480)), due_on=day(2)))
    result = replan(state, today=day(1))
    assert result.state.placements[1] == state.placements[1]


def test_replan_placements_applied_one_by_one_give_the_same_plan():
    state = plan(ASSY, supplies=(supply("CPU", 1, (1, day(10))), supply("GPU", 0, (1, day(20)))))
    state = placed(
        state,
        order(1, line(("ASSY", 60), components={"CPU": 1, "GPU": 1}), due_on=day(30)),
        order(2, line(("ASSY", 60), components={"CPU": 1}), due_on=day(3)),
    )
    result = replan(state, today=MONDAY)
    rewritten = apply_all(state, result.placements)
    assert rewritten.booked == result.state.booked
    assert rewritten.reserved == result.state.reserved
    assert rewritten.promises == state.promises


def test_replan_reports_progress_until_done():
    state = placed(plan(ASSY), order(1, line(("ASSY", 60))), order(2, line(("ASSY", 60))))
    seen = []
    replan(state, today=MONDAY, on_progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_replan_of_an_empty_plan_changes_nothing():
    result = replan(plan(ASSY), today=MONDAY)
    assert (result.moved, result.total_tardiness, result.makespan, result.max_lateness) == (
        0,
        0,
        0,
        0,
    )


def test_replan_measures_makespan_from_today():
    state = placed(plan(ASSY), order(1, line(("ASSY", 1000))))
    assert replan(state, today=MONDAY).makespan == 2
