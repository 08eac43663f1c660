"""Rule reasons found by propagation (engine/arc_reasons.py) against brute force: every
reason an excluded option carries is sound (its rules, with the cardinality pseudo-rules
it names, leave no assignment holding the option and its picks), and a propagated core
found without case splits has no rule propagation could do without."""

from __future__ import annotations

import gc
import random
import weakref
from itertools import combinations, product

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import (
    arc_reasons,
    compile_product,
    configure,
    product_from_document,
    warm_up,
)
from configurator.engine.arc_reasons import (
    Statics,
    _derivation,
    _empties,
    _Propagation,
    _Tests,
    is_sound,
    propagated_core,
    relaxable_max,
    statics_of,
)
from configurator.engine.compiled import CompiledProduct
from configurator.engine.constraints import Literal, index_product
from configurator.engine.explain import item_id
from configurator.engine.quickxplain import quickxplain
from tests.unit.engine.conftest import small_product
from tests.unit.engine.oracle import Oracle
from tests.unit.engine.strategies import product_docs, selections_for


def _impossible_under(
    doc: dict, compiled: CompiledProduct, reason: set[str], literals: list[str]
) -> bool:
    """No assignment of every group (cardinalities relaxed unless `reason` names them)
    satisfying the rules of `reason` holds all `literals`."""
    oracle = Oracle(doc)
    index = compiled.index
    rules = [r for r in doc["rules"] if r["id"] in reason]
    per_group = []
    for g, group in enumerate(doc["groups"]):
        codes = [o["code"] for o in group["options"]]
        code = group["code"]
        low = group["min"] if f"min:{code}" in reason else 0
        relaxed = relaxable_max(index, g) and f"max:{code}" not in reason
        high = len(codes) if relaxed else group["max"]
        per_group.append(
            [
                frozenset(c)
                for size in range(low, min(high, len(codes)) + 1)
                for c in combinations(codes, size)
            ]
        )
    names = [g["code"] for g in doc["groups"]]
    for combo in product(*per_group):
        config = dict(zip(names, combo, strict=True))
        if all(oracle._holds(config, lit) for lit in literals) and all(
            oracle._rule_ok(rule, config) for rule in rules
        ):
            return False
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_excluded_option_reason_is_sound(data):
    doc = data.draw(product_docs())
    compiled = compile_product(product_from_document(doc, "EUR"))
    selections = data.draw(selections_for(doc))
    result = configure(compiled, selections)
    if not result.valid:
        return
    for group in result.groups:
        for option in group.options:
            if option.state != "excluded":
                continue
            reason = {r.rule for r in option.reasons}
            literals = [*option.reasons[0].selections, f"{group.code}.{option.code}"]
            assert _impossible_under(doc, compiled, reason, literals), (literals, reason)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_propagated_core_is_sound_and_irredundant(data):
    doc = data.draw(product_docs())
    compiled = compile_product(product_from_document(doc, "EUR"))
    index = compiled.index
    every = [(g, o) for g, codes in enumerate(index.option_codes) for o in range(len(codes))]
    chosen: list[Literal] = data.draw(st.lists(st.sampled_from(every), min_size=1, max_size=3))
    required: dict[int, int] = {}
    for g, o in chosen:
        required[g] = required.get(g, 0) | 1 << o
    statics = statics_of({}, index, compiled.table_rows)
    core = propagated_core(statics, required)
    if core is None:
        return
    names = {item_id(compiled.product, index, item) for item in core}
    literals = [index.literal_text(lit) for lit in chosen]
    assert _impossible_under(doc, compiled, names, literals), (literals, names)
    if is_sound(statics, required, core):  # found without case splits: irredundant
        for item in core:
            assert not is_sound(statics, required, [it for it in core if it != item])


def _chain_product(*extra: dict) -> dict:
    """a -(table t)- b -(b.p requires c.k)- c, and any `extra` rules."""
    return small_product(
        [("a", 1, 1, ["x", "y"]), ("b", 1, 1, ["p", "q"]), ("c", 1, 1, ["k", "m"])],
        rules=[
            {
                "id": "t",
                "type": "table",
                "message": "t",
                "groups": ["a", "b"],
                "allowed": [["x", "p"], ["y", "q"]],
            },
            {"id": "r", "type": "requires", "message": "r", "if": ["b.p"], "then": ["c.k"]},
            *extra,
        ],
    )


