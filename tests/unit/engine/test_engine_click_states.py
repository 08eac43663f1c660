"""A click's option states made from arrays and memos: the same answers as by definition.

- `deltas.ClickDeltas` sums every option's change at once (a price rule moves a whole
  group, one option of it or none): each option's delta equals the brute-force price
  difference, on products crowded with price rules over several options of one group;
- `configure` answers a group with no excluded option from a memo keyed by its picks and
  its deltas, and excluded options' reasons from a memo keyed by option and picks: a click
  answers the same whatever clicks came before, with memos as small as one entry;
- `explain.CandidatePool` orders one click's picks for every group as `candidates_for`
  is defined to (nearest in rule hops, then most recent; a single-choice group's own
  picks left out).
"""

from __future__ import annotations

import importlib
import pickle
from decimal import Decimal
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import compile_product, configure, deltas, product_from_document
from configurator.engine.explain import CandidatePool
from configurator.engine.resolutions import Passes
from configurator.engine.selections import ordered_literals, parse_selections
from tests.unit.engine.oracle import Oracle
from tests.unit.engine.strategies import product_docs, selections_for

# The module (the package exports its `configure` function under the same name).
CONFIGURE = importlib.import_module("configurator.engine.configure")


@st.composite
def priced_docs(draw) -> dict:
    """`product_docs` with up to five more price rules, most of them over several options
    of the multi-choice group (the cases where a rule holds for one option or none)."""
    doc = draw(product_docs())
    multi = max(doc["groups"], key=lambda g: g["max"])
    own = [f"{multi['code']}.{o['code']}" for o in multi["options"]]
    every = [f"{g['code']}.{o['code']}" for g in doc["groups"] for o in g["options"]]
    for n in range(draw(st.integers(1, 5))):
        when = draw(st.lists(st.sampled_from(own), min_size=1, max_size=3, unique=True))
        when += draw(st.lists(st.sampled_from(every), max_size=1))
        doc["price_rules"].append(
            {
                "id": f"q{n}",
                "when": list(dict.fromkeys(when)),
                "amount": draw(st.sampled_from(["-7.50", "3.25", "40.00"])),
                "label": f"Rule {n}",
            }
        )
    return doc


def _config(doc: dict, selections: dict[str, list[str]]) -> dict[str, list[str]]:
    return {g["code"]: list(selections.get(g["code"], [])) for g in doc["groups"]}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_click_deltas_equal_price_differences(data):
    doc = data.draw(priced_docs())
    oracle = Oracle(doc)
    compiled = compile_product(product_from_document(doc, "EUR"))
    selections = data.draw(selections_for(doc))
    index = compiled.index
    picked = parse_selections(index, compiled.product, selections)
    passes = Passes(compiled, picked, ordered_literals(index, picked, ()))
    found = deltas.ClickDeltas(passes)
    now = oracle.price(_config(doc, selections))
    for g, group in enumerate(doc["groups"]):
        picks = selections.get(group["code"], [])
        for o, option in enumerate(group["options"]):
            gid = index.offsets[g] + o
            label = found.label(gid)
            assert isinstance(label, Decimal)
            change = int(passes.changes[g][o])
            if option["code"] in picks or change < 0:  # selected, or on no configuration
                assert label == 0 and found.of(g, o) is deltas.UNCHANGED
            elif change == 0:  # picked as it is
                after = [option["code"]] if group["max"] == 1 else [*picks, option["code"]]
                expected = oracle.price(_config(doc, {**selections, group["code"]: after}))
                assert label == expected - now, (group["code"], option["code"])
                assert found.of(g, o).delta == label
            else:  # excluded: its resolution's price
                resolution = found.selections[(g, o)]
                assert label == oracle.price(resolution) - now
                assert found.of(g, o).selections == resolution


