"""The facts an exclusion test may be answered from instead of a diagram query
(`configure._Session`, `explain.SupportMemo`) are exact, on random small products over
several clicks on one compiled product (so that earlier clicks' facts are read):

- a set of picks noted as excluding an option does exclude it, and so does every
  superset (`SupportMemo.note` / `excludes`);
- a set of picks and an option that one of the click's resolutions holds is not excluded
  (`resolved.Resolved.holds`);
- the single-drop picks bounded by a known excluding set (`_Session.known_drops`) are
  exactly the bitset passes' (`necessary.single_drops`), themselves checked against
  brute force in test_engine_necessary.py.
"""

from __future__ import annotations

import importlib
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import compile_product, configure, product_from_document
from configurator.engine.configure import _Session, _support_memo
from configurator.engine.deltas import ClickDeltas
from configurator.engine.explain import EXCLUDING_PER_OPTION, SupportMemo
from configurator.engine.necessary import single_drops
from configurator.engine.resolutions import Passes
from configurator.engine.selections import ordered_literals, parse_selections
from tests.unit.engine.strategies import product_docs, selections_for

# The module, not the function `configurator.engine.configure` the package exports.
configure_module = importlib.import_module("configurator.engine.configure")


def _click(compiled, selections, order):
    index = compiled.index
    picked = parse_selections(index, compiled.product, selections)
    recency = ordered_literals(index, picked, order)
    passes = Passes(compiled, picked, recency)
    session = _Session(compiled, recency)
    deltas = ClickDeltas(passes)
    session.know(passes, deltas.excluded)
    return recency, passes, session, deltas


def _excluded(session, lits, target) -> bool:
    """The diagram's answer, never a shortcut."""
    g = target[0]
    keep_own = session.compiled.index.maxs[g] > 1
    return not session.sweeps.live(frozenset(lits), g, keep_own=keep_own)[target[1]]


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_facts_read_instead_of_queries_are_exact(data, monkeypatch):
    # Small products answer without the facts (`configure.PASSES_EDGES`): read them here.
    monkeypatch.setattr(configure_module, "PASSES_EDGES", 0)
    doc = data.draw(product_docs())
    compiled = compile_product(product_from_document(doc, "EUR"))
    if compiled.diagram.empty:
        return
    memo = _support_memo(compiled)
    for _ in range(3):
        selections = data.draw(selections_for(doc))
        order = data.draw(st.permutations([f"{g}.{o}" for g, os in selections.items() for o in os]))
        configure(compiled, selections, order=order)  # notes this click's answers
        recency, passes, session, deltas = _click(compiled, selections, order)
        drops = single_drops(passes)
        for target in deltas.excluded:
            for known in memo._excluding.get(target, ()):
                assert _excluded(session, known, target)
            for size in range(len(recency) + 1):
                for lits in itertools.combinations(recency, size):
                    if session.resolved.holds(frozenset(lits), target):
                        assert not _excluded(session, lits, target), (target, lits)
                    if memo.excludes(target, frozenset(lits)):
                        assert _excluded(session, lits, target), (target, lits)
            if passes.changes[target[0]][target[1]] != 1:
                continue
            found = session.known_drops(target)
            if found is not None:
                members = session.candidates(target[0]).members
                assert found == [lit for lit in drops.picks(target) if lit in members]


def test_support_memo_keeps_few_sets_per_option_and_stays_bounded():
    memo = SupportMemo(limit=3)
    target = (0, 0)
    for k in range(EXCLUDING_PER_OPTION + 2):
        memo.note(target, [(1, k), (2, 0)])
    assert len(memo._excluding[target]) == EXCLUDING_PER_OPTION
    assert memo.excludes(target, frozenset({(1, 5), (2, 0), (3, 1)}))  # the latest, in
    assert not memo.excludes(target, frozenset({(1, 0), (2, 0)}))  # the oldest dropped
    assert not memo.excludes(target, frozenset({(1, 5)}))
    assert memo.excluding_within(target, frozenset({(1, 4), (1, 5), (2, 0)})) is not None
    assert memo.excluding_within((9, 9), frozenset({(1, 5), (2, 0)})) is None
    for g in range(3, 10):
        memo.note((g, 0), [(1, 0)])
    assert len(memo._excluding) <= 3
