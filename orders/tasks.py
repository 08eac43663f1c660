"""Celery tasks of orders: thin, take ids, idempotent (orders.webhooks claims each
delivery before sending it, so a redelivered or duplicated task sends nothing twice)."""

from celery import shared_task

from orders import webhooks


@shared_task(bind=True, acks_late=True, max_retries=webhooks.MAX_ATTEMPTS)
def deliver_webhook(self, delivery_id: int) -> str | None:
    result = webhooks.attempt_delivery(delivery_id=delivery_id)
    if result is None:
        return None
    if result.retry_in is not None:
        # Short countdowns (2 … 128 s, far below the broker's visibility timeout); the
        # row's next_attempt_at is the record, and the sweep resends if this task is lost.
        raise self.retry(countdown=result.retry_in)
    return result.state


@shared_task(acks_late=True)
def sweep_webhook_deliveries() -> int:
    """Re-enqueue pending deliveries whose next attempt is due (periodic, CELERY_BEAT_SCHEDULE)."""
    due = webhooks.due_deliveries()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)
