"""No import cycle between any two files of the project (tests and migrations aside).

import-linter (`make lint`) checks the floors; this finds what a layers contract cannot:
a cycle inside one floor. grimp's graph counts every import, at module level or inside a
function, so an import deferred into a function to dodge a cycle is still a cycle here.
"""

from __future__ import annotations

import grimp

PACKAGES = ("atelier", "accounts", "configurator", "orders", "production")


def _project_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph(*PACKAGES)
    modules = {m for m in graph.modules if ".migrations" not in m}
    return {
        m: {i for i in graph.find_modules_directly_imported_by(m) if i in modules} for m in modules
    }


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert strongly_connected(graph) == [["a", "b", "c"]]


def test_no_import_cycle_between_project_files():
    cycles = strongly_connected(_project_graph())
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)
