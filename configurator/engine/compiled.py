"""The compiled form of a product: what every click is answered from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from configurator.engine.constraints import Index
from configurator.engine.diagram import Diagram
from configurator.engine.model import Product


@dataclass(eq=False)
class CompiledProduct:
    """A product with its decision diagram and static tables. Picklable; the per-process
    explanation cache is left out of the pickle and rebuilt on demand."""

    product: Product
    index: Index
    diagram: Diagram
    # pair_excluded[s, o]: option o (global id) is excluded when s alone is selected;
    # row -1 is "nothing selected" (dead options). Lets most explanations skip a search.
    pair_excluded: np.ndarray
    # group_distance[g, h]: rule hops between groups (n_groups if unrelated); explanations
    # look at the picks nearest to an option first.
    group_distance: np.ndarray
    # Rules by the groups they read (rule positions), and each table's rows as an array
    # (option index per column, -1 = no pick): explanations read rules without a search.
    rules_by_group: dict[int, tuple[int, ...]] = field(default_factory=dict)
    table_rows: dict[int, np.ndarray] = field(default_factory=dict)
    # Rule cores of mutually exclusive option pairs, found at compile time (explain.py):
    # frozenset[Literal] -> tuple[Item, ...]. The annotation's text is part of the compiled
    # format's fingerprint (tests/unit/engine/test_compiled_format.py), so it is refined
    # only with the next COMPILED_FORMAT bump; until then mypy is told it is bare.
    pair_cores: dict[frozenset, tuple] = field(default_factory=dict)  # type: ignore[type-arg]
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["cache"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
