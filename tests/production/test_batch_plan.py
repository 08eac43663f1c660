"""The batch plan of standard products and in-house components."""

from __future__ import annotations

from datetime import timedelta

import pytest

from production import services
from production.models import BatchBooking, CapacityDay, Component, StandardProduct

pytestmark = pytest.mark.django_db


def test_a_batch_run_books_the_batch_line_day_after_day(published, today):
    # 5 notebooks: the 5 processors on hand, so the run may start today.
    run = services.plan_batch_run(sku="NB-A-16", work_centre="LINE", quantity=5, minutes=1000)

    assert (run.start_day, run.end_day) == (today, today + timedelta(days=2))
    assert [b.minutes for b in BatchBooking.objects.filter(run=run).order_by("day")] == [
        480,
        480,
        40,
    ]
    days = CapacityDay.objects.filter(work_centre__code="LINE").order_by("day")
    assert [d.booked_minutes for d in days] == [480, 480, 40]

    second = services.plan_batch_run(sku="CPU-A", work_centre="LINE", quantity=10, minutes=500)
    assert second.start_day == today + timedelta(days=2)


def test_batch_runs_stay_off_build_to_order_work_centres(published):
    with pytest.raises(services.BatchPlanError):
        services.plan_batch_run(sku="NB-A-16", work_centre="ASSY", quantity=5, minutes=60)
    with pytest.raises(services.BatchPlanError):
        services.plan_batch_run(sku="NOPE", work_centre="LINE", quantity=5, minutes=60)


def test_finishing_a_run_adds_stock_once_and_frees_later_days(published, today):
    run = services.plan_batch_run(sku="NB-A-16", work_centre="LINE", quantity=5, minutes=1000)
    component_run = services.plan_batch_run(sku="CPU-A", work_centre="LINE", quantity=7, minutes=10)

    services.finish_batch_run(run_id=run.pk)
    services.finish_batch_run(run_id=run.pk)
    services.finish_batch_run(run_id=component_run.pk)

    assert StandardProduct.objects.get(sku="NB-A-16").stock == 5
    # 5 on hand, built into the notebooks; 7 made.
    assert Component.objects.get(sku="CPU-A").stock == 5 - 5 + 7
    booked = dict(
        CapacityDay.objects.filter(work_centre__code="LINE").values_list("day", "booked_minutes")
    )
    assert booked[today] == 480 and sum(booked.values()) == 480
