"""Which minimal set of picks an excluded option's reason names, by definition and brute
force: the search may test sets in any order (and skip tests it can infer), but the
answer must stay the one the reasons have always named.

The definition (`explain.minimal_support`): the candidates are the current picks (not a
single-choice group's own), ordered for the option's group (nearest in rule hops, then
the most recent first). A dead option has no picks to blame. Else the first candidate
that excludes the option alone. Else, for an option one dropped pick would free, the
picks each of which, dropped alone, frees it ("forced", oldest first): when they exclude
it they are the answer. Else the forced picks, then the preferred conflict of the other
candidates with the forced ones as background: the first candidate whose prefix (with
what was kept) excludes the option is kept, again and again until what was kept does
(QuickXplain's answer), kept in their order."""

from __future__ import annotations

import importlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import compile_product, configure, product_from_document
from configurator.engine.resolutions import Passes
from configurator.engine.selections import ordered_literals, parse_selections
from tests.unit.engine.oracle import Oracle
from tests.unit.engine.strategies import product_docs, selections_for

# The module, not the function `configurator.engine.configure` the package exports.
configure_module = importlib.import_module("configurator.engine.configure")
PASSES_EDGES = configure_module.PASSES_EDGES


def _expected_support(oracle, compiled, recency, changes, target) -> list:
    index = compiled.index
    g, o = target
    group, option = index.group_codes[g], index.option_codes[g][o]

    def text(lit) -> str:
        return index.literal_text(lit)

    def excluded(lits) -> bool:
        selections: dict[str, list[str]] = {}
        for h, q in lits:
            selections.setdefault(index.group_codes[h], []).append(index.option_codes[h][q])
        return not oracle.available(selections, group, option)

    if not any(option in c[group] for c in oracle.configs):
        return []
    single = index.maxs[g] == 1
    candidates = [lit for lit in recency if not (single and lit[0] == g)]
    place = {lit: k for k, lit in enumerate(recency)}
    ordered = sorted(candidates, key=lambda lit: (compiled.group_distance[g][lit[0]], -place[lit]))
    if not ordered:
        return []
    for lit in ordered:
        if excluded([lit]):
            return [text(lit)]
    forced = []
    if changes == 1:
        forced = [
            lit
            for lit in recency
            if lit in candidates and not excluded([s for s in recency if s != lit])
        ]
        if forced and excluded(forced):
            return [text(lit) for lit in forced]
    rest = [lit for lit in ordered if lit not in forced]
    kept: list = []
    while not excluded([*forced, *kept]):
        k = next(k for k in range(1, len(rest) + 1) if excluded([*forced, *kept, *rest[:k]]))
        kept.append(rest[k - 1])
    kept.sort(key=rest.index)
    return [text(lit) for lit in [*forced, *kept]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_excluded_options_name_the_preferred_minimal_picks(data):
    doc = data.draw(product_docs())
    oracle = Oracle(doc)
    compiled = compile_product(product_from_document(doc, "EUR"))
    selections = data.draw(selections_for(doc))
    order = data.draw(st.permutations([f"{g}.{o}" for g, os in selections.items() for o in os]))
    _check_click(oracle, compiled, selections, order)


@st.composite
def _crowded_docs(draw) -> dict:
    """Products where an option is excluded by several picks together, in several
    overlapping ways (a budget of weights, exclusions of three literals): the picks the
    reason names are then one choice among many minimal sets."""
    n_groups = draw(st.integers(4, 6))
    groups = []
    for gi in range(n_groups):
        n_opts = draw(st.integers(2, 3))
        high = 2 if gi == n_groups - 1 else 1
        groups.append(
            {
                "code": f"g{gi}",
                "name": f"Group {gi}",
                "min": 0,
                "max": high,
                "options": [
                    {
                        "code": f"o{oi}",
                        "name": f"Option {gi}.{oi}",
                        "price": "1.00",
                        "attributes": {"w": draw(st.sampled_from([0, 1, 2, 3]))},
                    }
                    for oi in range(n_opts)
                ],
            }
        )
    literals = [f"{g['code']}.{o['code']}" for g in groups for o in g["options"]]
    lit = st.sampled_from(literals)
    rules: list[dict] = [
        {
            "id": "budget",
            "type": "sum",
            "message": "too heavy",
            "attribute": "w",
            "op": "<=",
            "limit": draw(st.sampled_from([3, 4, 5, 6])),
        }
    ]
    for ri in range(draw(st.integers(0, 3))):
        rules.append(
            {
                "id": f"x{ri}",
                "type": "excludes",
                "message": "not together",
                "all": draw(st.lists(lit, min_size=2, max_size=3, unique=True)),
            }
        )
    return {
        "code": "p",
        "name": "Crowded product",
        "base_price": "10.00",
        "route": [{"work_centre": "ASSY", "minutes": 10}],
        "groups": groups,
        "rules": rules,
        "price_rules": [],
    }


def _check_click(oracle, compiled, selections, order) -> None:
    index = compiled.index
    picked = parse_selections(index, compiled.product, selections)
    recency = ordered_literals(index, picked, order)
    passes = Passes(compiled, picked, recency)
    result = configure(compiled, selections, order=order)
    for g, group in enumerate(result.groups):
        for o, option in enumerate(group.options):
            if option.state != "excluded":
                continue
            expected = _expected_support(oracle, compiled, recency, passes.changes[g][o], (g, o))
            assert option.reasons and option.reasons[0].selections == tuple(expected), (
                group.code,
                option.code,
            )


@pytest.mark.parametrize("edges", [0, PASSES_EDGES])
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_reasons_of_several_picks_name_the_preferred_minimal_set(data, edges, monkeypatch):
    """Several clicks on one product, each changing a pick of the one before: the
    searches' answers kept across clicks (`explain.SupportMemo`) are read again only
    where they are the answer, and so are the facts they hold (known excluding sets,
    the click's resolutions: read on every product when `PASSES_EDGES` is 0)."""
    monkeypatch.setattr(configure_module, "PASSES_EDGES", edges)
    doc = data.draw(_crowded_docs())
    oracle = Oracle(doc)
    if not oracle.configs:
        return
    compiled = compile_product(product_from_document(doc, "EUR"))
    # Most groups picked, so most excluded options have several candidate picks.
    codes = {g["code"]: [o["code"] for o in g["options"]] for g in doc["groups"]}
    selections = {
        g: [data.draw(st.sampled_from(options))]
        for g, options in codes.items()
        if data.draw(st.integers(0, 4))
    }
    order = data.draw(st.permutations([f"{g}.{o}" for g, os in selections.items() for o in os]))
    for _ in range(4):
        _check_click(oracle, compiled, selections, order)
        g = data.draw(st.sampled_from(sorted(codes)))
        option = data.draw(st.sampled_from(codes[g]))
        order = [lit for lit in order if not lit.startswith(g + ".")]
        if data.draw(st.integers(0, 3)):
            selections = {**selections, g: [option]}
            order.append(f"{g}.{option}")
        else:
            selections = {h: os for h, os in selections.items() if h != g}
