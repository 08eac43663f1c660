"""The words for an order's ship dates, one place for the status page and the e-mails:
the estimate it was placed with, the promise it got, and why they differ when they do."""

from __future__ import annotations

from datetime import date


def day(value: date) -> str:
    """'Tue 1 Dec 2026', as the configure page and the cart write a ship date."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def promise_note(*, estimated: date | None, promised: date | None) -> str:
    """Why the promise is not the date the customer was shown when ordering ('' when it
    is, or either is unknown). On a quiet system they are equal: the estimate and the
    promise are the same capable-to-promise placement (production.promise); they part only
    when the plan changed in between."""
    if estimated is None or promised is None or estimated == promised:
        return ""
    if promised > estimated:
        return (
            f"Estimated {day(estimated)} when you ordered; promised {day(promised)} "
            "because other orders were placed first."
        )
    return (
        f"Estimated {day(estimated)} when you ordered; promised {day(promised)}, earlier, "
        "because capacity or parts came free in the meantime."
    )
