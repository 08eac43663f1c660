"""Random plans, random sequences of insert / cancel / replan: the rules always hold."""

from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from planner_factories import MONDAY, day

from production.planner import (
    ComponentSupply,
    NoSupply,
    Operation,
    OrderLine,
    OrderRequest,
    PlanState,
    SupplyBatch,
    WorkCentre,
    apply,
    cancel,
    estimate,
    insert_order,
    replan,
    violations,
)
from production.planner.replan import lateness

SKUS = ("CPU", "GPU", "RAM")


@st.composite
def work_centres(draw):
    count = draw(st.integers(1, 3))
    centres = []
    for i in range(count):
        workdays = draw(st.frozensets(st.integers(0, 6), min_size=1))
        holidays = draw(st.frozensets(st.integers(0, 40).map(day), max_size=6))
        minutes = draw(st.integers(30, 600))
        centres.append(WorkCentre(f"WC{i}", minutes, workdays, holidays))
    return centres


@st.composite
def supplies(draw):
    result = []
    for sku in SKUS:
        batches = draw(
            st.lists(
                st.builds(SupplyBatch, st.integers(1, 8), st.integers(0, 40).map(day)),
                max_size=3,
            )
        )
        result.append(ComponentSupply(sku, draw(st.integers(0, 8)), tuple(batches)))
    return result


@st.composite
def requests(draw, codes, order_id, today):
    lines = []
    for _ in range(draw(st.integers(1, 2))):
        ops = draw(
            st.lists(
                st.builds(Operation, st.sampled_from(codes), st.integers(0, 1500)),
                min_size=0,
                max_size=3,
            )
        )
        components = draw(st.dictionaries(st.sampled_from(SKUS), st.integers(1, 4), max_size=2))
        lines.append(OrderLine(tuple(ops), components))
    received = draw(st.one_of(st.none(), st.integers(0, 6).map(lambda d: today + timedelta(d))))
    due = today + timedelta(days=draw(st.integers(0, 40)))
    priority = draw(st.sampled_from((0, 0, 0, 1)))
    return OrderRequest(order_id, tuple(lines), priority, received, due)


def check(state, promised):
    assert violations(state) == []
    for oid, promise in promised.items():
        if oid in state.placements:
            assert state.promises[oid] == promise
            assert state.placements[oid].ship_date <= promise


def worst_and_total(state, today):
    late = [
        max(0, lateness(p, p.request.due_on or state.promises[oid]))
        for oid, p in state.placements.items()
    ]
    return max(late, default=0), sum(late)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(centres=work_centres(), stock=supplies(), data=st.data())
def test_random_insert_cancel_replan_sequences_keep_every_rule(centres, stock, data):
    state = PlanState.empty(work_centres=centres, supplies=stock, horizon_days=3000)
    codes = [wc.code for wc in centres]
    today = MONDAY
    promised = {}
    for step in range(data.draw(st.integers(1, 25), label="steps")):
        today += timedelta(days=data.draw(st.integers(0, 2), label="advance"))
        action = data.draw(st.sampled_from(("insert",) * 5 + ("cancel", "replan")), label="action")
        if action == "insert":
            req = data.draw(requests(codes, step, today), label="request")
            try:
                quote = estimate(state, req, today=today)
                placement = insert_order(state, req, today=today)
            except NoSupply:
                continue
            if req.priority == 0:
                assert placement.ship_date == quote and placement.moved == ()
            else:
                assert placement.ship_date <= quote
            assert all(b.day >= today for b in placement.bookings)
            for moved in placement.moved:
                assert moved.start_day > today or moved.bookings == ()
                assert state.placements[moved.order_id].start_day > today
            event(f"express moved {bool(placement.moved)}")
            state = apply(state, placement)
            promised[req.order_id] = placement.promised_on
        elif action == "cancel" and state.placements:
            oid = data.draw(st.sampled_from(sorted(state.placements)), label="cancel")
            state = cancel(state, oid)
            assert oid not in state.placements
        elif action == "replan":
            started = data.draw(
                st.frozensets(st.sampled_from(sorted(state.placements) or [-1])), label="started"
            )
            worst, total = worst_and_total(state, today)
            result = replan(state, today=today, started=started)
            for oid in started:
                if oid in state.placements:
                    assert result.state.placements[oid] == state.placements[oid]
            for oid, p in state.placements.items():
                if p.start_day < today:
                    assert result.state.placements[oid] == p
            assert result.max_lateness <= worst
            assert result.total_tardiness <= total
            assert (result.max_lateness, result.total_tardiness) == worst_and_total(
                result.state, today
            )
            event(f"replan moved {min(result.moved, 3)}")
            state = result.state
        check(state, promised)


def busy_plan_steps(rng):
    """A dense random scenario: two or three tight work centres, scarce components, many
    orders (a third express), with cancellations and replans in between."""
    centres = [
        WorkCentre(
            f"WC{i}",
            rng.randint(60, 600),
            frozenset(rng.sample(range(7), rng.randint(3, 7))),
            frozenset(day(rng.randint(0, 40)) for _ in range(rng.randint(0, 4))),
        )
        for i in range(rng.randint(2, 3))
    ]
    stock = [
        ComponentSupply(
            sku,
            rng.randint(0, 6),
            tuple(SupplyBatch(rng.randint(1, 8), day(rng.randint(0, 30))) for _ in range(3)),
        )
        for sku in SKUS
    ]
    codes = [wc.code for wc in centres]
    today = MONDAY
    steps = []
    for i in range(rng.randint(15, 40)):
        today += timedelta(days=rng.choice((0, 0, 0, 1)))
        roll = rng.random()
        if roll < 0.08:
            steps.append(("cancel", today, None))
        elif roll < 0.16:
            steps.append(("replan", today, None))
        else:
            lines = tuple(
                OrderLine(
                    tuple(
                        Operation(rng.choice(codes), rng.randint(0, 1500))
                        for _ in range(rng.randint(1, 3))
                    ),
                    {rng.choice(SKUS): rng.randint(1, 3)} if rng.random() < 0.6 else {},
                )
                for _ in range(rng.randint(1, 2))
            )
            received = today + timedelta(days=rng.randint(0, 6))
            due = today + timedelta(days=rng.randint(0, 30))
            priority = 1 if rng.random() < 0.33 else 0
            steps.append(("insert", today, OrderRequest(i, lines, priority, received, due)))
    return centres, stock, steps


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_busy_random_plans_keep_every_rule(seed):
    import random

    centres, stock, steps = busy_plan_steps(random.Random(seed))
    state = PlanState.empty(work_centres=centres, supplies=stock, horizon_days=3000)
    promised = {}
    rng = random.Random(seed + 1)
    for action, today, req in steps:
        if action == "insert":
            try:
                placement = insert_order(state, req, today=today)
            except NoSupply:
                continue
            event(f"busy express moved {bool(placement.moved)}")
            for moved in placement.moved:
                assert state.placements[moved.order_id].start_day > today
                assert all(b.day >= today for b in moved.bookings)
            state = apply(state, placement)
            promised[req.order_id] = placement.promised_on
        elif action == "cancel" and state.placements:
            state = cancel(state, rng.choice(sorted(state.placements)))
        elif action == "replan":
            started = {oid for oid in state.placements if rng.random() < 0.2}
            worst, total = worst_and_total(state, today)
            result = replan(state, today=today, started=started)
            event(f"busy replan moved {result.moved > 0}")
            assert result.max_lateness <= worst and result.total_tardiness <= total
            for oid in started:
                assert result.state.placements[oid] == state.placements[oid]
            state = result.state
        check(state, promised)
