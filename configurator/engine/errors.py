"""Errors the engine raises. Users can cause `UnknownCode` and `InvalidSelection` (the API
maps both to HTTP 422); `CatalogueError` means a product the engine cannot compile."""

from __future__ import annotations


class EngineError(Exception):
    """Base of every error the engine raises on purpose.

    `field` points at the offending input like a JSON path (``selections.cpu[0]``);
    `message` is a sentence a person can read.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownCode(EngineError):
    """A group or option code the product does not have."""


class InvalidSelection(EngineError):
    """Selections of the wrong shape, or more picks than a group allows."""


class CatalogueError(EngineError):
    """A product document the engine cannot compile (dangling reference, oversized group)."""


class DiagramTooLarge(CatalogueError):
    """Compiling the product would exceed the compile budget (nodes, memory or seconds).
    `groups` names the groups whose rules were open where the diagram grew too wide."""

    def __init__(self, message: str, groups: tuple[str, ...]) -> None:
        super().__init__("rules", message)
        self.groups = groups