def _answers(result) -> list[object]:
    """Everything a click answers, Decimals by their text (1.0 and 1.00 are equal)."""
    out: list[object] = [repr(result.price), result.valid, result.complete, result.resolution]
    for group in result.groups:
        out.append((group.code, group.selected))
        for o in group.options:
            out.append(
                (o.code, o.state, str(o.delta), o.reasons, o.resolution, o.resolution_reasons)
            )
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), tiny=st.booleans())
def test_memoised_states_do_not_depend_on_earlier_clicks(data, tiny):
    """Clicks answered one after another on one compiled product (memos warm, or capped
    at one entry so they keep starting again) equal each click answered cold."""
    doc = data.draw(priced_docs())
    stored = pickle.dumps(compile_product(product_from_document(doc, "EUR")))
    clicks = data.draw(st.lists(selections_for(doc), min_size=2, max_size=6))
    clicks += clicks[:2]  # the same clicks again, answered from the memos
    warm = pickle.loads(stored)
    limit = 1 if tiny else CONFIGURE.STATES_LIMIT
    with (
        patch.object(CONFIGURE, "STATES_LIMIT", limit),
        patch.object(CONFIGURE, "GROUPS_LIMIT", limit if tiny else CONFIGURE.GROUPS_LIMIT),
        patch.object(deltas, "LABELS_LIMIT", limit if tiny else deltas.LABELS_LIMIT),
    ):
        for selections in clicks:
            explain = len(selections) % 2 == 0
            answered = configure(warm, selections, explain_resolutions=explain)
            cold = configure(pickle.loads(stored), selections, explain_resolutions=explain)
            assert _answers(answered) == _answers(cold)
            assert answered == cold
        for key in ("group-states", "option-states", "option-reasons", "delta-labels"):
            assert len(warm.cache.get(key, ())) <= max(limit, 1) + (key == "delta-labels")


def test_plain_groups_are_shared_and_excluded_resolutions_are_not(notebook):
    """A group with no excluded option is the same object click after click; an excluded
    option's resolution is a dict of its own in every answer."""
    picks = {"chassis": ["nb14"], "cpu": ["u5"], "memory": ["16gb"]}
    first, second = configure(notebook, picks), configure(notebook, picks)
    plain = [
        k
        for k, group in enumerate(first.groups)
        if all(o.state != "excluded" for o in group.options)
    ]
    assert plain and all(first.groups[k] is second.groups[k] for k in plain)
    excluded = [
        (a, b)
        for ga, gb in zip(first.groups, second.groups, strict=True)
        for a, b in zip(ga.options, gb.options, strict=True)
        if a.resolution is not None
    ]
    assert excluded
    for a, b in excluded:
        assert a.resolution == b.resolution and a.resolution is not b.resolution


def _by_definition(compiled, recency, g: int, drop_own: bool):
    """candidates_for's order written out: nearest in rule hops, then the most recent
    (with `drop_own`, a single-choice group's own picks left out)."""
    single = compiled.index.maxs[g] == 1
    kept = [(k, lit) for k, lit in enumerate(recency) if not (drop_own and single and lit[0] == g)]
    kept.sort(key=lambda item: (int(compiled.group_distance[g][item[1][0]]), -item[0]))
    return tuple(lit for _, lit in kept)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_candidate_pool_orders_as_candidates_for(data):
    doc = data.draw(product_docs())
    compiled = compile_product(product_from_document(doc, "EUR"))
    index = compiled.index
    picked = parse_selections(index, compiled.product, data.draw(selections_for(doc)))
    literals = ordered_literals(index, picked, ())
    recency = data.draw(st.permutations(literals))
    for drop_own in (False, True):
        pool = CandidatePool(compiled, recency, drop_own=drop_own, every_group=drop_own)
        for g in range(len(index.group_codes)):
            found = pool.for_group(g)
            expected = _by_definition(compiled, recency, g, drop_own)
            assert found.ordered == expected
            for o in range(len(index.option_codes[g])):
                alone = [
                    lit
                    for lit in expected
                    if compiled.pair_excluded[index.global_id(lit), index.global_id((g, o))]
                ]
                assert found.alone(compiled, (g, o)) == (alone[0] if alone else None)
