"""The one set of domain errors: what a shopper, partner or staff member can cause.

Pure Python (no Django, no DRF), so services raise them without knowing HTTP. Each names
its problem type, title and HTTP status; atelier.problems is the one place that turns
them into problem-details answers, and the shop's and staff pages show their `detail`.
"""

from __future__ import annotations

from http import HTTPStatus


class DomainError(Exception):
    """A user-caused error raised by a service, mapped once to a problem answer."""

    problem_type = "invalid-request"
    status: int = HTTPStatus.UNPROCESSABLE_ENTITY
    title = "The request cannot be processed"

    def __init__(self, detail: str, *, errors: dict | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}
        self.extra = extra or {}


# --- the catalogue -----------------------------------------------------------------------


class ProductNotFound(DomainError):
    problem_type = "not-found"
    status = HTTPStatus.NOT_FOUND
    title = "No such product"


class InvalidSelection(DomainError):
    problem_type = "invalid-selection"
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    title = "The selections name unknown groups or options"


class CatalogueUnavailable(DomainError):
    problem_type = "catalogue-unavailable"
    status = HTTPStatus.SERVICE_UNAVAILABLE
    title = "No catalogue is published"


# --- ordering ------------------------------------------------------------------------------


class UnknownProduct(DomainError):
    problem_type = "unknown-product"
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    title = "Unknown product"


class IncompleteConfiguration(DomainError):
    problem_type = "incomplete-configuration"
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    title = "The configuration is not complete"


class ConfigurationConflict(DomainError):
    problem_type = "configuration-conflict"
    status = HTTPStatus.CONFLICT
    title = "The selections break the product's rules"


class InvalidTransition(DomainError):
    problem_type = "invalid-transition"
    status = HTTPStatus.CONFLICT
    title = "The order cannot change to that status"


class OutOfStock(DomainError):
    problem_type = "out-of-stock"
    status = HTTPStatus.CONFLICT
    title = "Not enough stock"


class IdempotencyMismatch(DomainError):
    problem_type = "idempotency-key-reused"
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    title = "This Idempotency-Key was used with a different request"


class IdempotencyInProgress(DomainError):
    problem_type = "idempotency-key-in-progress"
    status = HTTPStatus.CONFLICT
    title = "A request with this Idempotency-Key is still being processed"


class IdempotencyKeyRequired(DomainError):
    problem_type = "idempotency-key-required"
    status = HTTPStatus.BAD_REQUEST
    title = "This request needs an Idempotency-Key header"


# --- quotes --------------------------------------------------------------------------------


class QuoteExpired(DomainError):
    problem_type = "quote-expired"
    status = HTTPStatus.CONFLICT
    title = "The quote has expired"


class QuoteWithdrawn(DomainError):
    problem_type = "quote-withdrawn"
    status = HTTPStatus.CONFLICT
    title = "The quote has been withdrawn"


class QuoteAlreadyAccepted(DomainError):
    problem_type = "quote-already-accepted"
    status = HTTPStatus.CONFLICT
    title = "The quote has already been accepted"


# --- production ----------------------------------------------------------------------------


class BatchPlanError(DomainError):
    problem_type = "batch-plan"
    title = "The batch run cannot be planned"


class CapacityBelowBooked(DomainError):
    problem_type = "capacity-below-booked"
    title = "A day's capacity cannot go below what is booked"
