"""Finite capacity per (work centre, day), and filling it with a line's operations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo

from .calendars import shift_start
from .errors import NoCapacity, UnknownWorkCentre
from .model import Booking, OrderLine, WorkCentre
from .state import PlanState

_ONE_DAY = timedelta(days=1)


class CapacityLedger:
    """A scratch view of the plan's free minutes: the state's bookings plus local changes.

    Placing work books into the local delta only, so the state itself never changes; the
    caller turns what was booked into a `Placement`.
    """

    def __init__(self, state: PlanState) -> None:
        self._work_centres = state.work_centres
        self._booked = state.booked
        self.horizon_days = state.horizon_days
        self._delta: dict[tuple[str, date], int] = {}

    def work_centre(self, code: str) -> WorkCentre:
        try:
            return self._work_centres[code]
        except KeyError:
            raise UnknownWorkCentre(code) from None

    def used(self, code: str, day: date) -> int:
        key = (code, day)
        return self._booked.get(key, 0) + self._delta.get(key, 0)

    def free(self, wc: WorkCentre, day: date) -> int:
        return wc.capacity_on(day) - self.used(wc.code, day)

    def add(self, bookings: Iterable[Booking], sign: int = 1) -> None:
        """Book (`sign=1`) or free (`sign=-1`) the minutes of `bookings`."""
        for b in bookings:
            key = (b.work_centre, b.day)
            self._delta[key] = self._delta.get(key, 0) + sign * b.minutes

    def place_line(
        self,
        line: OrderLine,
        line_index: int,
        earliest: date,
        *,
        tz: tzinfo | None = None,
    ) -> tuple[list[Booking], date]:
        """Book `line`'s operations in sequence, each as early as free capacity allows.

        An operation takes the free minutes of its work centre day after day (skipping
        days with none) until done; the next one may start on the day it ended. Returns the
        bookings and the day the last operation ended (`earliest` if there is no work).
        """
        day = earliest
        bookings: list[Booking] = []
        prev_end: datetime | None = None
        for op_index, op in enumerate(line.operations):
            wc = self.work_centre(op.work_centre)
            remaining = op.minutes
            limit = day + timedelta(days=self.horizon_days)
            while remaining:
                free = wc.capacity_on(day) - self.used(wc.code, day)
                if free > 0:
                    take = min(free, remaining)
                    start = end = None
                    if tz is not None:
                        start = shift_start(day, wc.shift_start, tz) + timedelta(
                            minutes=self.used(wc.code, day)
                        )
                        if prev_end is not None and prev_end.date() == day and prev_end > start:
                            start = prev_end
                        end = start + timedelta(minutes=take)
                        prev_end = end
                    key = (wc.code, day)
                    self._delta[key] = self._delta.get(key, 0) + take
                    bookings.append(Booking(line_index, op_index, wc.code, day, take, start, end))
                    remaining -= take
                    if not remaining:
                        break
                day += _ONE_DAY
                if day > limit:
                    raise NoCapacity(wc.code, self.horizon_days)
        return bookings, day
