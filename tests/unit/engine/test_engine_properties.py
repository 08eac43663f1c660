"""Every answer of the engine equals the brute-force answer on random small products."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import (
    cheapest_completion,
    compile_product,
    configure,
    count,
    default_completion,
    lint,
    price,
    product_from_document,
)
from tests.unit.engine.oracle import Oracle
from tests.unit.engine.strategies import product_docs, selections_for


def _literals(selections: dict[str, list[str]]) -> list[str]:
    return [f"{g}.{o}" for g, opts in selections.items() for o in opts]


def _as_selections(literals) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for lit in literals:
        g, _, o = lit.partition(".")
        out.setdefault(g, []).append(o)
    return out


def _holds(config, lit: str) -> bool:
    g, _, o = lit.partition(".")
    return o in config[g]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_engine_answers_equal_brute_force(data):
    doc = data.draw(product_docs())
    oracle = Oracle(doc)
    compiled = compile_product(product_from_document(doc, "EUR"))
    selections = data.draw(selections_for(doc))
    literals = _literals(selections)
    order = data.draw(st.permutations(literals))
    result = configure(compiled, selections, order=order)
    containing = oracle.containing(selections)

    assert count(compiled) == len(oracle.configs)
    assert count(compiled, selections) == len(containing)
    assert result.valid == bool(containing)
    as_config = {g["code"]: selections.get(g["code"], []) for g in doc["groups"]}
    assert result.complete == (result.valid and oracle.is_valid_config(as_config))
    assert price(compiled, selections).total == oracle.price(as_config)
    assert result.price.total == oracle.price(as_config)

    for group in result.groups:
        single = group.max == 1
        for option in group.options:
            lit = f"{group.code}.{option.code}"
            if option.code in selections.get(group.code, []):
                assert option.state == "selected"
                continue
            expected = oracle.available(selections, group.code, option.code)
            assert option.state == ("available" if expected else "excluded"), lit
            if option.state == "available":
                assert option.reasons == ()
                continue
            assert option.reasons, lit
            support = option.reasons[0].selections
            assert all(r.selections == support for r in option.reasons)
            assert set(support) <= set(literals)
            assert not (single and any(s.startswith(group.code + ".") for s in support))
            # The support alone excludes the option, and none of it is superfluous.
            assert not oracle.available(_as_selections(support), group.code, option.code)
            for s in support:
                rest = _as_selections([t for t in support if t != s])
                assert oracle.available(rest, group.code, option.code), (lit, support, s)
            ids = {r["id"] for r in doc["rules"]}
            assert all(
                r.rule in ids or r.rule.split(":")[0] in ("min", "max") for r in option.reasons
            )

    cheapest = cheapest_completion(compiled, selections)
    if containing:
        assert cheapest is not None and oracle.is_valid_config(cheapest)
        assert all(set(v) <= set(cheapest[g]) for g, v in selections.items())
        assert oracle.price(cheapest) == min(oracle.price(c) for c in containing)
    else:
        assert cheapest is None

    if result.valid:
        assert result.resolution is None and result.conflicts == ()
    elif not oracle.configs:
        assert result.resolution is None
    else:
        resolution = result.resolution
        assert resolution is not None and oracle.is_valid_config(resolution)
        newest_first = list(reversed(order))

        def key(config):
            kept = [_holds(config, lit) for lit in newest_first]
            return sum(kept), kept

        best = max(key(c) for c in oracle.configs)
        assert key(resolution) == best
        kept = [lit for lit in newest_first if _holds(resolution, lit)]
        assert oracle.price(resolution) == min(
            oracle.price(c) for c in oracle.containing(_as_selections(kept))
        )
        assert result.conflicts
        for conflict in result.conflicts:
            assert conflict.rules
            assert set(conflict.selections) <= set(literals)
            assert not oracle.containing(_as_selections(conflict.selections))
            for s in conflict.selections:
                rest = [t for t in conflict.selections if t != s]
                assert oracle.containing(_as_selections(rest))

    report = lint(compiled)
    assert report.empty == (not oracle.configs)
    if oracle.configs:
        dead = {
            f"{g['code']}.{o['code']}"
            for g in doc["groups"]
            for o in g["options"]
            if not any(o["code"] in c[g["code"]] for c in oracle.configs)
        }
        assert set(report.dead_options) == dead
        default = default_completion(compiled)
        assert default is not None and oracle.is_valid_config(default)
    else:
        assert default_completion(compiled) is None
