"""Whole-product questions: cheapest and default completions, counting."""

from __future__ import annotations

from configurator.engine.compiled import CompiledProduct
from configurator.engine.completion import cheapest_picks, count_paths, resolution_keeping
from configurator.engine.errors import EngineError
from configurator.engine.selections import Selections, as_dict, parse_selections


def cheapest_completion(
    compiled: CompiledProduct, selections: Selections | None = None
) -> dict[str, list[str]] | None:
    """The complete valid configuration containing `selections` with the lowest total
    price (price rules included), every group listed; None if there is none."""
    picked = parse_selections(compiled.index, compiled.product, selections)
    picks = cheapest_picks(compiled, picked)
    return None if picks is None else as_dict(compiled.index, picks)


def default_completion(compiled: CompiledProduct) -> dict[str, list[str]] | None:
    """The groups' defaults completed at least cost when they fit together, else the
    cheapest configuration; None if the product has no valid configuration."""
    defaults = {g.code: list(g.default) for g in compiled.product.groups if g.default}
    try:
        picked = parse_selections(compiled.index, compiled.product, defaults)
    except EngineError:  # more defaults than the group allows: treat as no defaults
        picked = {}
    picks = cheapest_picks(compiled, picked)
    if picks is None:
        picks = cheapest_picks(compiled, {})
    return None if picks is None else as_dict(compiled.index, picks)


def count(compiled: CompiledProduct, selections: Selections | None = None) -> int:
    """Exact number of complete valid configurations that contain `selections`."""
    picked = parse_selections(compiled.index, compiled.product, selections)
    return count_paths(compiled, picked)


def proposed_resolution(
    compiled: CompiledProduct, *, keep: Selections, wanted: Selections
) -> dict[str, list[str]] | None:
    """The complete valid configuration that keeps every pick of `keep` (what the customer
    just chose), changes the fewest picks of `wanted` (the others) and, among those, has
    the lowest price; None if nothing contains `keep`. An excluded option's `delta` is
    priced on this resolution.

    Raises `UnknownCode` / `InvalidSelection` for bad selections."""
    index, product = compiled.index, compiled.product
    picks = resolution_keeping(
        compiled,
        keep=parse_selections(index, product, keep),
        wanted=parse_selections(index, product, wanted),
    )
    return None if picks is None else as_dict(index, picks)