def test_chain_through_a_sum_and_a_table_is_found_without_search():
    doc = _chain_product({"id": "noise", "type": "excludes", "message": "n", "all": ["b.q", "c.k"]})
    compiled = compile_product(product_from_document(doc, "EUR"))
    statics = statics_of({}, compiled.index, compiled.table_rows)
    core = propagated_core(statics, {0: 1, 2: 2})  # a.x with c.m
    assert core is not None
    assert {item_id(compiled.product, compiled.index, it) for it in core} == {"t", "r"}
    result = configure(compiled, {"a": ["x"]})
    m = next(o for g in result.groups if g.code == "c" for o in g.options if o.code == "m")
    assert m.state == "excluded" and sorted(r.rule for r in m.reasons) == ["r", "t"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=product_docs(), seed=st.integers(0, 2**16))
def test_remembered_table_revisions_change_no_reason(doc, seed):
    """A propagated core is the same whether the product's remembered table revisions
    (Statics.table_keeps) are empty, warm from other queries, or cleared on the way."""
    compiled = compile_product(product_from_document(doc, "EUR"))
    index = compiled.index
    rng = random.Random(seed)
    literals = [(g, o) for g, codes in enumerate(index.option_codes) for o in range(len(codes))]
    queries = []
    for _ in range(12):
        required: dict[int, int] = {}
        for g, o in rng.sample(literals, rng.randint(1, min(3, len(literals)))):
            required[g] = required.get(g, 0) | 1 << o
        queries.append(required)
    cold = [propagated_core(Statics(index, compiled.table_rows), q) for q in queries]
    warm = Statics(index, compiled.table_rows)
    for q in reversed(queries):
        propagated_core(warm, q)
    assert [propagated_core(warm, q) for q in queries] == cold
    limit = arc_reasons.TABLE_KEEPS
    arc_reasons.TABLE_KEEPS = 3  # cleared again and again
    try:
        small = Statics(index, compiled.table_rows)
        assert [propagated_core(small, q) for q in queries] == cold
        assert len(small.table_keeps) <= 3
    finally:
        arc_reasons.TABLE_KEEPS = limit


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_table_revision_on_the_diagram_keeps_what_the_rows_support(data):
    """A table's revision (arc consistency on its minimised diagram) keeps exactly the
    labels some row allows under every domain: brute force over the rows (table groups
    are single-choice: label 0 is no pick, label o + 1 option o)."""
    sizes = data.draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    groups = [(f"g{i}", 0, 1, [f"o{j}" for j in range(n)]) for i, n in enumerate(sizes)]
    width = data.draw(st.integers(1, len(sizes)))
    columns = data.draw(st.permutations(range(len(sizes))))[:width]
    cell = lambda g: st.one_of(st.none(), st.sampled_from(groups[g][3]))  # noqa: E731
    rows = data.draw(st.lists(st.tuples(*[cell(g) for g in columns]), max_size=12))
    doc = small_product(
        groups,
        rules=[
            {
                "id": "t",
                "type": "table",
                "message": "t",
                "groups": [groups[g][0] for g in columns],
                "allowed": [list(r) for r in rows],
            }
        ],
    )
    index = index_product(product_from_document(doc, "EUR"))
    table_rows = {
        0: np.asarray(index.constraints[0].rows, dtype=np.int16).reshape(len(rows), width)
    }
    statics = Statics(index, table_rows)
    rule = statics.rule(0)
    doms = []
    for g in rule.scope:
        n_labels = len(statics.group(g).masks)
        doms.append(data.draw(st.integers(1, (1 << n_labels) - 1)))
    run = _Propagation(statics, {}, None)
    kept = dict(run._table_keeps(rule, doms))
    dom_of = dict(zip(rule.scope, doms, strict=True))

    def code(g: int, label: int) -> int | None:  # option index, -1 no pick, None several
        mask = statics.group(g).masks[label]
        return -1 if mask == 0 else (mask.bit_length() - 1 if mask & (mask - 1) == 0 else None)

    def allowed(g: int) -> set[int | None]:
        return {code(g, lab) for lab in range(len(statics.group(g).masks)) if dom_of[g] >> lab & 1}

    live = [
        row
        for row in index.constraints[0].rows
        if all(v in allowed(g) for g, v in zip(columns, row, strict=True))
    ]
    for g in rule.scope:
        j = columns.index(g)
        expect = sum(
            1 << lab
            for lab in range(len(statics.group(g).masks))
            if code(g, lab) is not None and any(row[j] == code(g, lab) for row in live)
        )
        assert kept.get(g, statics.group(g).full) == expect, (g, rows, doms)


