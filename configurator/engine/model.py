"""The product as the engine sees it: frozen dataclasses read from one `products[i]` of an
`atelier-catalogue/1` document (already schema-validated by the importer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from configurator.engine.errors import CatalogueError

RuleType = Literal["requires", "excludes", "table", "sum"]
SumOp = Literal["<=", ">=", "=="]
RULE_TYPES = ("requires", "excludes", "table", "sum")
SUM_OPS = ("<=", ">=", "==")


@dataclass(frozen=True)
class Option:
    code: str
    name: str
    price: Decimal
    bom: dict[str, int] = field(default_factory=dict)
    # Numbers are kept as exact Decimals; strings and booleans as they came (sums skip them).
    attributes: dict[str, Any] = field(default_factory=dict)
    extra_minutes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    min: int
    max: int
    options: tuple[Option, ...]
    default: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One rule; which fields matter depends on `type` (see DESIGN.md)."""

    id: str
    type: RuleType
    message: str
    if_: tuple[str, ...] = ()
    then: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    allowed: tuple[tuple[str | None, ...], ...] = ()
    attribute: str = ""
    op: SumOp = "<="
    limit: Decimal | None = None
    limit_attribute: str | None = None


@dataclass(frozen=True)
class PriceRule:
    id: str
    when: tuple[str, ...]
    amount: Decimal
    label: str


@dataclass(frozen=True)
class RouteStep:
    work_centre: str
    minutes: int


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    currency: str
    base_price: Decimal
    groups: tuple[Group, ...]
    rules: tuple[Rule, ...] = ()
    price_rules: tuple[PriceRule, ...] = ()
    route: tuple[RouteStep, ...] = ()


