"""Celery tasks of orders: thin, take ids, idempotent (orders.webhooks claims each
delivery before sending it, so a redelivered or duplicated task sends nothing twice).

No task here retries through the broker: a failed webhook attempt records its next
attempt in PostgreSQL and `sweep_webhook_deliveries` (beat) sends it when it is due."""

from celery import shared_task

from orders import webhooks


@shared_task(acks_late=True)
def deliver_webhook(delivery_id: int) -> str | None:
    result = webhooks.attempt_delivery(delivery_id=delivery_id)
    return None if result is None else result.state


@shared_task(acks_late=True)
def sweep_webhook_deliveries() -> int:
    """Hand the pending deliveries whose next attempt is due to the workers (periodic,
    CELERY_BEAT_SCHEDULE). A delivery still queued from the last sweep may be sent
    again: its task finds it leased or delivered and does nothing."""
    due = webhooks.due_deliveries()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)
