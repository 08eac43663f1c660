"""Errors a customer or partner can cause when ordering; each maps to one problem type."""

from rest_framework import status

from atelier.problems import DomainError
from configurator.errors import CatalogueUnavailable, InvalidSelection

__all__ = [
    "CatalogueUnavailable",
    "ConfigurationConflict",
    "IdempotencyInProgress",
    "IdempotencyKeyRequired",
    "IdempotencyMismatch",
    "IncompleteConfiguration",
    "InvalidSelection",
    "InvalidTransition",
    "OutOfStock",
    "UnknownProduct",
]


class UnknownProduct(DomainError):
    problem_type = "unknown-product"
    status = status.HTTP_422_UNPROCESSABLE_ENTITY
    title = "Unknown product"


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


class IdempotencyKeyRequired(DomainError):
    problem_type = "idempotency-key-required"
    status = status.HTTP_400_BAD_REQUEST
    title = "This request needs an Idempotency-Key header"
