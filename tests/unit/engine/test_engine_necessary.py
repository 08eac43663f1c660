"""The single-drop picks (`necessary.single_drops`) equal their definition: for an option
one dropped pick would free, every current pick whose drop alone makes it available, by
brute force on random small products and by the engine's availability on a product with
more picks than one 64-bit word holds; and the bits kept across clicks change nothing.
Each is checked with every layer step reading all edges, only the edges from nodes
carrying bits, and the default choice between them (`necessary.SPARSE_SHARE`)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import compile_product, configure, necessary, product_from_document
from configurator.engine.necessary import DropStore, single_drops
from configurator.engine.propagation import availability
from configurator.engine.resolutions import Passes
from configurator.engine.selections import ordered_literals, parse_selections
from tests.unit.engine.oracle import Oracle
from tests.unit.engine.strategies import product_docs, selections_for


def _passes(compiled, selections, order=()):
    picked = parse_selections(compiled.index, compiled.product, selections)
    return Passes(compiled, picked, ordered_literals(compiled.index, picked, order))


# Every step dense (no share of nodes is at most 0 while one carries a bit), every step
# sparse, and the default.
STEPS = pytest.mark.parametrize("share", [0.0, 1.0, necessary.SPARSE_SHARE])


def _without(selections: dict, group: str, option: str) -> dict:
    return {g: [o for o in os if (g, o) != (group, option)] for g, os in selections.items()}


@STEPS
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_single_drops_equal_brute_force(data, share, monkeypatch):
    monkeypatch.setattr(necessary, "SPARSE_SHARE", share)
    doc = data.draw(product_docs())
    oracle = Oracle(doc)
    compiled = compile_product(product_from_document(doc, "EUR"))
    selections = data.draw(selections_for(doc))
    order = data.draw(st.permutations([f"{g}.{o}" for g, os in selections.items() for o in os]))
    passes = _passes(compiled, selections, order)
    drops = single_drops(passes)
    index = compiled.index
    for g, group in enumerate(doc["groups"]):
        for o, option in enumerate(group["options"]):
            if passes.changes[g][o] != 1:
                continue
            expected = [
                (h, q)
                for h, q in passes.literals  # oldest first
                if oracle.available(
                    _without(selections, index.group_codes[h], index.option_codes[h][q]),
                    group["code"],
                    option["code"],
                )
            ]
            assert drops.picks((g, o)) == expected, (group["code"], option["code"])


def _chain_document(n_groups: int) -> dict:
    """n_groups small groups, each rule linking a group to the next (and a few further):
    enough picks to need two words of bits, still a small diagram."""
    rng = random.Random(5)
    groups, rules = [], []
    for k in range(n_groups):
        maximum = 2 if k % 7 == 3 else 1
        groups.append(
            {
                "code": f"g{k}",
                "name": f"G{k}",
                "min": 0 if maximum == 2 else 1,
                "max": maximum,
                "options": [{"code": f"o{j}", "name": f"O{j}", "price": str(j)} for j in range(3)],
            }
        )
    for k in range(n_groups - 1):
        far = min(n_groups - 1, k + rng.choice((1, 1, 2, 5)))
        rules.append(
            {
                "id": f"r{k}",
                "type": "excludes",
                "message": "no",
                "all": [f"g{k}.o{rng.randrange(3)}", f"g{far}.o{rng.randrange(3)}"],
            }
        )
        rules.append(
            {
                "id": f"q{k}",
                "type": "requires",
                "message": "needs",
                "if": [f"g{k}.o2"],
                "then": [f"g{k + 1}.o{rng.randrange(2)}", f"g{far}.o2"],
            }
        )
    return {
        "code": "chain",
        "name": "Chain",
        "base_price": "0",
        "groups": groups,
        "rules": rules,
        "price_rules": [],
    }


@STEPS
def test_single_drops_over_two_words_equal_availability_and_ignore_earlier_clicks(
    share, monkeypatch
):
    monkeypatch.setattr(necessary, "SPARSE_SHARE", share)
    doc = _chain_document(110)
    compiled = compile_product(product_from_document(doc, "EUR"))
    fresh = compile_product(product_from_document(doc, "EUR"))
    index = compiled.index
    rng = random.Random(3)
    selections: dict[str, list[str]] = {}
    checked = 0
    for click in range(100):
        passes = _passes(compiled, selections)
        drops = single_drops(passes)  # starts from the clicks before (the store)
        alone = single_drops(_passes(fresh, selections))
        fresh.cache.clear()  # nothing kept: computed from scratch
        required = dict(passes.picked)
        # Every click reads the bits (so the store follows the clicks); some are checked.
        checking = click % 20 == 0 or len(passes.literals) > 64
        for g in range(len(index.group_codes)):
            for o in map(int, (passes.changes[g] == 1).nonzero()[0]):
                assert drops.picks((g, o)) == alone.picks((g, o))
        if checking:
            # Availability with each pick left out, all groups at once.
            freed = {}
            for h, q in passes.literals:
                less = dict(required)
                less[h] &= ~(1 << q)
                freed[(h, q)] = availability(compiled.diagram, less, index.maxs)
            for g in range(len(index.group_codes)):
                for o in map(int, (passes.changes[g] == 1).nonzero()[0]):
                    expected = [lit for lit in passes.literals if freed[lit][g][o]]
                    assert drops.picks((g, o)) == expected
                    checked += 1
        available = [
            (g, o)
            for g in range(len(index.group_codes))
            for o in map(int, (passes.changes[g] == 0).nonzero()[0])
            if not passes.picked.get(g, 0) >> o & 1
        ]
        if not available or len(passes.literals) > 68:
            break
        g, o = rng.choice(available)
        code, option = index.group_codes[g], index.option_codes[g][o]
        if index.maxs[g] == 1:
            selections[code] = [option]
        else:
            selections[code] = [*selections.get(code, []), option]
    assert len(passes.literals) > 64 and checked


def test_the_store_keeps_at_least_one_record_and_stays_bounded():
    store = DropStore(1000, max_bytes=1)
    for k in range(5):
        store.start((k, 0, 0), 1)
    assert len(store._records) == 1
    store = DropStore(1000, max_bytes=3 * 2 * 1000 * 8)
    for k in range(5):
        store.start((k, 0, 0), 1)
    assert len(store._records) == 3


def test_answers_of_a_warm_product_print_as_those_of_a_cold_one():
    """The per-product memos (single-drop bits, option states, reasons) change nothing a
    caller can see, in value or in text, whatever the clicks before."""
    doc = _chain_document(30)
    warm = compile_product(product_from_document(doc, "EUR"))
    cold = compile_product(product_from_document(doc, "EUR"))
    rng = random.Random(9)
    selections: dict[str, list[str]] = {}
    for _ in range(40):
        answer = configure(warm, selections)
        cold.cache.clear()
        assert repr(answer) == repr(configure(cold, selections))
        available = [
            (group, option.code)
            for group in answer.groups
            for option in group.options
            if option.state == "available"
        ]
        if not available:
            selections = {}
            continue
        group, code = rng.choice(available)
        picks = selections.get(group.code, [])
        selections[group.code] = [code] if group.max == 1 else [*picks, code]


@pytest.mark.parametrize("big", [0, 2**70])  # a group with more options than a word holds
def test_a_new_click_starts_from_the_longest_agreeing_prefix_and_suffix(big):
    store = DropStore(10)
    first = store.start((big, 1, 2, 3), 1)
    first.fwd.extend(["f1", "f2", "f3", "f4"])  # boundaries 1-4 as a click would add them
    first.bwd.extend(["b3", "b2", "b1", "b0"])
    other = store.start((big, 9, 9, 9), 1)  # most recent, agrees less
    other.fwd.extend(["x1", "x2", "x3", "x4"])
    other.bwd.extend(["y3", "y2", "y1", "y0"])
    # Layer 2 differs: boundaries 0-2 forward and 4-3 backward are the same.
    record = store.start((big, 1, 7, 3), 1)
    assert record.fwd == [None, "f1", "f2"]
    assert record.bwd == [None, "b3"]
    record.fwd.append("new")  # grows its own list only
    assert first.fwd == [None, "f1", "f2", "f3", "f4"]
    assert store.start((big, 1, 2, 3), 1).fwd == first.fwd  # the same picks: all of it
