"""The compiled form's version (configurator/engine/compiled_format.py) is bumped whenever
its pickled layout changes: a stored form of another layout must be compiled again, never
unpickled into code that reads it differently."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from collections.abc import Mapping

import numpy as np

from configurator.engine.compiled_format import COMPILED_FORMAT

# COMPILED_FORMAT -> fingerprint of the pickled layout it names. When this test fails:
# the layout changed, so bump COMPILED_FORMAT and add the new version's line here (keep
# the old lines: a version number is never reused for another layout).
LAYOUTS = {
    1: "353fa43b1a02dfab",
    2: "eafb497166107b18",  # diagrams built by arrays per layer, CompiledProduct in compiled.py
}


def _structured(value: object) -> bool:
    return isinstance(value, np.ndarray | tuple | list | set | frozenset | Mapping) or (
        dataclasses.is_dataclass(value) or hasattr(value, "__dict__")
    )


def _elements(values, seen: set[str]) -> str:
    # Only elements with a layout of their own (a class or an array) are named, so that a
    # tuple of strings reads "tuple" whether it is empty or not.
    found = {layout(x, seen) for x in values if _structured(x)}
    return " | ".join(sorted(d for d in found if "." in d or "ndarray" in d))


def layout(value: object, seen: set[str]) -> str:
    """What the pickle holds, without the values: classes (by the import path pickle
    records), their fields with annotations, containers' element layouts, arrays' dtypes
    and dimensions. Primitives are described by their field's annotation."""
    if isinstance(value, np.ndarray):
        return f"ndarray[{value.dtype.str}, {value.ndim}d]"
    if isinstance(value, tuple | list | set | frozenset):
        inner = _elements(value, seen)
        return f"{type(value).__name__}[{inner}]" if inner else type(value).__name__
    if isinstance(value, Mapping):
        keys, values = _elements(value, seen), _elements(value.values(), seen)
        inner = f"{keys}: {values}" if keys or values else ""
        return f"{type(value).__name__}[{inner}]" if inner else type(value).__name__
    cls = type(value)
    name = f"{cls.__module__}.{cls.__qualname__}"
    if not _structured(value) or name in seen:
        return name
    seen.add(name)
    if dataclasses.is_dataclass(value):
        fields = [(f.name, str(f.type), getattr(value, f.name)) for f in dataclasses.fields(value)]
    else:
        fields = [(k, "", v) for k, v in sorted(vars(value).items())]
    parts = []
    for field_name, annotation, item in fields:
        inner = f" = {layout(item, seen)}" if _structured(item) else ""
        parts.append(f"{field_name}: {annotation}{inner}")
    return f"{name}({', '.join(parts)})"


def fingerprint(compiled) -> tuple[str, str]:
    stored = pickle.loads(pickle.dumps(compiled, protocol=pickle.HIGHEST_PROTOCOL))
    text = layout(stored, set())
    return hashlib.sha256(text.encode()).hexdigest()[:16], text


def test_the_compiled_format_is_bumped_when_the_pickled_layout_changes(notebook):
    found, text = fingerprint(notebook)
    assert LAYOUTS.get(COMPILED_FORMAT) == found, (
        f"The pickled layout of CompiledProduct is now {found} (below), but "
        f"COMPILED_FORMAT = {COMPILED_FORMAT} was recorded as {LAYOUTS.get(COMPILED_FORMAT)}. "
        "Bump COMPILED_FORMAT in configurator/engine/compiled_format.py and record the new "
        f"version in LAYOUTS here.\n{text}"
    )


def test_the_layout_names_what_a_change_would_break(notebook):
    _, text = fingerprint(notebook)
    # The fingerprint sees the classes pickle imports, array dtypes and nested fields.
    assert "configurator.engine.compiled.CompiledProduct(" in text
    assert "configurator.engine.diagram.Layer(" in text
    assert "ndarray[" in text
    assert "configurator.engine.model.Option(" in text
