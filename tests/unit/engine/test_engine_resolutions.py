"""The all-at-once resolutions equal brute force on random small products: for every
option, the fewest changed picks, the cheapest configuration among those, and a proposal
that is a valid configuration's part and picks the option."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import compile_product, product_from_document, resolutions, warm_up
from configurator.engine.resolutions import Passes, option_resolutions
from configurator.engine.selections import parse_selections
from tests.unit.engine.conftest import compiled_from, small_product
from tests.unit.engine.oracle import Oracle
from tests.unit.engine.strategies import product_docs, selections_for


def _changes(doc: dict, selections: dict, config: dict, group: str, option: str) -> int:
    single = next(g for g in doc["groups"] if g["code"] == group)["max"] == 1
    return sum(
        1
        for g, picks in selections.items()
        for o in picks
        if not (single and g == group) and o not in config[g]
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_resolutions_equal_brute_force(data):
    doc = data.draw(product_docs())
    oracle = Oracle(doc)
    compiled = compile_product(product_from_document(doc, "EUR"))
    selections = data.draw(selections_for(doc))
    order = data.draw(st.permutations([f"{g}.{o}" for g, os in selections.items() for o in os]))
    found = option_resolutions(compiled, selections, order=order)
    assert found.valid == bool(oracle.containing(selections))
    for group in doc["groups"]:
        g = group["code"]
        for option in group["options"]:
            o = option["code"]
            having = [c for c in oracle.configs if o in c[g]]
            resolution = found.for_option(g, o)
            if not having:
                assert resolution is None and found.changes(g, o) is None
                continue
            least = min(_changes(doc, selections, c, g, o) for c in having)
            cheapest = min(
                oracle.price(c) for c in having if _changes(doc, selections, c, g, o) == least
            )
            assert found.changes(g, o) == least, (g, o)
            assert found.price(g, o) == cheapest, (g, o)
            if o not in selections.get(g, []):
                assert (least == 0) == oracle.available(selections, g, o)
            assert resolution.changes == least and resolution.price == cheapest
            config = {k: frozenset(v) for k, v in resolution.selections.items()}
            assert oracle.is_valid_config(resolution.selections) and o in config[g]
            assert _changes(doc, selections, config, g, o) == least
            assert oracle.price(config) == cheapest
            dropped = {f"{k}.{q}" for k, qs in selections.items() for q in qs} - {
                f"{k}.{q}" for k, qs in resolution.proposal.items() for q in qs
            }
            if group["max"] == 1:
                dropped -= {f"{g}.{q}" for q in selections.get(g, [])}
            assert dropped == set(resolution.dropped)
            assert list(resolution.dropped) == [d for d in order if d in dropped]
            # Applying the proposal picks the option and leaves a valid configuration.
            assert o in resolution.proposal[g]
            proposal = {k: v for k, v in resolution.proposal.items() if v}
            assert oracle.containing(proposal)
            assert resolution.proposal_price == oracle.price(
                {k: frozenset(v) for k, v in resolution.proposal.items()}
            )


def test_excluded_option_resolution_drops_the_blocking_pick():
    doc = small_product(
        [("a", 1, 1, ["x", "y"]), ("b", 1, 1, ["p", "q"]), ("c", 0, 1, ["k"])],
        rules=[{"id": "r", "type": "excludes", "all": ["a.x", "b.p"], "message": "no"}],
    )
    found = option_resolutions(compiled_from(doc), {"a": ["x"], "c": ["k"]})
    resolution = found.for_option("b", "p")
    assert resolution.changes == 1 and resolution.dropped == ("a.x",)
    assert resolution.proposal == {"a": ["y"], "b": ["p"], "c": ["k"]}
    assert found.changes("b", "q") == 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_walked_resolutions_equal_the_rebuilt_ones(data):
    """A few options' resolutions are walked node by node, many rebuilt at once (one
    walker per option, all stepped together layer by layer): the two give the same
    configuration for every option, whichever options are asked together."""
    doc = data.draw(product_docs())
    compiled = compile_product(product_from_document(doc, "EUR"))
    selections = data.draw(selections_for(doc))
    index = compiled.index
    picked = parse_selections(index, compiled.product, selections)
    lits = [(g, o) for g, codes in enumerate(index.option_codes) for o in range(len(codes))]
    asked = data.draw(st.lists(st.sampled_from(lits), min_size=1, unique=True))
    walked = Passes(compiled, picked)
    with patch.object(resolutions, "WALK_STEPS", 0):  # every request rebuilt at once
        rebuilt = Passes(compiled, picked)
        together = rebuilt.configurations(asked)
        everything = Passes(compiled, picked).configurations(lits)
    for lit in lits:
        alone = walked.configurations([lit])
        assert alone == {lit: everything[lit]}
        if lit in together:
            assert together[lit] == everything[lit]
        assert rebuilt.configuration(lit) == everything[lit]


def test_rebuilt_rows_read_labels_above_a_byte():
    """With a multi-choice group of 512 picks (labels above a byte) between single-choice
    ones, every option's rebuilt configuration equals the one walked node by node."""
    many = [f"m{k}" for k in range(9)]
    doc = small_product(
        [("a", 1, 1, ["x", "y", "z"]), ("m", 0, 9, many), ("b", 1, 1, ["p", "q", "r"])],
        rules=[
            {"id": "r1", "type": "excludes", "all": ["a.x", "m.m3"], "message": "no"},
            {"id": "r2", "type": "excludes", "all": ["m.m5", "b.p"], "message": "no"},
            {"id": "r3", "type": "excludes", "all": ["a.y", "b.q"], "message": "no"},
        ],
    )
    compiled = compiled_from(doc)
    index = compiled.index
    lits = [(g, o) for g, codes in enumerate(index.option_codes) for o in range(len(codes))]
    six = ["m0", "m1", "m2", "m4", "m6", "m7"]  # a pick of six: label 382 and above
    at_m = resolutions._statics(compiled).layer_of[1]
    labels_read = 0
    for selections in ({"m": six, "a": ["y"]}, {"m": six, "a": ["x"]}, {"m": ["m5"]}, {}):
        picked = parse_selections(index, compiled.product, selections)
        walked = Passes(compiled, picked)
        with patch.object(resolutions, "WALK_STEPS", 0):  # every request rebuilt at once
            rebuilt = Passes(compiled, picked).configurations(lits)
        assert rebuilt == {lit: walked.configurations([lit])[lit] for lit in lits}
        assert any(walked.changes[g][o] > 0 for g, o in lits) or not selections
        labels_read = max(labels_read, int(walked.rows(lits)[:, at_m].max()))
    assert labels_read > 255


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_each_options_best_edge_is_the_first_least_in_label_order(data):
    """Every live option's resolution starts from its layer's first edge (by_label order:
    label ascending, then edge) among those holding it with the least forward value +
    edge + backward value: worked out edge by edge here, against the packed sums (the
    tie-break the rows and so every resolution follow)."""
    doc = data.draw(product_docs())
    compiled = compile_product(product_from_document(doc, "EUR"))
    picked = parse_selections(compiled.index, compiled.product, data.draw(selections_for(doc)))
    passes = Passes(compiled, picked)
    index, layers = compiled.index, compiled.diagram.layers
    if compiled.diagram.empty:
        return
    fwd, bwd, weight = passes._fwd, passes._bwd, passes.weight
    for i, layer in enumerate(layers):
        g = layer.group
        mask = picked.get(g, 0)
        dropped = [q for q in range(len(index.option_codes[g])) if mask >> q & 1]
        for o in range(len(index.option_codes[g])):
            key = int(passes.flat_keys[index.offsets[g] + o])
            if key >= passes.inf:
                continue
            best = None
            for e in layer.by_label.tolist():
                label = int(layer.label[e])
                if not layer.label_options[label, o]:
                    continue
                drops = sum(1 for q in dropped if not layer.label_options[label, q])
                if index.maxs[g] == 1:
                    drops = 0  # the option replaces the group's pick
                value = int(fwd[i][layer.src[e]]) + int(layer.shifted[e]) + drops * weight
                value += int(bwd[i + 1][layer.dst[e]])
                if value == key:
                    best = e
                    break
            labels, sources, targets = passes._start([(g, o)])
            assert best is not None
            assert (int(labels[0]), int(sources[0]), int(targets[0])) == (
                int(layer.label[best]),
                int(layer.src[best]),
                int(layer.dst[best]),
            ), (g, o)


