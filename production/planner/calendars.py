"""Working-day arithmetic on calendars given as data.

A calendar is anything with `workdays` (0 = Monday .. 6 = Sunday) and `holidays` (dates):
a `Calendar`, or a `WorkCentre`. Nothing here reads the clock; callers pass the day.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Protocol

from .errors import NoCapacity

DEFAULT_HORIZON_DAYS = 730
MONDAY_TO_FRIDAY: frozenset[int] = frozenset(range(5))
_ONE_DAY = timedelta(days=1)


class CalendarLike(Protocol):
    @property
    def workdays(self) -> AbstractSet[int]: ...

    @property
    def holidays(self) -> AbstractSet[date]: ...


@dataclass(frozen=True)
class Calendar:
    """A plain working calendar, e.g. the shipping calendar of the plant."""

    workdays: frozenset[int] = MONDAY_TO_FRIDAY
    holidays: frozenset[date] = field(default_factory=frozenset)
    code: str = "calendar"


def is_working_day(calendar: CalendarLike, day: date) -> bool:
    """True when `day` is one of the calendar's workdays and not one of its holidays."""
    return day.weekday() in calendar.workdays and day not in calendar.holidays


def next_working_day(
    calendar: CalendarLike,
    day: date,
    *,
    inclusive: bool = True,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> date:
    """The first working day on or after `day` (strictly after it when not `inclusive`).

    Raises `NoCapacity` when no working day falls within `horizon_days`.
    """
    current = day if inclusive else day + _ONE_DAY
    for _ in range(horizon_days + 1):
        if is_working_day(calendar, current):
            return current
        current += _ONE_DAY
    raise NoCapacity(_code_of(calendar), horizon_days)


def add_working_days(
    calendar: CalendarLike,
    day: date,
    days: int,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> date:
    """The `days`-th working day after `day` (`day` itself is not counted).

    `add_working_days(cal, friday, 1)` is the next Monday on a Monday-to-Friday calendar;
    with `days == 0` the day is returned unchanged.
    """
    current = day
    for _ in range(days):
        current = next_working_day(calendar, current, inclusive=False, horizon_days=horizon_days)
    return current


def shift_start(day: date, at: time, tz: tzinfo | None) -> datetime:
    """The moment a shift starting at `at` begins on `day`, in time zone `tz`."""
    return datetime.combine(day, at, tzinfo=tz)


def _code_of(calendar: CalendarLike) -> str:
    return str(getattr(calendar, "code", "calendar"))
