"""Staff's side of quotes: list and read them (nothing editable), extend their validity
or withdraw them with admin actions; an accepted quote stays accepted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from orders.models import Quote
from production import tasks as production_tasks
from tests.api.test_quotes_api import accept, ask

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/quote/"


def act(admin_client, action: str, quotes) -> list[str]:
    response = admin_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [q.pk for q in quotes]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def quotes(api_a, monkeypatch):
    monkeypatch.setattr(production_tasks.schedule_order, "delay", lambda order_id: None)
    ids = [ask(api_a).json()["id"] for _ in range(3)]
    accept(api_a, ids[2])
    return [Quote.objects.get(public_id=i) for i in ids]


def test_staff_see_quotes_and_their_lines(admin_client, quotes):
    listing = admin_client.get(CHANGELIST).content.decode()
    assert all(q.number in listing for q in quotes)
    assert "Partner A" in listing and "Accepted" in listing
    page = admin_client.get(f"{CHANGELIST}{quotes[0].pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200 and quotes[0].number in html and "nb14" in html
    # Nothing is editable: every field is shown read-only.
    assert 'name="reference"' not in html and 'name="valid_until' not in html
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403


def test_withdraw_leaves_accepted_quotes_alone(admin_client, quotes):
    said = act(admin_client, "withdraw", quotes)
    assert "2 quote(s) withdrawn." in said
    assert "1 quote(s) left as they were (accepted or already withdrawn)." in said
    statuses = [Quote.objects.get(pk=q.pk).status for q in quotes]
    assert statuses == ["withdrawn", "withdrawn", "accepted"]


def test_extend_reopens_an_expired_quote(admin_client, quotes, settings):
    expired = quotes[0]
    Quote.objects.filter(pk=expired.pk).update(
        issued_at=timezone.now() - timedelta(days=60),
        valid_until=timezone.now() - timedelta(days=1),
    )
    assert Quote.objects.get(pk=expired.pk).effective_status(now=timezone.now()) == "expired"
    said = act(admin_client, "extend_validity", [expired, quotes[2]])
    assert "1 quote(s) extended." in said
    reopened = Quote.objects.get(pk=expired.pk)
    assert reopened.effective_status(now=timezone.now()) == "issued"
    left = reopened.valid_until - timezone.now()
    assert timedelta(days=settings.QUOTE_VALID_DAYS) - timedelta(minutes=1) < left
    assert Quote.objects.get(pk=quotes[2].pk).status == "accepted"
