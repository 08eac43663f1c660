"""Errors a shopper or partner can cause when asking about products; each maps to one
problem type (atelier.problems) for the API and to a message on the shop's pages."""

from rest_framework import status

from atelier.problems import DomainError


class ProductNotFound(DomainError):
    problem_type = "not-found"
    status = status.HTTP_404_NOT_FOUND
    title = "No such product"


class InvalidSelection(DomainError):
    problem_type = "invalid-selection"
    status = status.HTTP_422_UNPROCESSABLE_ENTITY
    title = "The selections name unknown groups or options"


class CatalogueUnavailable(DomainError):
    problem_type = "catalogue-unavailable"
    status = status.HTTP_503_SERVICE_UNAVAILABLE
    title = "No catalogue is published"
