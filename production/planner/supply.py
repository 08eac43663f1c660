"""Component supply: reserve from on-hand stock first, then from batches by arrival day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .errors import NoSupply
from .model import STOCK, OrderLine, Reservation, Source
from .state import PlanState


class SupplyLedger:
    """A scratch view of free component quantities: the state's reservations plus local
    changes, never written back to the state."""

    def __init__(self, state: PlanState) -> None:
        self._supplies = state.supplies
        self._batches = state.batches
        self._reserved = state.reserved
        self._delta: dict[tuple[str, Source], int] = {}

    def free(self, sku: str, source: Source, total: int) -> int:
        key = (sku, source)
        return total - self._reserved.get(key, 0) - self._delta.get(key, 0)

    def add(self, reservations: Iterable[Reservation], sign: int = 1) -> None:
        """Hold (`sign=1`) or release (`sign=-1`) `reservations`."""
        for r in reservations:
            key = (r.sku, r.source)
            self._delta[key] = self._delta.get(key, 0) + sign * r.quantity

    def reserve_line(
        self, line: OrderLine, line_index: int
    ) -> tuple[list[Reservation], date | None]:
        """Reserve every component of `line`; return the reservations and the day the last
        of them arrives (None when all come from stock).

        Raises `NoSupply` if stock and all known batches together cannot cover a component;
        nothing is held in that case.
        """
        held: list[Reservation] = []
        ready: date | None = None
        try:
            for sku, quantity in line.components:
                taken, arrives = self._reserve(sku, quantity, line_index)
                held.extend(taken)
                if arrives is not None and (ready is None or arrives > ready):
                    ready = arrives
        except NoSupply:
            self.add(held, -1)
            raise
        return held, ready

    def _reserve(
        self, sku: str, quantity: int, line_index: int
    ) -> tuple[list[Reservation], date | None]:
        supply = self._supplies.get(sku)
        if supply is None:
            raise NoSupply(sku, quantity)
        plan: list[tuple[Source, int]] = []
        remaining = quantity
        from_stock = min(remaining, self.free(sku, STOCK, supply.on_hand))
        if from_stock > 0:
            plan.append((STOCK, from_stock))
            remaining -= from_stock
        for arrives, batch_quantity in self._batches.get(sku, ()):
            if not remaining:
                break
            take = min(remaining, self.free(sku, arrives, batch_quantity))
            if take > 0:
                plan.append((arrives, take))
                remaining -= take
        if remaining:
            raise NoSupply(sku, remaining)
        taken = [Reservation(sku, q, source, line_index) for source, q in plan]
        self.add(taken)
        last = plan[-1][0] if plan else STOCK
        return taken, None if last == STOCK else last  # type: ignore[return-value]


def ready_day(reservations: Iterable[Reservation], line_index: int) -> date | None:
    """The day the last component held for line `line_index` arrives (None: all on hand)."""
    days = [r.ready_on for r in reservations if r.line_index == line_index]
    dated = [d for d in days if d is not None]
    return max(dated) if dated else None
