"""Accepting one quote from many threads at once on real PostgreSQL: exactly one order,
whatever the keys. Different keys: one 201, the others wait on the quote's row lock and
answer 409 naming the order. One key: the others replay the first answer."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from orders.models import Order, Partner, Quote
from production import tasks as production_tasks
from tests.api.conftest import client_for
from tests.demo import NB14
from tests.plugin_services import skip_unless_servers

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


@pytest.fixture
def quote_and_clients(published_demo, monkeypatch):
    if connection.vendor != "postgresql":
        skip_unless_servers("needs PostgreSQL's row locks between connections")
    monkeypatch.setattr(production_tasks.schedule_order, "delay", lambda order_id: None)
    partner = Partner.objects.create(name="Racer")
    clients = [client_for(partner) for _ in range(THREADS)]
    body = {"lines": [{"product": "nb14", "selections": NB14, "quantity": 1}]}
    quote = clients[0].post("/api/v1/quotes/", body, format="json").json()
    return quote, clients


def _race(clients, quote_id: str, keys: list[str]):
    barrier = threading.Barrier(len(clients))
    answers: list = [None] * len(clients)

    def run(i):
        try:
            barrier.wait(timeout=10)
            response = clients[i].post(
                f"/api/v1/quotes/{quote_id}/accept",
                {},
                format="json",
                HTTP_IDEMPOTENCY_KEY=keys[i],
            )
            answers[i] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_concurrent_accepts_with_different_keys_make_exactly_one_order(quote_and_clients):
    quote, clients = quote_and_clients
    answers = _race(clients, quote["id"], [f"key-{i}" for i in range(THREADS)])
    assert Order.objects.count() == 1
    order_id = str(Order.objects.get().public_id)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (THREADS - 1), answers
    for status, body in answers:
        if status == 201:
            assert body["id"] == order_id
        else:
            assert body["type"].endswith("/quote-already-accepted")
            assert body["order"] == order_id
    stored = Quote.objects.get(public_id=quote["id"])
    assert stored.status == "accepted" and str(stored.order.public_id) == order_id


def test_concurrent_accepts_with_one_key_make_one_order_and_replay_it(quote_and_clients):
    quote, clients = quote_and_clients
    answers = _race(clients, quote["id"], ["same"] * THREADS)
    assert Order.objects.count() == 1
    order_id = str(Order.objects.get().public_id)
    # Each waited on the first one's key row and replays it (or, after a long wait, 409).
    assert all(status in (201, 409) for status, _ in answers), answers
    assert all(body["id"] == order_id for status, body in answers if status == 201)
    assert sum(status == 201 for status, _ in answers) >= 1


def test_concurrent_quotes_get_distinct_consecutive_numbers(published_demo):
    if connection.vendor != "postgresql":
        skip_unless_servers("needs PostgreSQL's row locks between connections")
    partner = Partner.objects.create(name="Many")
    clients = [client_for(partner) for _ in range(THREADS)]
    body = {"lines": [{"product": "nb14", "selections": NB14, "quantity": 1}]}
    barrier = threading.Barrier(THREADS)
    numbers: list = [None] * THREADS

    def run(i):
        try:
            barrier.wait(timeout=10)
            numbers[i] = clients[i].post("/api/v1/quotes/", body, format="json").json()["number"]
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    counters = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert counters == list(range(counters[0], counters[0] + THREADS))
    assert Quote.objects.count() == THREADS
