"""Turn a user's selections dict into option bitmasks, or say precisely what is wrong."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from configurator.engine.constraints import Index, Literal
from configurator.engine.errors import InvalidSelection, UnknownCode
from configurator.engine.model import Product

Selections = Mapping[str, Sequence[str]]


def parse_selections(index: Index, product: Product, selections: Any) -> dict[int, int]:
    """{group index: bitmask of picked options}; groups without picks are left out.

    Raises `UnknownCode` for a group or option the product lacks and `InvalidSelection`
    for a malformed value or more picks than a group allows.
    """
    if selections is None:
        return {}
    if not isinstance(selections, Mapping):
        raise InvalidSelection("selections", "selections must map group codes to option lists")
    group_pos = {code: g for g, code in enumerate(index.group_codes)}
    picked: dict[int, int] = {}
    for key, values in selections.items():
        g = group_pos.get(key) if isinstance(key, str) else None
        if g is None:
            raise UnknownCode(f"selections.{key}", f"'{key}' is not a group of '{product.code}'")
        if isinstance(values, str | bytes) or not isinstance(values, Sequence | set | frozenset):
            raise InvalidSelection(
                f"selections.{key}", "a group's picks must be a list of option codes"
            )
        codes = index.option_codes[g]
        mask = 0
        for i, code in enumerate(values):
            if not isinstance(code, str) or code not in codes:
                raise UnknownCode(
                    f"selections.{key}[{i}]",
                    f"'{code}' is not an option of '{product.groups[g].name}'",
                )
            mask |= 1 << codes.index(code)
        if mask.bit_count() > index.maxs[g]:
            group = product.groups[g]
            raise InvalidSelection(
                f"selections.{key}",
                f"at most {group.max} choice{'s' if group.max != 1 else ''} in {group.name}",
            )
        if mask:
            picked[g] = mask
    return picked


def literals_of(picked: Mapping[int, int]) -> list[Literal]:
    return [
        (g, o)
        for g, mask in sorted(picked.items())
        for o in range(mask.bit_length())
        if mask >> o & 1
    ]


def ordered_literals(
    index: Index, picked: Mapping[int, int], order: Sequence[str]
) -> list[Literal]:
    """Picked literals from oldest to most recent: those named in `order` by their last
    mention there, the rest before them in selection order. Unknown entries are ignored."""
    chosen = set(literals_of(picked))
    rank: dict[Literal, int] = {}
    group_pos = {code: g for g, code in enumerate(index.group_codes)}
    for n, text in enumerate(
        order if isinstance(order, Sequence) and not isinstance(order, str) else ()
    ):
        if not isinstance(text, str):
            continue
        group_code, _, option_code = text.partition(".")
        g = group_pos.get(group_code)
        if g is None or option_code not in index.option_codes[g]:
            continue
        lit = (g, index.option_codes[g].index(option_code))
        if lit in chosen:
            rank[lit] = n
    unranked = [lit for lit in _selection_order(picked) if lit not in rank]
    return unranked + sorted(rank, key=rank.__getitem__)


def _selection_order(picked: Mapping[int, int]) -> list[Literal]:
    return [(g, o) for g, mask in picked.items() for o in range(mask.bit_length()) if mask >> o & 1]


def as_dict(index: Index, picked: Mapping[int, int]) -> dict[str, list[str]]:
    """Back to the catalogue's selections form, every group present, in product order."""
    return {
        code: [
            index.option_codes[g][o]
            for o in range(len(index.option_codes[g]))
            if picked.get(g, 0) >> o & 1
        ]
        for g, code in enumerate(index.group_codes)
    }
