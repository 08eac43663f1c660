"""Junker's QuickXplain: the smallest part of a set of items that still cannot stand.

Used for the picks and rules behind an excluded option or a conflict (`explain`) and for
the rules a propagation needed (`arc_reasons`): about k log(n/k) tests for k items kept
out of n, each test answered by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def quickxplain(items: Sequence[T], infeasible: Callable[[list[T]], bool]) -> list[T]:
    """A subset of `items` (which are infeasible together) from which no item can be
    dropped; items early in `items` are the likeliest to be kept."""
    if not items or infeasible([]):
        return []
    return _quick(infeasible, [], False, list(items))


def _quick(
    infeasible: Callable[[list[T]], bool], background: list[T], added: bool, candidates: list[T]
) -> list[T]:
    # A module-level function, not a closure calling itself: such a closure is a
    # reference cycle, which would keep `infeasible` (and all it holds) alive until the
    # garbage collector's next pass instead of freeing it on return.
    if added and infeasible(background):
        return []
    if len(candidates) == 1:
        return list(candidates)
    half = len(candidates) // 2
    first, second = candidates[:half], candidates[half:]
    core2 = _quick(infeasible, background + first, bool(first), second)
    core1 = _quick(infeasible, background + core2, bool(core2), first)
    return core1 + core2
