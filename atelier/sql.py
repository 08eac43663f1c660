"""Names for the few raw SQL statements kept where they are measured to matter (a batch's
status changes, the plan's counters): taken from a model's `_meta`, so a renamed or
dropped field fails loudly (FieldDoesNotExist), and quoted by the connection."""

from __future__ import annotations

from django.db import connection, models


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    """The quoted column of concrete field `name` of `model` ("pk" for the primary key)."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} has no column of its own")
    return connection.ops.quote_name(field.column)
