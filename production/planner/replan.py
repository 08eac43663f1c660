"""Re-placing the not-started work of the plan to cut tardiness, promises kept.

Each candidate sequence (earliest due date first, promise order, current start order) is
rebuilt greedily on the capacity and stock left by the orders that stay put. An order that
would then ship after its promise is pinned to its old placement and the rebuild is run
again, so every promise holds by construction; the old placements are mutually feasible,
so pinning always ends. Each rebuild is then compacted (every order re-placed alone, kept
only if it ships no later). The best candidate wins on total tardiness, provided the
worst single lateness does not grow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from .capacity import CapacityLedger
from .insertion import place, same_bookings
from .model import OrderId, OrderRequest, Placement
from .state import PlanState, apply_all
from .supply import SupplyLedger

# A sort key over orders: days and priorities compared left to right.
SequenceKey = tuple[date | int, ...]

ProgressCallback = Callable[[int, int], None]
_COMPACTION_PASSES = 2


@dataclass(frozen=True)
class ReplanResult:
    """What a replan changed and how good the plan now is.

    `placements` are the new placements of the orders whose bookings or reservations
    changed (`moved` counts them). Tardiness and lateness are in calendar days of ship date
    after due date (`OrderRequest.due_on`, else the promise); `makespan` is calendar days
    from `today` to the last operation's day. `state` is the plan with all of it applied.
    """

    placements: tuple[Placement, ...]
    moved: int
    total_tardiness: int
    makespan: int
    max_lateness: int
    state: PlanState


def replan(
    state: PlanState,
    orders: Iterable[OrderRequest] = (),
    *,
    today: date,
    started: Iterable[OrderId] = frozenset(),
    on_progress: ProgressCallback | None = None,
) -> ReplanResult:
    """Re-place every order that has not started to improve the plan, keeping each
    promised ship date as a hard constraint.

    `orders` supplies (or overrides) the requests behind the placements; an order without
    a request, listed in `started`, or with work booked before `today` stays where it is.
    `on_progress(done, total)` is called after each stage (one per candidate sequence).
    """
    requests = state.requests
    requests.update({r.order_id: r for r in orders if r.order_id in state.placements})
    fixed = set(started)
    movable = [
        oid
        for oid, p in state.placements.items()
        if oid not in fixed and oid in requests and p.start_day >= today
    ]
    dues = {oid: _due(requests.get(oid), state.promises[oid]) for oid in state.placements}
    current = dict(state.placements)
    best, best_score = current, _score(current, dues)
    worst_now = best_score[1]
    sequences = _sequences(state, requests, dues)
    total = len(sequences)
    for done, key in enumerate(sequences, start=1):
        candidate = _rebuild(state, requests, movable, key, today=today)
        candidate = _compact(state, requests, candidate, movable, today=today)
        score = _score(candidate, dues)
        # Total tardiness decides, but never at the price of a worse single lateness.
        if score[1] <= worst_now and score < best_score:
            best, best_score = candidate, score
        if on_progress is not None:
            on_progress(done, total)
    changed = tuple(
        best[oid]
        for oid in movable
        if not same_bookings(best[oid], current[oid])
        or best[oid].reservations != current[oid].reservations
    )
    tardiness, max_lateness, _ = best_score
    return ReplanResult(
        placements=changed,
        moved=len(changed),
        total_tardiness=tardiness,
        makespan=max(((p.end_day - today).days for p in best.values()), default=0),
        max_lateness=max_lateness,
        state=apply_all(state, changed),
    )


def lateness(placement: Placement, due: date) -> int:
    """Calendar days `placement` ships after `due` (zero or negative when on time)."""
    return (placement.ship_date - due).days


def _due(request: OrderRequest | None, promise: date) -> date:
    return request.due_on if request is not None and request.due_on is not None else promise


def _score(
    placements: Mapping[OrderId, Placement], dues: Mapping[OrderId, date]
) -> tuple[int, int, date]:
    late = [max(0, lateness(p, dues[oid])) for oid, p in placements.items()]
    end = max((p.end_day for p in placements.values()), default=date.min)
    return (sum(late), max(late, default=0), end)


def _sequences(
    state: PlanState,
    requests: Mapping[OrderId, OrderRequest],
    dues: Mapping[OrderId, date],
) -> list[Callable[[OrderId], SequenceKey]]:
    promises, placements = state.promises, state.placements

    def edd(oid: OrderId) -> SequenceKey:
        return (dues[oid], -requests[oid].priority, promises[oid], placements[oid].start_day)

    def by_promise(oid: OrderId) -> SequenceKey:
        return (promises[oid], dues[oid], -requests[oid].priority)

    def as_planned(oid: OrderId) -> SequenceKey:
        return (placements[oid].start_day, promises[oid])

    return [edd, by_promise, as_planned]


def _rebuild(
    state: PlanState,
    requests: Mapping[OrderId, OrderRequest],
    movable: list[OrderId],
    key: Callable[[OrderId], SequenceKey],
    *,
    today: date,
) -> dict[OrderId, Placement]:
    pinned: set[OrderId] = set()
    while True:
        capacity, supply = CapacityLedger(state), SupplyLedger(state)
        free = sorted((oid for oid in movable if oid not in pinned), key=key)
        for oid in free:
            capacity.add(state.placements[oid].bookings, -1)
            supply.add(state.placements[oid].reservations, -1)
        result = dict(state.placements)
        late: set[OrderId] = set()
        for oid in free:
            placed = place(
                state, capacity, supply, requests[oid], today=today, promise=state.promises[oid]
            )
            result[oid] = placed
            if placed.ship_date > state.promises[oid]:
                late.add(oid)
        if not late:
            return result
        pinned |= late


def _compact(
    state: PlanState,
    requests: Mapping[OrderId, OrderRequest],
    placements: dict[OrderId, Placement],
    movable: list[OrderId],
    *,
    today: date,
) -> dict[OrderId, Placement]:
    """Re-place each movable order alone into the capacity the others leave; keep the new
    placement when it ships no later (it never ships later: its old slots are free again)."""
    capacity, supply = CapacityLedger(state), SupplyLedger(state)
    for oid in movable:
        old, new = state.placements[oid], placements[oid]
        capacity.add(old.bookings, -1)
        capacity.add(new.bookings, +1)
        supply.add(old.reservations, -1)
        supply.add(new.reservations, +1)
    result = dict(placements)
    for _ in range(_COMPACTION_PASSES):
        improved = False
        for oid in sorted(movable, key=lambda o: (result[o].start_day, result[o].ship_date)):
            old = result[oid]
            capacity.add(old.bookings, -1)
            supply.add(old.reservations, -1)
            again = place(
                state, capacity, supply, requests[oid], today=today, promise=state.promises[oid]
            )
            if again.ship_date < old.ship_date or (
                again.ship_date == old.ship_date and again.end_day < old.end_day
            ):
                result[oid] = again
                improved = True
            else:
                capacity.add(again.bookings, -1)
                supply.add(again.reservations, -1)
                capacity.add(old.bookings, +1)
                supply.add(old.reservations, +1)
        if not improved:
            break
    return result
