"""The product in index form: groups and options by position, literals as (group, option)
pairs, each rule as a `Constraint` that can be checked on a full or partial pick.

A pick of a group is a bitmask over the group's options (bit i = option i is picked).
Everything downstream (diagram, explanations, brute-force checks in tests) shares this
one reading of the rules, so their meaning is written down exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from itertools import combinations

from configurator.engine.errors import CatalogueError
from configurator.engine.model import Product, attribute_number

# A multi-choice group becomes one diagram layer whose edges are its allowed subsets, so
# the number of subsets must stay moderate (12 options with max 12 is 4096).
MAX_PICKS_PER_GROUP = 4096

Literal = tuple[int, int]  # (group index, option index)


@dataclass(frozen=True)
class Constraint:
    """One catalogue rule in index form. `scope` holds the groups it reads."""

    index: int
    id: str
    message: str
    kind: str
    scope: tuple[int, ...]
    if_: tuple[Literal, ...] = ()
    then: tuple[Literal, ...] = ()
    all: tuple[Literal, ...] = ()
    table_groups: tuple[int, ...] = ()
    rows: tuple[tuple[int, ...], ...] = ()  # option index per table group, -1 = no pick
    contrib: tuple[tuple[int, tuple[int, ...]], ...] = ()  # (group, scaled value per option)
    op: str = "<="
    target: int = 0

    def satisfied(self, picks: tuple[int, ...]) -> bool:
        """Whether the rule holds for a full pick (one bitmask per group)."""
        if self.kind == "requires":
            if all(picks[g] >> o & 1 for g, o in self.if_):
                return any(picks[g] >> o & 1 for g, o in self.then)
            return True
        if self.kind == "excludes":
            return not all(picks[g] >> o & 1 for g, o in self.all)
        if self.kind == "table":
            return any(
                all(
                    (picks[g] == 0) if e < 0 else (picks[g] == 1 << e)
                    for g, e in zip(self.table_groups, row, strict=True)
                )
                for row in self.rows
            )
        total = sum(
            value
            for g, values in self.contrib
            for o, value in enumerate(values)
            if picks[g] >> o & 1
        )
        return compare(total, self.op, self.target)


@dataclass(frozen=True)
class PriceTerm:
    index: int
    id: str
    label: str
    when: tuple[Literal, ...]
    scope: tuple[int, ...]
    amount: int  # in money units (see Index.money_scale)

    def applies(self, picks: tuple[int, ...]) -> bool:
        return all(picks[g] >> o & 1 for g, o in self.when)


def compare(total: int, op: str, target: int) -> bool:
    if op == "<=":
        return total <= target
    if op == ">=":
        return total >= target
    return total == target


@dataclass(frozen=True)
class Index:
    group_codes: tuple[str, ...]
    option_codes: tuple[tuple[str, ...], ...]
    mins: tuple[int, ...]
    maxs: tuple[int, ...]
    offsets: tuple[int, ...]  # global option id = offsets[g] + option index
    constraints: tuple[Constraint, ...]
    price_terms: tuple[PriceTerm, ...]
    picks: tuple[tuple[int, ...], ...]  # allowed picks per group (bitmasks), cardinality-checked
    option_costs: tuple[tuple[int, ...], ...]  # scaled price per option
    base_cost: int
    money_scale: int  # amounts are integers of 10**-money_scale

    @property
    def n_options(self) -> int:
        return self.offsets[-1] + len(self.option_codes[-1]) if self.option_codes else 0

    def literal_text(self, lit: Literal) -> str:
        g, o = lit
        return f"{self.group_codes[g]}.{self.option_codes[g][o]}"

    def global_id(self, lit: Literal) -> int:
        return self.offsets[lit[0]] + lit[1]

    def literal_of(self, global_id: int) -> Literal:
        for g in range(len(self.offsets) - 1, -1, -1):
            if self.offsets[g] <= global_id:
                return g, global_id - self.offsets[g]
        raise ValueError(global_id)


def _decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _scaled(value: Decimal, scale: int) -> int:
    return int(value.scaleb(scale))


def group_picks(n_options: int, low: int, high: int) -> tuple[int, ...]:
    """Every subset of `n_options` options of size low..high, as bitmasks, smallest first."""
    picks: list[int] = []
    for size in range(low, min(high, n_options) + 1):
        for combo in combinations(range(n_options), size):
            mask = 0
            for o in combo:
                mask |= 1 << o
            picks.append(mask)
            if len(picks) > MAX_PICKS_PER_GROUP:
                raise CatalogueError(
                    "groups", f"a group allows more than {MAX_PICKS_PER_GROUP} combinations"
                )
    return tuple(picks)


def index_product(product: Product) -> Index:
    """Translate a (reference-checked) product into index form."""
    group_pos = {g.code: i for i, g in enumerate(product.groups)}
    option_pos = [{o.code: j for j, o in enumerate(g.options)} for g in product.groups]

    def lit(text: str) -> Literal:
        group_code, _, option_code = text.partition(".")
        g = group_pos[group_code]
        return g, option_pos[g][option_code]

    def scope_of(*lits: tuple[Literal, ...]) -> tuple[int, ...]:
        return tuple(sorted({g for part in lits for g, _ in part}))

    # Sums compare exact decimals; scale every number of one rule to integers.
    constraints = []
    for i, rule in enumerate(product.rules):
        make = partial(Constraint, index=i, id=rule.id, message=rule.message, kind=rule.type)
        if rule.type == "requires":
            if_, then = tuple(map(lit, rule.if_)), tuple(map(lit, rule.then))
            constraints.append(make(scope=scope_of(if_, then), if_=if_, then=then))
        elif rule.type == "excludes":
            all_ = tuple(map(lit, rule.all))
            constraints.append(make(scope=scope_of(all_), all=all_))
        elif rule.type == "table":
            tgroups = tuple(group_pos[c] for c in rule.groups)
            rows = tuple(
                tuple(
                    -1 if e is None else option_pos[g][e] for g, e in zip(tgroups, row, strict=True)
                )
                for row in rule.allowed
            )
            constraints.append(make(scope=tuple(sorted(tgroups)), table_groups=tgroups, rows=rows))
        else:
            raw: dict[int, list[Decimal]] = {}
            for g, group in enumerate(product.groups):
                values = []
                for option in group.options:
                    a = attribute_number(option.attributes.get(rule.attribute)) or Decimal(0)
                    b = Decimal(0)
                    if rule.limit_attribute is not None:
                        b = attribute_number(
                            option.attributes.get(rule.limit_attribute)
                        ) or Decimal(0)
                    values.append(a - b)
                if any(values):
                    raw[g] = values
            target = rule.limit if rule.limit is not None else Decimal(0)
            scale = max(
                [_decimal_places(target)] + [_decimal_places(v) for vs in raw.values() for v in vs]
            )
            contrib = tuple(
                (g, tuple(_scaled(v, scale) for v in vs)) for g, vs in sorted(raw.items())
            )
            constraints.append(
                make(
                    scope=tuple(sorted(raw)),
                    contrib=contrib,
                    op=rule.op,
                    target=_scaled(target, scale),
                )
            )

    amounts = [product.base_price] + [o.price for g in product.groups for o in g.options]
    amounts += [r.amount for r in product.price_rules]
    money_scale = max(_decimal_places(a) for a in amounts)
    price_terms = tuple(
        PriceTerm(
            index=i,
            id=r.id,
            label=r.label,
            when=tuple(map(lit, r.when)),
            scope=scope_of(tuple(map(lit, r.when))),
            amount=_scaled(r.amount, money_scale),
        )
        for i, r in enumerate(product.price_rules)
    )
    offsets, total = [], 0
    for group in product.groups:
        offsets.append(total)
        total += len(group.options)
    return Index(
        group_codes=tuple(g.code for g in product.groups),
        option_codes=tuple(tuple(o.code for o in g.options) for g in product.groups),
        mins=tuple(g.min for g in product.groups),
        maxs=tuple(g.max for g in product.groups),
        offsets=tuple(offsets),
        constraints=tuple(constraints),
        price_terms=price_terms,
        picks=tuple(group_picks(len(g.options), g.min, g.max) for g in product.groups),
        option_costs=tuple(
            tuple(_scaled(o.price, money_scale) for o in g.options) for g in product.groups
        ),
        base_cost=_scaled(product.base_price, money_scale),
        money_scale=money_scale,
    )
