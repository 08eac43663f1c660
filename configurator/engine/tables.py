"""A table rule as a minimised layered diagram over its columns (in layer order).

The state of a table between two of its groups is the set of row suffixes still
possible; equal sets are one node here, so a state is one small integer and a pick one
array lookup, whatever the number of rows (the Renault model has tables of ~49,000).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from configurator.engine.constraints import Constraint


@dataclass
class TableDiagram:
    """One table rule as a minimised layered diagram over its columns in layer order:
    `child[j][node, value + 1]` is the node after column j takes `value` (-1 = no pick),
    or -1 when no row continues that way. Node 0 of the last level accepts."""

    child: list[np.ndarray]
    column_of: dict[int, int]  # group -> column position (layer order)


def compile_table(item: Constraint, position: dict[int, int], n_values: list[int]) -> TableDiagram:
    """`item`'s diagram with its columns in the order of `position` (group -> layer);
    `n_values[g]` is the number of options of group g."""
    rows = np.asarray(item.rows, dtype=np.int64).reshape(len(item.rows), -1)
    return table_diagram(rows, item.table_groups, position, n_values)


def table_diagram(
    rows: np.ndarray, table_groups: tuple[int, ...], position: dict[int, int], n_values: list[int]
) -> TableDiagram:
    """The diagram of a table given as an array (a row per row, option index per column
    of `table_groups`, -1 = no pick); see `compile_table`."""
    cols = sorted(range(len(table_groups)), key=lambda j: position[table_groups[j]])
    groups = [table_groups[j] for j in cols]
    rows = rows.astype(np.int64, copy=False)[:, cols] + 1
    m = len(groups)
    # prefix[j][r]: id of row r's first j values (ids by level).
    prefix = [np.zeros(len(rows), dtype=np.int64)]
    for j in range(m):
        key = prefix[j] * (n_values[groups[j]] + 2) + rows[:, j]
        _, inv = np.unique(key, return_inverse=True)
        prefix.append(inv.reshape(-1).astype(np.int64))
    # Bottom-up: a prefix's node is its set of (value, next node); equal sets share an id.
    node = np.zeros(len(rows), dtype=np.int64)  # node after all m values: accept
    child = [np.full((1, n_values[g] + 1), -1, dtype=np.int64) for g in groups]
    if not len(rows):
        return TableDiagram(child=child, column_of={g: j for j, g in enumerate(groups)})
    for j in range(m - 1, -1, -1):
        width = n_values[groups[j]] + 1
        n_node = int(node.max()) + 1
        key = np.unique((prefix[j] * width + rows[:, j]) * n_node + node)
        triples = np.stack([key // n_node // width, key // n_node % width, key % n_node], axis=1)
        pids, starts = np.unique(triples[:, 0], return_index=True)
        ends = np.append(starts[1:], len(triples))
        ids: dict[bytes, int] = {}
        canon = np.empty(len(pids), dtype=np.int64)
        pairs = triples[:, 1:]
        for p in range(len(pids)):
            canon[p] = ids.setdefault(pairs[starts[p] : ends[p]].tobytes(), len(ids))
        table = np.full((len(ids), width), -1, dtype=np.int64)
        owner = canon[np.searchsorted(pids, triples[:, 0])]
        table[owner, triples[:, 1]] = triples[:, 2]
        child[j] = table
        node = canon[np.searchsorted(pids, prefix[j])]
    return TableDiagram(child=child, column_of={g: j for j, g in enumerate(groups)})
