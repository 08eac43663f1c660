"""Status notifications: the customer's e-mail, and signed webhooks POSTed to a real
receiver on loopback that checks the signature the way a partner would."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from atelier import errors
from orders import services, tasks, webhooks
from orders.models import Order, OrderEvent, WebhookDelivery, WebhookEndpoint
from orders.notifications import notify_status_change
from tests.api.conftest import place_with_callbacks

pytestmark = pytest.mark.django_db


def test_received_order_emails_the_customer_a_link_to_its_status_page(
    api_a, mailoutbox, enqueued, django_capture_on_commit_callbacks, settings
):
    settings.ATELIER_SITE_URL = "https://shop.example"
    order = place_with_callbacks(
        api_a,
        django_capture_on_commit_callbacks,
        customer={"name": "Ada", "email": "ada@example.com", "address": ""},
    )
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ada@example.com"]
    assert "received" in mail.subject
    assert f"https://shop.example/orders/{order.public_id}/" in mail.body


def test_no_customer_email_sends_no_mail(
    api_a, mailoutbox, enqueued, django_capture_on_commit_callbacks
):
    place_with_callbacks(api_a, django_capture_on_commit_callbacks)
    assert mailoutbox == []


def test_status_change_creates_one_delivery_per_active_endpoint(
    api_a, partner_a, endpoint, enqueued, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(partner=partner_a, url="http://127.0.0.1:9/off", active=False)
    order = place_with_callbacks(api_a, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.endpoint == endpoint
    assert enqueued == [delivery.pk]
    assert delivery.payload["type"] == "order.status_changed"
    assert delivery.payload["data"]["order"]["id"] == str(order.public_id)
    assert delivery.payload["data"]["order"]["status"] == "received"
    # Notifying the same event again creates nothing new.
    notify_status_change(event_id=delivery.event_id)
    assert WebhookDelivery.objects.count() == 1


def test_other_partners_endpoints_hear_nothing(
    api_b, endpoint, enqueued, django_capture_on_commit_callbacks
):
    place_with_callbacks(api_b, django_capture_on_commit_callbacks)
    assert not WebhookDelivery.objects.exists()


def test_transition_notifies_on_commit(
    api_a, endpoint, enqueued, mailoutbox, django_capture_on_commit_callbacks
):
    order = place_with_callbacks(
        api_a,
        django_capture_on_commit_callbacks,
        customer={"name": "", "email": "c@example.com", "address": ""},
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.transition(
            order_id=order.pk,
            to="scheduled",
            actor="planner",
            promised_ship_date=timezone.localdate() + timedelta(days=9),
        )
    assert [m.subject.split(" (")[0] for m in mailoutbox] == [
        "We have received your order",
        "Your order is scheduled",
    ]
    statuses = [
        d.payload["data"]["order"]["status"] for d in WebhookDelivery.objects.order_by("pk")
    ]
    assert statuses == ["received", "scheduled"]
    assert len(enqueued) == 2


def test_a_batch_transition_notifies_each_order_once(
    api_a, endpoint, enqueued, mailoutbox, django_capture_on_commit_callbacks
):
    customer = {"name": "", "email": "c@example.com", "address": ""}
    first = place_with_callbacks(api_a, django_capture_on_commit_callbacks, customer=customer)
    second = place_with_callbacks(
        api_a, django_capture_on_commit_callbacks, key="key-2", customer=customer
    )
    mailoutbox.clear()
    ship = timezone.localdate() + timedelta(days=9)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.transition_many(
            promised_ship_dates={first.pk: ship, second.pk: ship + timedelta(days=1)},
            to="scheduled",
            actor="planner",
        )
    assert Order.objects.get(pk=second.pk).promised_ship_date == ship + timedelta(days=1)
    events = OrderEvent.objects.filter(status="scheduled", actor="planner")
    assert sorted(events.values_list("order_id", flat=True)) == [first.pk, second.pk]
    assert [m.subject.split(" (")[0] for m in mailoutbox] == ["Your order is scheduled"] * 2
    scheduled = WebhookDelivery.objects.filter(payload__data__order__status="scheduled")
    assert scheduled.count() == 2


def test_a_batch_transition_moves_all_or_none(api_a, django_capture_on_commit_callbacks):
    first = place_with_callbacks(api_a, django_capture_on_commit_callbacks)
    cancelled = place_with_callbacks(api_a, django_capture_on_commit_callbacks, key="key-2")
    Order.objects.filter(pk=cancelled.pk).update(status="cancelled")
    ship = timezone.localdate() + timedelta(days=9)
    with pytest.raises(errors.InvalidTransition), transaction.atomic():
        services.transition_many(
            promised_ship_dates={first.pk: ship, cancelled.pk: ship}, to="scheduled", actor="p"
        )
    assert Order.objects.get(pk=first.pk).status == "received"
    assert not OrderEvent.objects.filter(status="scheduled").exists()


def test_delivery_is_signed_and_verifiable_by_the_receiver(
    api_a, endpoint, receiver, enqueued, django_capture_on_commit_callbacks
):
    order = place_with_callbacks(api_a, django_capture_on_commit_callbacks)
    result = webhooks.attempt_delivery(delivery_id=enqueued[0])
    assert result.state == "delivered" and result.status_code == 200
    [got] = receiver.received
    assert got["valid"] is True
    assert got["content_type"] == "application/json"
    assert got["payload"]["data"]["order"]["id"] == str(order.public_id)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("delivered", 1)
    assert delivery.attempt_log.get().status_code == 200
    # Delivered is final: running the task again sends nothing.
    assert webhooks.attempt_delivery(delivery_id=delivery.pk) is None
    assert tasks.deliver_webhook.run(delivery.pk) is None
    assert len(receiver.received) == 1


def test_server_errors_are_retried_with_backoff_then_delivered(
    api_a, endpoint, receiver, enqueued, django_capture_on_commit_callbacks
):
    place_with_callbacks(api_a, django_capture_on_commit_callbacks)
    receiver.statuses = [503, 500]
    delivery_id = enqueued[0]
    first = webhooks.attempt_delivery(delivery_id=delivery_id)
    assert (first.state, first.retry_in) == ("pending", 2)
    # Not due yet: a duplicate task (redelivery, sweep) does nothing.
    assert webhooks.attempt_delivery(delivery_id=delivery_id) is None
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    second = webhooks.attempt_delivery(delivery_id=delivery_id)
    assert (second.state, second.retry_in) == ("pending", 4)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhooks.attempt_delivery(delivery_id=delivery_id).state == "delivered"
    delivery = WebhookDelivery.objects.get()
    assert [a.status_code for a in delivery.attempt_log.order_by("pk")] == [503, 500, 200]
    assert all(r["valid"] for r in receiver.received)


def test_client_errors_fail_the_delivery_without_retry(
    api_a, endpoint, receiver, enqueued, django_capture_on_commit_callbacks
):
    place_with_callbacks(api_a, django_capture_on_commit_callbacks)
    receiver.statuses = [410]
    result = webhooks.attempt_delivery(delivery_id=enqueued[0])
    assert (result.state, result.retry_in) == ("failed", None)


def test_unreachable_endpoint_is_retried_and_gives_up_after_max_attempts(
    api_a, partner_a, enqueued, django_capture_on_commit_callbacks
):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: connection refused
    WebhookEndpoint.objects.create(partner=partner_a, url=f"http://127.0.0.1:{port}/")
    place_with_callbacks(api_a, django_capture_on_commit_callbacks)
    delivery_id = enqueued[0]
    waits = []
    for _ in range(webhooks.MAX_ATTEMPTS):
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        result = webhooks.attempt_delivery(delivery_id=delivery_id)
        waits.append(result.retry_in)
    assert waits == [2, 4, 8, 16, 32, 64, 128, None]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    assert "Connection refused" in delivery.attempt_log.first().error


def test_a_failed_attempt_is_kept_in_the_database_and_the_sweep_sends_it_when_due(
    api_a, endpoint, receiver, enqueued, django_capture_on_commit_callbacks
):
    place_with_callbacks(api_a, django_capture_on_commit_callbacks)
    receiver.statuses = [502]
    delivery_id = enqueued.pop()
    before = timezone.now()
    # The task tries once and ends: no retry message with a countdown is sent.
    assert tasks.deliver_webhook.run(delivery_id) == "pending"
    assert enqueued == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_error) == (1, "HTTP 502")
    assert delivery.next_attempt_at >= before + timedelta(seconds=2)
    assert tasks.sweep_webhook_deliveries() == 0  # not due yet
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert tasks.sweep_webhook_deliveries() == 1
    assert tasks.deliver_webhook.run(enqueued.pop()) == "delivered"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("delivered", 2, None)
    assert [r["valid"] for r in receiver.received] == [True, True]


def test_sweep_reenqueues_due_pending_deliveries(
    api_a, endpoint, enqueued, django_capture_on_commit_callbacks
):
    place_with_callbacks(api_a, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    enqueued.clear()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert tasks.sweep_webhook_deliveries() == 0
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert tasks.sweep_webhook_deliveries() == 1
    assert enqueued == [delivery.pk]


def test_notify_of_a_missing_event_is_harmless():
    notify_status_change(event_id=10**9)
    assert not OrderEvent.objects.exists()