def test_warm_up_reads_every_rule_and_changes_no_answer():
    doc = _chain_product()
    cold = compile_product(product_from_document(doc, "EUR"))
    cold.cache.clear()
    warm = compile_product(product_from_document(doc, "EUR"))
    warm.cache.clear()
    warm_up(warm)
    statics = statics_of(warm.cache, warm.index, warm.table_rows)
    assert set(statics._rules) == {0, 1}
    assert configure(warm, {"a": ["x"]}) == configure(cold, {"a": ["x"]})


def _drawn_literals(data) -> tuple[Statics, dict[int, int]]:
    """A random product's statics and one to three of its options required."""
    doc = data.draw(product_docs())
    compiled = compile_product(product_from_document(doc, "EUR"))
    index = compiled.index
    every = [(g, o) for g, codes in enumerate(index.option_codes) for o in range(len(codes))]
    chosen = data.draw(st.lists(st.sampled_from(every), min_size=1, max_size=3))
    required: dict[int, int] = {}
    for g, o in chosen:
        required[g] = required.get(g, 0) | 1 << o
    return Statics(index, compiled.table_rows), required


def _every_item(statics: Statics) -> list[tuple[str, int]]:
    index = statics.index
    items = [("rule", k) for k in range(len(index.constraints))]
    for g in range(len(index.group_codes)):
        items.extend(statics.group(g).pseudo)
    return items


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), limit=st.sampled_from([None, 0, 2, 5]))
def test_quickxplain_tests_answer_as_a_propagation_from_scratch(data, limit):
    """`_Tests.empties` (remembered answers, propagations continued from a subset's end)
    says what `_empties` (a propagation over the set from scratch) says, for rule sets
    asked in any order; also when MAX_REVISIONS is so low that propagations are cut
    short (then it must propagate from scratch, as before)."""
    statics, required = _drawn_literals(data)
    items = _every_item(statics)
    if not items:
        return
    trials = data.draw(st.lists(st.lists(st.sampled_from(items), unique=True), max_size=12))
    saved = arc_reasons.MAX_REVISIONS
    if limit is not None:
        arc_reasons.MAX_REVISIONS = limit
    try:
        for tests in (_Tests(statics, required), _Tests(statics, required, within=items)):
            for trial in [[], *trials, items]:
                assert tests.empties(trial) == _empties(statics, required, trial), trial
    finally:
        arc_reasons.MAX_REVISIONS = saved


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_propagated_core_is_quickxplain_over_propagations_from_scratch(data):
    """The core is exactly the one QuickXplain finds when every test propagates its rule
    set from scratch (as before `_Tests`): the same items, not just as sound."""
    statics, required = _drawn_literals(data)
    run = _Propagation(statics, required, None).propagate()
    if run.emptied is None:
        return
    items = _derivation(statics, run)
    expect = quickxplain(list(reversed(items)), lambda trial: _empties(statics, required, trial))
    core = propagated_core(statics, required)
    assert core is not None
    assert set(core) == set(expect)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_propagation_continued_ends_as_one_from_scratch(data):
    """`_Propagation.extended`: from the end of a propagation over a subset, the same
    domains (and the same emptied or not) as propagating the superset from scratch."""
    statics, required = _drawn_literals(data)
    items = _every_item(statics)
    if not items:
        return
    small = data.draw(st.lists(st.sampled_from(items), unique=True))
    more = data.draw(st.lists(st.sampled_from(items), unique=True))
    first = _Propagation(statics, required, frozenset(small))
    if first.propagate().emptied is not None:
        return
    whole = frozenset(small) | frozenset(more)
    continued = first.extended(whole).propagate()
    fresh = _Propagation(statics, required, whole).propagate()
    assert (continued.emptied is None) == (fresh.emptied is None)
    if fresh.emptied is None:
        assert continued.domains == fresh.domains


def test_quickxplain_frees_its_test_on_return():
    """No reference cycle keeps the test function (and what it holds) alive after
    QuickXplain returns: it is freed at once, not at the collector's next pass."""

    class Test:
        def __call__(self, items: list[int]) -> bool:
            return 3 in items and 5 in items

    test = Test()
    ref = weakref.ref(test)
    gc.disable()
    try:
        assert sorted(quickxplain([1, 2, 3, 4, 5, 6], test)) == [3, 5]
        del test
        assert ref() is None
    finally:
        gc.enable()