def _answers(passes: Passes) -> tuple:
    index = passes.compiled.index
    lits = [(g, o) for g, codes in enumerate(index.option_codes) for o in range(len(codes))]
    return (
        passes.valid,
        passes.flat_changes.tolist(),
        [passes.cost(lit) for lit in lits],
        passes.configurations(lits),
        [f.tolist() for f in passes._fwd],
        [b.tolist() for b in passes._bwd],
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), store_bytes=st.sampled_from([0, 2_000, 10**9]))
def test_passes_depend_only_on_the_picks_not_on_earlier_clicks(data, store_bytes):
    """Steps are kept across clicks (keyed by a digest of their source, values normalised
    to their least): a click answered after others, with the store small enough to drop
    steps or large enough to keep them all, equals the same click on a cold product."""
    doc = data.draw(product_docs())
    shared = compile_product(product_from_document(doc, "EUR"))
    shared.cache["passes-store"] = store = resolutions._Store(max_bytes=store_bytes)
    index = shared.index
    clicks = data.draw(st.lists(selections_for(doc), min_size=1, max_size=6))
    for selections in clicks:
        picked = parse_selections(index, shared.product, selections)
        cold = compile_product(product_from_document(doc, "EUR"))
        assert _answers(Passes(shared, picked)) == _answers(Passes(cold, picked))
        # Bounded: beyond its bytes the store keeps only the step just made.
        assert store.held_bytes <= store_bytes or len(store._steps) == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_colliding_digests_cost_a_step_never_an_answer(data):
    """Every boundary given the same digest: a stored step is used only for an equal
    source, so the answers stay those of a cold product."""
    doc = data.draw(product_docs())
    shared = compile_product(product_from_document(doc, "EUR"))
    clicks = data.draw(st.lists(selections_for(doc), min_size=2, max_size=5))
    with patch.object(resolutions._Statics, "digest", lambda self, b, keys: 0):
        for selections in clicks:
            picked = parse_selections(shared.index, shared.product, selections)
            cold = compile_product(product_from_document(doc, "EUR"))
            assert _answers(Passes(shared, picked)) == _answers(Passes(cold, picked))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_exact_integers_give_the_answers_of_int64_keys(data):
    """Keys too wide for int64 are exact Python integers (dtype object): same answers."""
    doc = data.draw(product_docs())
    selections = data.draw(selections_for(doc))
    wide = compile_product(product_from_document(doc, "EUR"))
    narrow = compile_product(product_from_document(doc, "EUR"))
    picked = parse_selections(wide.index, wide.product, selections)
    with patch.object(resolutions, "KEY_LIMIT", 0):
        exact = Passes(wide, picked)
    assert exact.dtype is object
    assert _answers(exact) == _answers(Passes(narrow, picked))


