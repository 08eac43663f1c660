"""Publish-time checks on a product: no valid configuration at all, options that can
never be chosen, groups whose pick is forced."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from configurator.engine.compile import compile_product
from configurator.engine.compiled import CompiledProduct
from configurator.engine.constraints import Literal
from configurator.engine.explain import item_message, rule_core
from configurator.engine.model import Product
from configurator.engine.results import LintReport


def _because(compiled: CompiledProduct, lits: Sequence[Literal]) -> str:
    messages = [
        item_message(compiled.product, compiled.index, it) for it in rule_core(compiled, lits)
    ]
    return (
        "; ".join(dict.fromkeys(m for m in messages if m))
        or "the rules leave no valid configuration"
    )


def lint(product: Product | CompiledProduct) -> LintReport:
    """Find an empty product (publishing must be refused), dead options and forced groups."""
    compiled = product if isinstance(product, CompiledProduct) else compile_product(product)
    index, diagram = compiled.index, compiled.diagram
    if diagram.empty:
        return LintReport(
            dead_options=(),
            forced_groups=(),
            empty=True,
            messages=(f"No configuration is possible: {_because(compiled, [])}",),
        )
    dead, forced, messages = [], [], []
    dead_row = compiled.pair_excluded[-1]
    for g, codes in enumerate(index.option_codes):
        for o in range(len(codes)):
            if dead_row[index.offsets[g] + o]:
                text = index.literal_text((g, o))
                dead.append(text)
                messages.append(
                    f"Option {text} can never be chosen: {_because(compiled, [(g, o)])}"
                )
    for layer in diagram.layers:
        labels = np.unique(layer.label)
        if len(labels) == 1:
            g = layer.group
            pick = index.picks[g][int(labels[0])]
            names = [index.option_codes[g][o] for o in range(pick.bit_length()) if pick >> o & 1]
            forced.append(index.group_codes[g])
            messages.append(
                f"Group {index.group_codes[g]} always takes "
                f"{', '.join(names) if names else 'no option'}"
            )
    forced.sort(key=index.group_codes.index)
    return LintReport(
        dead_options=tuple(dead), forced_groups=tuple(forced), empty=False, messages=tuple(messages)
    )
