"""The staff plan pages and the production admin: staff see the plans, nobody else does."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F
from django.urls import reverse

from production import services
from production.models import BatchRun, CapacityDay, Component, ReplanRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("planner", "planner@example.com", None)
    client.force_login(user)
    return client


@pytest.fixture
def planned(place):
    orders = [services.schedule_order(order_id=place().pk) for _ in range(8)]
    # The run's 20 processors arrived (the orders took the 5 on hand and 3 of the batch).
    Component.objects.filter(sku="CPU-A").update(stock=F("stock") + 20)
    services.plan_batch_run(sku="NB-A-16", work_centre="LINE", quantity=20, minutes=600)
    return orders


def test_the_plan_page_draws_the_gantt_chart_utilisation_shortages_and_risks(
    staff_client, planned, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        response = staff_client.get(reverse("production:plan"), {"weeks": 4})

    assert response.status_code == 200
    html = response.content.decode()
    assert "ASSY" in html and "TEST" in html and "LINE" not in html
    assert reverse("admin:orders_order_change", args=[planned[0].pk]) in html
    assert "100%" in html  # today's assembly is full
    assert "CPU-A" in html  # stock is gone; orders wait on the batch
    assert "Start a replan" in html


def test_the_batch_plan_page_shows_batch_lines_and_runs(staff_client, planned):
    response = staff_client.get(reverse("production:batch"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "LINE" in html and "NB-A-16" in html and "ASSY" not in html


@pytest.mark.parametrize("name", ["production:plan", "production:batch"])
def test_the_plan_pages_are_refused_to_customers_and_anonymous_visitors(client, published, name):
    anonymous = client.get(reverse(name))
    assert anonymous.status_code == 302 and reverse("admin:login") in anonymous["Location"]

    customer = get_user_model().objects.create_user("customer")
    client.force_login(customer)
    refused = client.get(reverse(name))
    assert refused.status_code == 302 and reverse("admin:login") in refused["Location"]


def test_staff_start_a_replan_from_the_page_and_watch_it(staff_client, published, monkeypatch):
    monkeypatch.setattr("production.tasks.replan_task.delay", lambda run_id: None)

    response = staff_client.post(reverse("production:start_replan"))

    assert response.status_code == 302
    run = ReplanRun.objects.get()
    status = staff_client.get(reverse("production:replan_status", args=[run.pk]))
    assert status.status_code == 200 and b"hx-get" in status.content


@pytest.mark.parametrize("start", ["9999-12-20", "not-a-date", ""])
@pytest.mark.parametrize("name", ["production:plan", "production:batch"])
def test_any_from_date_shows_a_plan_page(staff_client, published, name, start):
    response = staff_client.get(reverse(name), {"from": start, "weeks": 8})

    assert response.status_code == 200


def test_customers_cannot_start_a_replan(client, published):
    client.force_login(get_user_model().objects.create_user("customer"))

    client.post(reverse("production:start_replan"))

    assert not ReplanRun.objects.exists()


@pytest.mark.parametrize(
    "model", ["capacityday", "planentry", "reservation", "batchrun", "replanrun"]
)
def test_the_production_admin_lists_render(staff_client, planned, model):
    assert staff_client.get(reverse(f"admin:production_{model}_changelist")).status_code == 200


def test_staff_finish_a_run_from_the_admin(staff_client, planned):
    run = BatchRun.objects.get()

    staff_client.post(
        reverse("admin:production_batchrun_changelist"),
        {"action": "finish_runs", "_selected_action": [run.pk]},
    )

    run.refresh_from_db()
    assert run.status == "finished" and run.standard_product.stock == 20


def test_staff_plan_a_run_from_the_admin(staff_client, published):
    from production.models import StandardProduct, WorkCentre

    response = staff_client.post(
        reverse("admin:production_batchrun_add"),
        {
            "standard_product": StandardProduct.objects.get().pk,
            "work_centre": WorkCentre.objects.get(code="LINE").pk,
            "quantity": 10,
            "minutes": 300,
        },
    )

    assert response.status_code == 302
    assert BatchRun.objects.get().minutes == 300


def test_a_days_capacity_cannot_drop_below_its_bookings(staff_client, planned):
    day = CapacityDay.objects.filter(work_centre__code="ASSY", booked_minutes__gt=0).first()
    url = reverse("admin:production_capacityday_change", args=[day.pk])

    refused = staff_client.post(url, {"capacity_minutes": day.booked_minutes - 1})
    staff_client.post(url, {"capacity_minutes": day.booked_minutes + 60})

    assert refused.status_code == 200 and b"booked on this day" in refused.content
    day.refresh_from_db()
    assert day.capacity_minutes == day.booked_minutes + 60