@st.composite
def _click_orders(draw, doc: dict) -> list[dict[str, list[str]]]:
    """Clicks as the benchmark makes them: the picks of one selection added one at a time
    in a random order (a single-choice group's pick replaces its last), from empty."""
    selections = draw(selections_for(doc))
    order = draw(st.permutations([(g, o) for g, os in selections.items() for o in os]))
    maxs = {group["code"]: group["max"] for group in doc["groups"]}
    clicks: list[dict[str, list[str]]] = [{}]
    for g, o in order:
        current = dict(clicks[-1])
        current[g] = [o] if maxs[g] == 1 else [*current.get(g, []), o]
        clicks.append(current)
    return clicks


# Each way a step or a boundary can be made, against the default way on a cold product:
# every step with reduceat over sorted segments (no entry-order gathers), every step with
# minimum.at (entry-order gathers wherever entries are edges reordered), keys in int64
# where int32 would do, digests of a single key (every boundary of a layer shares a few
# digests: the store tells them apart by their sources), one step per key.
WAYS = {
    "reduceat": ("SHORT_SEGMENTS", 0),
    "minimum.at": ("SHORT_SEGMENTS", 10**9),
    "int64": ("NARROW_LIMIT", 0),
    "one-key digests": ("DIGEST_NODES", 1),
    "one step per key": ("BUCKET", 1),
}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), way=st.sampled_from(sorted(WAYS)))
def test_every_way_of_stepping_gives_a_cold_products_answers(data, way):
    """Clicks in a random order on one product, each step made one way (see WAYS) and
    kept across clicks: every click's answers are those of a cold product made the
    default way (the answers, the first best edges rows follow, both passes' values)."""
    doc = data.draw(product_docs())
    clicks = data.draw(_click_orders(doc))
    cold = []
    for selections in clicks:
        fresh = compile_product(product_from_document(doc, "EUR"))
        cold.append(
            _answers(Passes(fresh, parse_selections(fresh.index, fresh.product, selections)))
        )
    shared = compile_product(product_from_document(doc, "EUR"))
    name, value = WAYS[way]
    with patch.object(resolutions, name, value):
        for selections, expected in zip(clicks, cold, strict=True):
            picked = parse_selections(shared.index, shared.product, selections)
            assert _answers(Passes(shared, picked)) == expected
    statics = resolutions._statics(shared)
    if way == "int64":
        assert statics.dtype is np.int64
    if way == "reduceat":
        assert not any(statics.ent_forward) and not any(statics.ent_backward)


