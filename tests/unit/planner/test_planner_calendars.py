from datetime import date, time, timedelta, timezone

import pytest
from planner_factories import MONDAY, day

from production.planner import (
    Calendar,
    NoCapacity,
    WorkCentre,
    add_working_days,
    is_working_day,
    next_working_day,
    shift_start,
)


def test_weekend_is_not_a_working_day_of_a_weekday_calendar():
    cal = Calendar()
    assert [is_working_day(cal, day(i)) for i in range(7)] == [True] * 5 + [False] * 2


def test_next_working_day_skips_weekend_and_holiday():
    cal = Calendar(holidays=frozenset({day(7)}))  # the second Monday
    assert next_working_day(cal, day(5)) == day(8)
    assert next_working_day(cal, day(1)) == day(1)
    assert next_working_day(cal, day(1), inclusive=False) == day(2)


def test_add_working_days_counts_only_working_days():
    cal = Calendar(holidays=frozenset({day(3)}))
    assert add_working_days(cal, day(2), 1) == day(4)  # Thursday is a holiday
    assert add_working_days(cal, day(4), 1) == day(7)  # Friday to Monday
    assert add_working_days(cal, day(4), 0) == day(4)


def test_six_day_work_centre_works_saturday():
    wc = WorkCentre("ASSY", 480, frozenset(range(6)))
    assert wc.capacity_on(day(5)) == 480
    assert wc.capacity_on(day(6)) == 0


def test_holiday_has_no_capacity():
    wc = WorkCentre("ASSY", 480, holidays=frozenset({day(2)}))
    assert wc.capacity_on(day(1)) == 480
    assert wc.capacity_on(day(2)) == 0


def test_calendar_without_workdays_raises_no_capacity():
    wc = WorkCentre("IDLE", 480, frozenset())
    with pytest.raises(NoCapacity) as raised:
        next_working_day(wc, MONDAY, horizon_days=30)
    assert raised.value.work_centre == "IDLE"


def test_shift_start_is_in_the_given_time_zone():
    tz = timezone(timedelta(hours=1))
    moment = shift_start(date(2026, 12, 1), time(8), tz)
    assert moment.utcoffset() == timedelta(hours=1)
    assert (moment.hour, moment.minute) == (8, 0)
