"""Concurrent duplicates on real PostgreSQL: eight requests with one Idempotency-Key at
the same moment create exactly one order, and every one of them gets its answer."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from orders.models import IdempotencyKey, Order, Partner
from tests.api.conftest import client_for, order_body, place
from tests.plugin_services import skip_unless_servers

THREADS = 8


def _race(clients, bodies, key):
    barrier = threading.Barrier(len(clients))
    answers: list = [None] * len(clients)

    def run(i):
        try:
            barrier.wait(timeout=10)
            response = place(clients[i], bodies[i], key=key)
            answers[i] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_duplicates_create_one_order(published_demo):
    if connection.vendor != "postgresql":
        skip_unless_servers("needs PostgreSQL's concurrent unique-index waits")
    partner = Partner.objects.create(name="Racer")
    clients = [client_for(partner) for _ in range(THREADS)]
    answers = _race(clients, [order_body()] * THREADS, key="race-1")
    assert Order.objects.count() == 1
    order_id = str(Order.objects.get().public_id)
    # Each request either waited and got the stored answer, or (after a long wait) 409.
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
    assert all(body["id"] == order_id for status, body in answers if status == 201)
    assert IdempotencyKey.objects.get().response_status == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_and_different_bodies(published_demo):
    if connection.vendor != "postgresql":
        skip_unless_servers("needs PostgreSQL's concurrent unique-index waits")
    partner = Partner.objects.create(name="Racer")
    clients = [client_for(partner) for _ in range(4)]
    bodies = [order_body(reference=f"R{i}") for i in range(4)]
    answers = _race(clients, bodies, key="race-2")
    assert Order.objects.count() == 1
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201, 422, 422, 422]
