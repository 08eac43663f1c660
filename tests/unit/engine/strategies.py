"""Hypothesis strategies: small random product documents and selections for them."""

from __future__ import annotations

from itertools import product as cartesian

from hypothesis import strategies as st

PRICES = ["0.00", "5.00", "12.50", "30.00", "99.99"]
AMOUNTS = ["-10.00", "-0.25", "5.50", "20.00"]


@st.composite
def product_docs(draw) -> dict:
    n_groups = draw(st.integers(2, 5))
    multi = draw(st.integers(0, n_groups - 1))
    groups = []
    for gi in range(n_groups):
        if gi == multi:
            n_opts = draw(st.integers(2, 4))
            low, high = 0, draw(st.integers(2, n_opts))
        else:
            n_opts = draw(st.integers(1, 3))
            low, high = draw(st.integers(0, 1)), 1
        options = []
        for oi in range(n_opts):
            attributes = {
                "w": draw(st.sampled_from([0, 1, 2, 3, 5, 1.5, 2.25])),
                "label": "text",
                "flag": draw(st.booleans()),
            }
            if draw(st.booleans()):
                attributes["cap"] = draw(st.sampled_from([0, 2, 4, 6.5]))
            options.append(
                {
                    "code": f"o{oi}",
                    "name": f"Option {gi}.{oi}",
                    "price": draw(st.sampled_from(PRICES)),
                    "bom": {f"SKU-{gi}-{oi}": draw(st.integers(1, 2))},
                    "attributes": attributes,
                }
            )
        groups.append(
            {"code": f"g{gi}", "name": f"Group {gi}", "min": low, "max": high, "options": options}
        )
    literals = [f"{g['code']}.{o['code']}" for g in groups for o in g["options"]]
    singles = [g for g in groups if g["max"] == 1]
    lit = st.sampled_from(literals)
    rules = []
    for ri in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["requires", "excludes", "table", "sum"]))
        rule = {"id": f"r{ri}", "type": kind, "message": f"rule {ri} says no"}
        if kind == "requires":
            rule["if"] = draw(st.lists(lit, min_size=1, max_size=2, unique=True))
            rule["then"] = draw(st.lists(lit, min_size=0, max_size=2, unique=True))
        elif kind == "excludes":
            rule["all"] = draw(st.lists(lit, min_size=1, max_size=3, unique=True))
        elif kind == "table" and singles:
            chosen = draw(
                st.lists(
                    st.sampled_from(singles), min_size=1, max_size=2, unique_by=lambda g: g["code"]
                )
            )
            columns = [[o["code"] for o in g["options"]] + [None] for g in chosen]
            every = [list(row) for row in cartesian(*columns)]
            rule["groups"] = [g["code"] for g in chosen]
            rule["allowed"] = draw(st.lists(st.sampled_from(every), min_size=1, max_size=5))
        else:
            rule["type"] = "sum"
            rule["attribute"] = "w"
            rule["op"] = draw(st.sampled_from(["<=", ">=", "=="]))
            if draw(st.booleans()):
                rule["limit"] = draw(st.sampled_from([0, 2, 3, 4.5, 6]))
            else:
                rule["limit_attribute"] = "cap"
        rules.append(rule)
    price_rules = [
        {
            "id": f"p{pi}",
            "when": draw(st.lists(lit, min_size=1, max_size=2, unique=True)),
            "amount": draw(st.sampled_from(AMOUNTS)),
            "label": f"Bundle {pi}",
        }
        for pi in range(draw(st.integers(0, 3)))
    ]
    return {
        "code": "p",
        "name": "Random product",
        "base_price": "100.00",
        "route": [{"work_centre": "ASSY", "minutes": 10}],
        "groups": groups,
        "rules": rules,
        "price_rules": price_rules,
    }


@st.composite
def selections_for(draw, doc: dict) -> dict[str, list[str]]:
    selections = {}
    for g in doc["groups"]:
        codes = [o["code"] for o in g["options"]]
        picks = draw(st.lists(st.sampled_from(codes), max_size=g["max"], unique=True))
        if picks or draw(st.booleans()):
            selections[g["code"]] = picks
    return selections
