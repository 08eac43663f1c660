"""Staff's changes to a day's capacity (overtime, a breakdown)."""

from __future__ import annotations

from atelier.errors import CapacityBelowBooked
from production.models import CapacityDay


def set_day_capacity(*, capacity_day_id: int, minutes: int) -> None:
    """Change one day's capacity (overtime, a breakdown), never below what is booked."""
    changed = CapacityDay.objects.filter(pk=capacity_day_id, booked_minutes__lte=minutes).update(
        capacity_minutes=minutes
    )
    if not changed:
        raise CapacityBelowBooked(f"{minutes} minutes is less than that day already has booked.")