def test_entry_order_steps_are_taken_where_entries_are_edges_reordered():
    """Single-choice groups that must be picked: every pick is one option, so a layer's
    entries are its edges reordered and its steps gather in entry order; a group that may
    stay empty has an edge holding no option, so its layer steps in edge order. The two
    give a cold product's answers either way (the test above, on random products)."""
    doc = small_product(
        [("a", 1, 1, ["x", "y", "z"]), ("b", 1, 1, ["p", "q"]), ("c", 0, 1, ["k", "m"])],
        rules=[{"id": "r", "type": "excludes", "all": ["a.x", "b.p"], "message": "no"}],
    )
    compiled = compiled_from(doc)
    statics = resolutions._statics(compiled)
    by_group = {layer.group: i for i, layer in enumerate(compiled.diagram.layers)}
    codes = compiled.index.group_codes
    reordered = {codes[g]: statics.ent_edge_const[i] is not None for g, i in by_group.items()}
    assert reordered == {"a": True, "b": True, "c": False}
    assert statics.dtype is np.int32  # a few prices: every packed key fits
    found = option_resolutions(compiled, {"a": ["x"], "c": ["k"]})
    assert found.changes("b", "p") == 1 and found.changes("b", "q") == 0


def test_warm_up_makes_the_passes_arrays_and_changes_no_answer():
    """A worker's warm-up makes the passes' per-layer arrays, so its first click does not;
    the answers are a cold product's."""
    doc = small_product(
        [("a", 1, 1, ["x", "y"]), ("b", 1, 1, ["p", "q"]), ("c", 0, 2, ["k", "m"])],
        rules=[{"id": "r", "type": "excludes", "all": ["a.x", "b.p"], "message": "no"}],
    )
    warm, cold = compiled_from(doc), compiled_from(doc)
    warm.cache.clear()
    warm_up(warm)
    assert isinstance(warm.cache.get("passes-statics"), resolutions._Statics)
    picked = parse_selections(warm.index, warm.product, {"a": ["x"], "c": ["k"]})
    assert _answers(Passes(warm, picked)) == _answers(Passes(cold, picked))
