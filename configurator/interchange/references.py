"""Checks a schema-valid catalogue needs beyond its schema: codes unique where they must
be, every reference resolving (options, groups, SKUs, work centres, products), group
bounds that can be met, defaults', standard products' and starting points' picks within
those bounds.

Whether a product has any valid configuration, and whether a standard product satisfies
every rule, and whether a starting point does, is the engine's question (configurator.services.check_products), not this one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from configurator.interchange.currencies import ISO_4217
from configurator.interchange.errors import CatalogueIssue, render_path

Path = tuple[str | int, ...]
Report = Callable[[Path, str], None]


def check_references(document: dict[str, Any]) -> list[CatalogueIssue]:
    """Every cross-reference problem of a document that already passed the schema."""
    errors: list[CatalogueIssue] = []

    def report(path: Path, message: str) -> None:
        errors.append(CatalogueIssue(render_path(path), message))

    currency = document["currency"]
    if currency not in ISO_4217:
        report(("currency",), f"unknown currency '{currency}': use an ISO 4217 code like 'EUR'")
    skus = _unique(document["components"], "sku", ("components",), "sku", report)
    centres = _unique(document["work_centres"], "code", ("work_centres",), "work centre", report)
    products = document["products"]
    _unique(products, "code", ("products",), "product code", report)
    for index, product in enumerate(products):
        _check_product(product, ("products", index), skus, centres, report)
    first_product: dict[str, dict] = {}
    for product in products:
        first_product.setdefault(product["code"], product)
    standard = document.get("standard_products", [])
    _unique(standard, "sku", ("standard_products",), "standard product sku", report)
    for index, item in enumerate(standard):
        _check_standard_product(item, ("standard_products", index), first_product, report)
    return errors


def _unique(
    items: list[dict], field: str, base: Path, what: str, report: Report, within: str = ""
) -> set[str]:
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        key = item[field]
        if key in first:
            where = render_path((*base, first[key]))
            report((*base, index, field), f"duplicate {what} '{key}'{within} (first at {where})")
        else:
            first[key] = index
    return set(first)


def _takes(low: int, high: int) -> str:
    return f"exactly {low}" if low == high else f"{low} to {high}"


class _Product:
    """Lookups of one product: groups and their options by code (first occurrence wins;
    duplicates are reported separately)."""

    def __init__(self, product: dict[str, Any]):
        self.code: str = product["code"]
        self.groups: dict[str, dict] = {}
        self.options: dict[str, set[str]] = {}
        for group in product["groups"]:
            if group["code"] not in self.groups:
                self.groups[group["code"]] = group
                self.options[group["code"]] = {option["code"] for option in group["options"]}

    def check_literal(self, literal: str, path: Path, report: Report) -> None:
        group, option = literal.split(".", 1)
        if group not in self.groups:
            report(path, f"unknown group '{group}'")
        elif option not in self.options[group]:
            report(path, f"unknown option '{literal}'")

    def check_literals(self, literals: Iterable[str], path: Path, report: Report) -> None:
        for index, literal in enumerate(literals):
            self.check_literal(literal, (*path, index), report)


def _check_product(
    product: dict[str, Any], base: Path, skus: set[str], centres: set[str], report: Report
) -> None:
    for index, step in enumerate(product.get("route", [])):
        if step["work_centre"] not in centres:
            report(
                (*base, "route", index, "work_centre"),
                f"unknown work centre '{step['work_centre']}'",
            )
    groups = product["groups"]
    _unique(groups, "code", (*base, "groups"), "group code", report)
    attributes: dict[str, list[tuple[Path, Any]]] = {}
    for g_index, group in enumerate(groups):
        g_path = (*base, "groups", g_index)
        _check_group(group, g_path, report)
        for o_index, option in enumerate(group["options"]):
            o_path = (*g_path, "options", o_index)
            for sku in option.get("bom", {}):
                if sku not in skus:
                    report((*o_path, "bom", sku), f"unknown sku '{sku}'")
            for centre in option.get("extra_minutes", {}):
                if centre not in centres:
                    report((*o_path, "extra_minutes", centre), f"unknown work centre '{centre}'")
            for name, value in option.get("attributes", {}).items():
                if isinstance(value, float) and not math.isfinite(value):
                    report((*o_path, "attributes", name), "must be a finite number")
                attributes.setdefault(name, []).append(((*o_path, "attributes", name), value))

    lookup = _Product(product)
    rules = product.get("rules", [])
    _unique(rules, "id", (*base, "rules"), "rule id", report)
    for index, rule in enumerate(rules):
        _check_rule(rule, (*base, "rules", index), lookup, attributes, report)
    price_rules = product.get("price_rules", [])
    _unique(price_rules, "id", (*base, "price_rules"), "price rule id", report)
    for index, rule in enumerate(price_rules):
        lookup.check_literals(rule["when"], (*base, "price_rules", index, "when"), report)
    starting_points = product.get("starting_points", [])
    _unique(starting_points, "code", (*base, "starting_points"), "starting point code", report)
    for index, start in enumerate(starting_points):
        path = (*base, "starting_points", index, "selections")
        _check_selections(lookup, start["selections"], path, report)


def _check_group(group: dict[str, Any], path: Path, report: Report) -> None:
    options = group["options"]
    _unique(
        options, "code", (*path, "options"), "option code", report, f" in group '{group['code']}'"
    )
    codes = {option["code"] for option in options}
    low, high, count = group["min"], group["max"], len(codes)
    if low > high:
        report((*path, "min"), f"min {low} is greater than max {high}")
    if high > count:
        report((*path, "max"), f"max {high} is more than the group's {count} option(s)")
    if low > count:
        report((*path, "min"), f"min {low} is more than the group's {count} option(s)")
    default = group.get("default", [])
    for index, code in enumerate(default):
        if code not in codes:
            report((*path, "default", index), f"unknown option '{group['code']}.{code}'")
    if default and not low <= len(default) <= high:
        report(
            (*path, "default"),
            f"{len(default)} default option(s), but group '{group['code']}' takes "
            f"{_takes(low, high)}",
        )


def _check_rule(
    rule: dict[str, Any],
    path: Path,
    product: _Product,
    attributes: dict[str, list[tuple[Path, Any]]],
    report: Report,
) -> None:
    kind = rule["type"]
    if kind == "requires":
        product.check_literals(rule["if"], (*path, "if"), report)
        product.check_literals(rule["then"], (*path, "then"), report)
    elif kind == "excludes":
        product.check_literals(rule["all"], (*path, "all"), report)
    elif kind == "table":
        _check_table(rule, path, product, report)
    elif kind == "sum":
        limit = rule.get("limit")
        if isinstance(limit, float) and not math.isfinite(limit):
            report((*path, "limit"), "must be a finite number")
        for field in ("attribute", "limit_attribute"):
            name = rule.get(field)
            if name is None:
                continue
            if name not in attributes:
                report(
                    (*path, field), f"no option of product '{product.code}' has attribute '{name}'"
                )
                continue
            for where, value in attributes[name]:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    report(
                        where,
                        f"attribute '{name}' is summed by rule '{rule['id']}', so it must be a number",
                    )


def _check_table(rule: dict[str, Any], path: Path, product: _Product, report: Report) -> None:
    columns = rule["groups"]
    for index, code in enumerate(columns):
        group = product.groups.get(code)
        if group is None:
            report((*path, "groups", index), f"unknown group '{code}'")
        elif group["max"] != 1:
            report(
                (*path, "groups", index),
                f"group '{code}' is not single-choice (max {group['max']}); a table needs max 1",
            )
    for r_index, row in enumerate(rule["allowed"]):
        r_path = (*path, "allowed", r_index)
        if len(row) != len(columns):
            report(r_path, f"row has {len(row)} entries but the rule lists {len(columns)} groups")
            continue
        for c_index, (code, cell) in enumerate(zip(columns, row, strict=True)):
            group = product.groups.get(code)
            if group is None:
                continue
            if cell is None:
                if group["min"] >= 1:
                    report(
                        (*r_path, c_index),
                        f"null (no pick) is impossible: group '{code}' needs a pick (min {group['min']})",
                    )
            elif cell not in product.options[code]:
                report((*r_path, c_index), f"unknown option '{code}.{cell}'")


def _check_standard_product(
    item: dict[str, Any], path: Path, products: dict[str, dict], report: Report
) -> None:
    document = products.get(item["product"])
    if document is None:
        report((*path, "product"), f"unknown product '{item['product']}'")
        return
    _check_selections(_Product(document), item["selections"], (*path, "selections"), report)


def check_selections(
    product: dict[str, Any], selections: dict[str, list[str]]
) -> list[CatalogueIssue]:
    """The problems of one whole configuration of `product` (a schema-valid product
    document): unknown groups or options, groups with too few or too many picks. Paths
    are relative to `selections` (a group code, then the pick's index)."""
    errors: list[CatalogueIssue] = []

    def report(path: Path, message: str) -> None:
        errors.append(CatalogueIssue(render_path(path), message))

    _check_selections(_Product(product), selections, (), report)
    return errors


def _check_selections(
    product: _Product, selections: dict[str, list[str]], path: Path, report: Report
) -> None:
    """A whole configuration's picks (a standard product's, a starting point's): known
    groups and options, and in each group as many picks as it takes."""
    for code, picks in selections.items():
        if code not in product.groups:
            report((*path, code), f"unknown group '{code}'")
            continue
        for index, pick in enumerate(picks):
            if pick not in product.options[code]:
                report((*path, code, index), f"unknown option '{code}.{pick}'")
    for code, group in product.groups.items():
        picked = len(selections.get(code, []))
        if not group["min"] <= picked <= group["max"]:
            where = (*path, code) if code in selections else path
            report(
                where,
                f"{picked} option(s) picked in group '{code}', which takes "
                f"{_takes(group['min'], group['max'])}",
            )
