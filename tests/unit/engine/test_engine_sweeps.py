"""Reach shared between queries (sweeps.Sweeps) answers exactly what whole sweeps over
the diagram answer (propagation.availability / is_feasible), in any query order, with
the stores (chains, memoised steps) evicting or not, and the stores stay within their
bounds."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import compile_product, product_from_document
from configurator.engine.constraints import Literal
from configurator.engine.propagation import availability, is_feasible, restrictions
from configurator.engine.sweeps import Sweeps
from tests.engine_samples import generated_document
from tests.unit.engine.strategies import product_docs


def _required(lits) -> dict[int, int]:
    required: dict[int, int] = {}
    for g, o in lits:
        required[g] = required.get(g, 0) | 1 << o
    return required


def _check_queries(compiled, sweeps: Sweeps, rng: random.Random, queries: int) -> None:
    index, diagram = compiled.index, compiled.diagram
    literals = [(g, o) for g, codes in enumerate(index.option_codes) for o in range(len(codes))]
    pool = [frozenset(rng.sample(literals, rng.randint(0, min(6, len(literals)))))]
    for _ in range(queries):
        # New sets mostly differ from an earlier one by a pick or two, as a search's do.
        base = set(rng.choice(pool))
        for _ in range(rng.randint(0, 2)):
            if base and rng.random() < 0.5:
                base.discard(rng.choice(sorted(base)))
            else:
                base.add(rng.choice(literals))
        lits = frozenset(base)
        pool.append(lits)
        g = rng.randrange(len(index.group_codes))
        keep_own = index.maxs[g] > 1
        expected = availability(diagram, _required(lits), index.maxs, [g])[g]
        assert sweeps.live(lits, g, keep_own=keep_own).tolist() == expected.tolist()
        # Asked again (the kept answer, or computed again once dropped): the same.
        assert sweeps.live(lits, g, keep_own=keep_own).tolist() == expected.tolist()
        assert sweeps.feasible(lits) == is_feasible(diagram, restrictions(diagram, _required(lits)))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=product_docs(), seed=st.integers(0, 2**16), tiny=st.booleans())
def test_shared_reach_equals_whole_sweeps(doc, seed, tiny):
    compiled = compile_product(product_from_document(doc, "EUR"))
    if compiled.diagram.empty:
        return
    sweeps = Sweeps(
        compiled.diagram,
        max_bytes=64 if tiny else 2**20,
        step_bytes=64 if tiny else 2**20,
        live_entries=2 if tiny else 1000,
    )
    _check_queries(compiled, sweeps, random.Random(seed), 25)
    assert sweeps.held_bytes <= sweeps.max_bytes or len(sweeps._chains) == 1
    assert sweeps.step_held_bytes <= sweeps.step_bytes or len(sweeps._steps) == 1
    assert len(sweeps._live) <= sweeps.live_entries


def test_shared_reach_on_a_large_product_stays_exact_and_bounded():
    compiled = compile_product(product_from_document(generated_document(seed=7), "EUR"))
    sweeps = Sweeps(compiled.diagram, max_bytes=20_000, step_bytes=30_000, live_entries=50)
    _check_queries(compiled, sweeps, random.Random(5), 300)
    assert len(sweeps._live) == 50
    assert 0 < sweeps.held_bytes <= 20_000
    assert 0 < sweeps.step_held_bytes <= 30_000
    # Repeating a query steps through no layer: the chains are kept.
    lits = frozenset([(0, 0), (len(compiled.index.group_codes) - 1, 0)])
    sweeps.live(lits, 1, keep_own=False)
    steps = sweeps.steps
    sweeps.live(lits, 1, keep_own=False)
    assert sweeps.steps == steps


def test_a_step_made_before_is_not_made_again():
    """Two sets of picks that reach the same nodes at some boundary share every step
    after it: the second set's chain reads the memoised steps (no layer stepped through
    again) and answers exactly as whole sweeps do."""
    compiled = compile_product(product_from_document(generated_document(seed=7), "EUR"))
    index, diagram = compiled.index, compiled.diagram
    last = len(diagram.layers) - 1
    search = Sweeps(diagram)
    # Two single picks whose reach meets at a boundary b (not every node), above the
    # last layer.
    seen: dict[tuple[int, bytes], Literal] = {}
    found = None
    for i, g in enumerate(diagram.order[:last]):
        for o in range(len(index.option_codes[g])):
            for b in range(i + 1, last):
                reach = search.forward(frozenset([(g, o)]), b)
                if reach is None:
                    break
                other = seen.setdefault((b, reach.tobytes()), (g, o))
                if other != (g, o) and found is None:
                    found = (other, (g, o), b)
    assert found is not None, "the sample product has two such picks"
    a, b, meet = found
    sweeps = Sweeps(diagram)
    target = diagram.order[last]
    keep_own = index.maxs[target] > 1
    sweeps.live(frozenset([a]), target, keep_own=keep_own)
    steps = sweeps.steps
    live = sweeps.live(frozenset([b]), target, keep_own=keep_own)
    # Only the steps above the meeting boundary are new.
    assert sweeps.steps - steps <= meet - diagram.order.index(b[0])
    assert sweeps.steps - steps < last - diagram.order.index(b[0])
    expected = availability(diagram, _required([b]), index.maxs, [target])[target]
    assert live.tolist() == expected.tolist()
