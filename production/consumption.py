"""Parts leaving the build-to-order plan: consumed as work starts with them (an order
going into production, a standard product's batch run finishing), or a finished component
run's supply batch turned into on-hand stock. Callers hold the plan-shard lock; every
counter changes by a conditional update (production.plan_store.bump)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import F, QuerySet, Sum

from production.models import Component, Reservation, SupplyBatch
from production.plan_store import PlanCorrupted, bump


def use_up(
    reservations: QuerySet[Reservation], *, today: date, holder: str, error: type[Exception]
) -> None:
    """Consume the parts `reservations` hold for `holder` ("order 5", "run 3") once they are
    all there; otherwise raise `error` (the caller's own, which rolls its transaction back)
    saying what it waits for, or which component's stock no longer covers it."""
    held = list(
        reservations.select_related("component", "supply_batch").order_by("component__sku", "id")
    )
    waiting = awaited(held, today=today)
    if waiting:
        raise error(f"{holder[:1].upper()}{holder[1:]} waits for {waiting}.")
    try:
        consume(held)
    except NotCovered as exc:
        raise error(
            f"The stock of {exc.reservation.component.sku} no longer covers {holder}."
        ) from exc


class NotCovered(Exception):
    """A reservation's stock or batch no longer holds its parts (a hand edit of the
    counters); the caller turns it into its own error and rolls back."""

    def __init__(self, reservation: Reservation) -> None:
        super().__init__(f"{reservation} is no longer covered")
        self.reservation = reservation


def awaited(reservations: Iterable[Reservation], *, today: date) -> str:
    """What `reservations` (loaded with their supply batch) still wait for before their
    parts are there: "" for nothing. A batch run's supply batch counts as not there until
    the run is finished (finishing turns it into stock), however late the run is."""
    due = [r.supply_batch for r in reservations if r.supply_batch is not None]
    future = [b.available_on for b in due if b.available_on > today]
    if future:
        return f"components arriving on {min(future).isoformat()}"
    runs = sorted(b.batch_run_id for b in due if b.batch_run_id)
    return f"batch run {runs[0]} to finish" if runs else ""


def consume(reservations: list[Reservation]) -> None:
    """Take the parts of `reservations` out of the plan as work starts with them: one on
    stock out of `stock` and `reserved` together, one on a supply batch out of that batch
    (deleted with its last units), each by a conditional update; their rows are deleted.
    Raises `NotCovered` for the first one a counter no longer covers."""
    # The rows go first: a batch whose last units are taken cannot be deleted while a
    # reservation still points at it (PROTECT).
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).delete()
    for r in reservations:
        if r.supply_batch_id:
            taken = SupplyBatch.objects.filter(
                pk=r.supply_batch_id, reserved__gte=r.quantity, quantity__gt=r.quantity
            ).update(quantity=F("quantity") - r.quantity, reserved=F("reserved") - r.quantity)
            if not taken:  # the batch's last units: the batch is used up
                taken = SupplyBatch.objects.filter(
                    pk=r.supply_batch_id, reserved=r.quantity, quantity=r.quantity
                ).delete()[0]
        else:
            taken = Component.objects.filter(
                pk=r.component_id, reserved__gte=r.quantity, stock__gte=r.quantity
            ).update(stock=F("stock") - r.quantity, reserved=F("reserved") - r.quantity)
        if not taken:
            raise NotCovered(r)


def batch_to_stock(*, run_id: int) -> int | None:
    """The supply batch of a finished component run becomes on-hand stock: the component's
    stock gains the batch's quantity and its reserved count what the batch held, the
    batch's reservations now hold stock, and the batch is deleted. Returns the quantity
    moved, or None when the run has no batch (planned before runs made one)."""
    batch = SupplyBatch.objects.select_for_update().filter(batch_run_id=run_id).first()
    if batch is None:
        return None
    held = Reservation.objects.filter(supply_batch=batch)
    if (held.aggregate(n=Sum("quantity"))["n"] or 0) != batch.reserved:
        raise PlanCorrupted(f"batch {batch.pk} reserved {batch.reserved}, its reservations differ")
    held.update(supply_batch=None)
    SupplyBatch.objects.filter(pk=batch.pk).delete()
    # Stock first, then reserved guarded by the new stock (reserved <= quantity held in the
    # batch, so it always fits unless the counters were edited by hand).
    Component.objects.filter(pk=batch.component_id).update(stock=F("stock") + batch.quantity)
    bump(
        model=Component,
        field="reserved",
        amounts={batch.component_id: batch.reserved},
        sign=+1,
        limit="stock",
        race=PlanCorrupted,
    )
    return batch.quantity