def attribute_number(value: Any) -> Decimal | None:
    """The exact number an attribute value stands for, or None if sums should skip it."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _money(value: Any, where: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise CatalogueError(where, f"'{value}' is not an amount of money") from None
    if not amount.is_finite():
        raise CatalogueError(where, f"'{value}' is not an amount of money")
    return amount


def _option(doc: dict[str, Any], where: str) -> Option:
    attributes = {}
    for name, value in (doc.get("attributes") or {}).items():
        number = attribute_number(value)
        attributes[name] = value if number is None else number
    return Option(
        code=doc["code"],
        name=doc.get("name", doc["code"]),
        price=_money(doc.get("price", "0"), f"{where}.price"),
        bom={sku: int(qty) for sku, qty in (doc.get("bom") or {}).items()},
        attributes=attributes,
        extra_minutes={wc: int(m) for wc, m in (doc.get("extra_minutes") or {}).items()},
    )


def _rule(doc: dict[str, Any], where: str) -> Rule:
    kind = doc.get("type")
    if kind not in RULE_TYPES:
        raise CatalogueError(f"{where}.type", f"unknown rule type '{kind}'")
    common = {"id": str(doc.get("id", "")), "type": kind, "message": doc.get("message", "")}
    if kind == "requires":
        return Rule(**common, if_=tuple(doc.get("if", ())), then=tuple(doc.get("then", ())))
    if kind == "excludes":
        return Rule(**common, all=tuple(doc.get("all", ())))
    if kind == "table":
        return Rule(
            **common,
            groups=tuple(doc.get("groups", ())),
            allowed=tuple(tuple(row) for row in doc.get("allowed", ())),
        )
    op = doc.get("op", "<=")
    if op not in SUM_OPS:
        raise CatalogueError(f"{where}.op", f"unknown comparison '{op}'")
    limit = doc.get("limit")
    limit_attribute = doc.get("limit_attribute")
    if (limit is None) == (limit_attribute is None):
        raise CatalogueError(where, "a sum rule needs exactly one of limit and limit_attribute")
    number = None if limit is None else attribute_number(limit)
    if limit is not None and number is None:
        raise CatalogueError(f"{where}.limit", f"'{limit}' is not a number")
    return Rule(
        **common,
        attribute=str(doc.get("attribute", "")),
        op=op,
        limit=number,
        limit_attribute=limit_attribute,
    )


def _check_references(product: Product) -> None:
    """Reject dangling literals so that the compiler can trust every code it meets."""
    groups = {g.code: g for g in product.groups}

    def literal(text: str, where: str) -> None:
        group_code, _, option_code = str(text).partition(".")
        group = groups.get(group_code)
        if group is None or all(o.code != option_code for o in group.options):
            raise CatalogueError(where, f"'{text}' names no option of product '{product.code}'")

    for gi, group in enumerate(product.groups):
        where = f"groups[{gi}]"
        if not 0 <= group.min <= group.max:
            raise CatalogueError(where, f"group '{group.code}' needs 0 <= min <= max")
        codes = [o.code for o in group.options]
        if len(set(codes)) != len(codes):
            raise CatalogueError(f"{where}.options", f"group '{group.code}' repeats an option code")
        for d, code in enumerate(group.default):
            if code not in codes:
                raise CatalogueError(f"{where}.default[{d}]", f"'{code}' is not an option")
    if len(groups) != len(product.groups):
        raise CatalogueError("groups", "two groups share a code")
    for ri, rule in enumerate(product.rules):
        where = f"rules[{ri}]"
        for name, lits in (("if", rule.if_), ("then", rule.then), ("all", rule.all)):
            for li, text in enumerate(lits):
                literal(text, f"{where}.{name}[{li}]")
        if rule.type == "table":
            for ti, code in enumerate(rule.groups):
                table_group = groups.get(code)
                if table_group is None:
                    raise CatalogueError(f"{where}.groups[{ti}]", f"'{code}' is not a group")
                if table_group.max != 1:
                    raise CatalogueError(
                        f"{where}.groups[{ti}]", f"table groups must be single-choice ('{code}')"
                    )
            if len(set(rule.groups)) != len(rule.groups):
                raise CatalogueError(f"{where}.groups", "a table lists a group twice")
            for row_i, row in enumerate(rule.allowed):
                if len(row) != len(rule.groups):
                    raise CatalogueError(f"{where}.allowed[{row_i}]", "row length differs")
                for code, entry in zip(rule.groups, row, strict=True):
                    if entry is not None:
                        literal(f"{code}.{entry}", f"{where}.allowed[{row_i}]")
    for pi, price_rule in enumerate(product.price_rules):
        for li, text in enumerate(price_rule.when):
            literal(text, f"price_rules[{pi}].when[{li}]")


def product_from_document(product: dict[str, Any], currency: str) -> Product:
    """Read one `products[i]` of a catalogue document into engine dataclasses.

    Raises `CatalogueError` for references the schema cannot catch (a rule naming an
    option that does not exist, a table over a multi-choice group).
    """
    groups = tuple(
        Group(
            code=g["code"],
            name=g.get("name", g["code"]),
            min=int(g.get("min", 0)),
            max=int(g.get("max", 1)),
            options=tuple(
                _option(o, f"groups[{gi}].options[{oi}]") for oi, o in enumerate(g["options"])
            ),
            default=tuple(g.get("default") or ()),
        )
        for gi, g in enumerate(product["groups"])
    )
    result = Product(
        code=product["code"],
        name=product.get("name", product["code"]),
        currency=currency,
        base_price=_money(product.get("base_price", "0"), "base_price"),
        groups=groups,
        rules=tuple(_rule(r, f"rules[{i}]") for i, r in enumerate(product.get("rules") or ())),
        price_rules=tuple(
            PriceRule(
                id=str(r.get("id", "")),
                when=tuple(r.get("when", ())),
                amount=_money(r.get("amount", "0"), f"price_rules[{i}].amount"),
                label=r.get("label", r.get("id", "")),
            )
            for i, r in enumerate(product.get("price_rules") or ())
        ),
        route=tuple(
            RouteStep(work_centre=s["work_centre"], minutes=int(s.get("minutes", 0)))
            for s in product.get("route") or ()
        ),
    )
    _check_references(result)
    return result
