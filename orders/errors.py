"""Errors a customer or partner can cause when ordering; each maps to one problem type."""

from rest_framework import status

from atelier.problems import DomainError


class UnknownProduct(DomainError):
    problem_type = "unknown-product"
    status = status.HTTP_422_UNPROCESSABLE_ENTITY
    title = "Unknown product"


class InvalidSelection(DomainError):
    problem_type = "invalid-selection"
    status = status.HTTP_422_UNPROCESSABLE_ENTITY
    title = "The selections name unknown groups or options"


class IncompleteConfiguration(DomainError):
    problem_type = "incomplete-configuration"
    status = status.HTTP_422_UNPROCESSABLE_ENTITY
    title = "The configuration is not complete"


class ConfigurationConflict(DomainError):
    problem_type = "configuration-conflict"
    status = status.HTTP_409_CONFLICT
    title = "The selections break the product's rules"


class InvalidTransition(DomainError):
    problem_type = "invalid-transition"
    status = status.HTTP_409_CONFLICT
    title = "The order cannot change to that status"


class CatalogueUnavailable(DomainError):
    problem_type = "catalogue-unavailable"
    status = status.HTTP_503_SERVICE_UNAVAILABLE
    title = "No catalogue is published"


class OutOfStock(DomainError):
    problem_type = "out-of-stock"
    status = status.HTTP_409_CONFLICT
    title = "Not enough stock"


class IdempotencyMismatch(DomainError):
    problem_type = "idempotency-key-reused"
    status = status.HTTP_422_UNPROCESSABLE_ENTITY
    title = "This Idempotency-Key was used with a different request"


class IdempotencyInProgress(DomainError):
    problem_type = "idempotency-key-in-progress"
    status = status.HTTP_409_CONFLICT
    title = "A request with this Idempotency-Key is still being processed"
