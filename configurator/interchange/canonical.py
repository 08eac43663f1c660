"""The canonical form of an `atelier-catalogue/1` document: exactly what an export writes.

The promise: import → export → import → export gives identical JSON, and exporting an
imported valid document gives `canonical(document)`. So `canonical` changes precisely
what the database does not keep, and nothing else:

Order
  * Top level: format, currency, components, work_centres, products, standard_products.
  * Components, work centres and standard products are master data keyed by code: sorted
    by `sku` / `code`. Products, groups, options, rules, price rules and route steps keep
    the document's order (they carry a position).
  * A component's supply batches: by `available_on`, then `quantity`. A work centre's
    `workdays` and `holidays`: ascending.
  * Mappings (`bom`, `attributes`, `extra_minutes`, `selections`): keys sorted (a JSON
    column such as PostgreSQL's jsonb does not keep key order).
  * Fixed objects: keys in the order DESIGN.md shows (see the builders below); a rule is
    `id`, `type`, its type's fields (`if`, `then` | `all` | `groups`, `allowed` |
    `attribute`, `op`, `limit` or `limit_attribute`), `message`.
  * Every other list keeps its order: `default`, selections' picks, literal lists, the
    columns and rows of a table, a product's `starting_points`.
  * `specs` (of a product or an option) keeps the document's key order: it is the order
    the spec sheet shows, so the database keeps it as a list of pairs.

Optional fields
  * Always written, filled with the empty value when absent: `supply` [], `route` [],
    `default` [], `bom` {}, `attributes` {}, `rules` [], `price_rules` [],
    `standard_products` [].
  * Written only when they say something: `description`, `image` and `image_alt`
    (omitted when ""), a group's `changes_picture` (omitted when false),
    `extra_minutes`, `specs` (omitted when {}), `starting_points` (omitted when []),
    `holidays` (omitted when []), `plan` (omitted when
    "build_to_order", the default).

Values
  * Money: two decimals, no leading zeros, never "-0.00" (`"007.5"` cannot pass the
    schema; `"007.50"` becomes "7.50").
  * Integer fields (stock, quantities, minutes, min/max, workdays): Python ints (a JSON
    `5.0` becomes `5`). Attribute values and a sum's `limit` are kept as they are.
  * Strings are kept byte for byte (no trimming, no case folding).
"""

from __future__ import annotations

import json
from typing import Any

from atelier.money import amount_text
from configurator.interchange.schema import FORMAT

RULE_FIELDS: dict[str, tuple[str, ...]] = {
    "requires": ("if", "then"),
    "excludes": ("all",),
    "table": ("groups", "allowed"),
    "sum": ("attribute", "op", "limit", "limit_attribute"),
}
DEFAULT_PLAN = "build_to_order"


def canonical(document: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of a valid document (see the module docstring). Idempotent;
    the input is not modified and shares no list or dict with the result."""
    return {
        "format": FORMAT,
        "currency": document["currency"],
        "components": sorted(
            (_component(c) for c in document["components"]), key=lambda c: c["sku"]
        ),
        "work_centres": sorted(
            (_work_centre(w) for w in document["work_centres"]), key=lambda w: w["code"]
        ),
        "products": [_product(p) for p in document["products"]],
        "standard_products": sorted(
            (_standard_product(s) for s in document.get("standard_products", [])),
            key=lambda s: s["sku"],
        ),
    }


def canonical_text(document: dict[str, Any]) -> str:
    """The canonical document as the export writes it: 2-space indent, UTF-8, final newline."""
    return json.dumps(canonical(document), indent=2, ensure_ascii=False) + "\n"


def _sorted_mapping(mapping: dict[str, Any], value=lambda v: v) -> dict[str, Any]:
    return {key: value(mapping[key]) for key in sorted(mapping)}


def _component(c: dict[str, Any]) -> dict[str, Any]:
    supply = [
        {"quantity": int(b["quantity"]), "available_on": b["available_on"]}
        for b in c.get("supply", [])
    ]
    supply.sort(key=lambda b: (b["available_on"], b["quantity"]))
    return {"sku": c["sku"], "name": c["name"], "stock": int(c["stock"]), "supply": supply}


def _work_centre(w: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "code": w["code"],
        "name": w["name"],
        "minutes_per_day": int(w["minutes_per_day"]),
        "workdays": sorted(int(day) for day in w["workdays"]),
    }
    if w.get("holidays"):
        doc["holidays"] = sorted(w["holidays"])
    if w.get("plan", DEFAULT_PLAN) != DEFAULT_PLAN:
        doc["plan"] = w["plan"]
    return doc


def _product(p: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {"code": p["code"], "name": p["name"]}
    if p.get("description"):
        doc["description"] = p["description"]
    if p.get("image"):
        doc["image"] = p["image"]
    if p.get("image_alt"):
        doc["image_alt"] = p["image_alt"]
    doc["base_price"] = amount_text(p["base_price"])
    if p.get("specs"):
        doc["specs"] = dict(p["specs"])
    doc["route"] = [
        {"work_centre": s["work_centre"], "minutes": int(s["minutes"])} for s in p.get("route", [])
    ]
    doc["groups"] = [_group(g) for g in p["groups"]]
    doc["rules"] = [_rule(r) for r in p.get("rules", [])]
    doc["price_rules"] = [
        {
            "id": r["id"],
            "when": list(r["when"]),
            "amount": amount_text(r["amount"]),
            "label": r["label"],
        }
        for r in p.get("price_rules", [])
    ]
    if p.get("starting_points"):
        doc["starting_points"] = [_starting_point(s) for s in p["starting_points"]]
    return doc


def _starting_point(s: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {"code": s["code"], "name": s["name"]}
    if s.get("description"):
        doc["description"] = s["description"]
    doc["selections"] = _sorted_mapping(s["selections"], list)
    return doc


def _group(g: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "code": g["code"],
        "name": g["name"],
        "min": int(g["min"]),
        "max": int(g["max"]),
        "default": list(g.get("default", [])),
    }
    if g.get("changes_picture"):
        doc["changes_picture"] = True
    doc["options"] = [_option(o) for o in g["options"]]
    return doc


def _option(o: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {"code": o["code"], "name": o["name"]}
    if o.get("description"):
        doc["description"] = o["description"]
    if o.get("image"):
        doc["image"] = o["image"]
    if o.get("image_alt"):
        doc["image_alt"] = o["image_alt"]
    doc["price"] = amount_text(o["price"])
    doc["bom"] = _sorted_mapping(o.get("bom", {}), int)
    doc["attributes"] = _sorted_mapping(o.get("attributes", {}))
    if o.get("extra_minutes"):
        doc["extra_minutes"] = _sorted_mapping(o["extra_minutes"], int)
    if o.get("specs"):
        doc["specs"] = dict(o["specs"])
    return doc


def _rule(r: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": r["id"], "type": r["type"]}
    for field in RULE_FIELDS[r["type"]]:
        if field not in r:
            continue
        value = r[field]
        if field == "allowed":
            value = [list(row) for row in value]
        elif isinstance(value, list):
            value = list(value)
        doc[field] = value
    doc["message"] = r["message"]
    return doc


def _standard_product(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "sku": s["sku"],
        "product": s["product"],
        "selections": _sorted_mapping(s["selections"], list),
        "price": amount_text(s["price"]),
        "stock": int(s["stock"]),
    }
