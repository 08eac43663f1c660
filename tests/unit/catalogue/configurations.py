"""A plain, engine-independent oracle for a catalogue product's configurations.

It reads the DESIGN.md rule meanings literally and imports nothing from
configurator.engine. `violations` checks one configuration. `count` counts every valid
configuration exactly, and `dead_options` finds options that are in none, by dynamic
programming over the groups in order: a group's picks are forgotten once no open rule
needs them, and sums are carried as partial totals. `enumerate_valid` is plain brute
force for small products, used to cross-check `count`.
"""

from __future__ import annotations

import itertools
import operator
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

Selection = Mapping[str, frozenset[str]]
OPS = {"<=": operator.le, ">=": operator.ge, "==": operator.eq}


def _holds(literal: str, selection: Selection) -> bool:
    group, option = literal.split(".", 1)
    return option in selection.get(group, frozenset())


def rule_holds(rule: dict[str, Any], selection: Selection, options: dict) -> bool:
    kind = rule["type"]
    if kind == "requires":
        if all(_holds(lit, selection) for lit in rule["if"]):
            return any(_holds(lit, selection) for lit in rule["then"])
        return True
    if kind == "excludes":
        return not all(_holds(lit, selection) for lit in rule["all"])
    if kind == "table":
        row = []
        for group in rule["groups"]:
            picks = selection.get(group, frozenset())
            row.append(next(iter(picks)) if picks else None)
        return row in [list(r) for r in rule["allowed"]]
    if kind == "sum":
        return OPS[rule["op"]](*_sum_sides(rule, selection, options))
    raise ValueError(kind)


def _sum_sides(rule: dict, selection: Selection, options: dict) -> tuple[float, float]:
    def total(attribute: str) -> float:
        return sum(
            options[group][code]["attributes"].get(attribute, 0)
            for group, picks in selection.items()
            for code in picks
        )

    limit = rule["limit"] if "limit" in rule else total(rule["limit_attribute"])
    return total(rule["attribute"]), limit


class Space:
    """The configuration space of one product document."""

    def __init__(self, product: dict[str, Any]):
        self.product = product
        self.groups = product["groups"]
        self.options = {
            g["code"]: {o["code"]: {"attributes": {}, **o} for o in g["options"]}
            for g in self.groups
        }
        self.picks = {
            g["code"]: [
                frozenset(combo)
                for size in range(g["min"], g["max"] + 1)
                for combo in itertools.combinations([o["code"] for o in g["options"]], size)
            ]
            for g in self.groups
        }
        self.rules = product.get("rules", [])
        self._bit = {
            (g["code"], o["code"]): 1 << i
            for i, (g, o) in enumerate((g, o) for g in self.groups for o in g["options"])
        }

    def violations(self, selections: Mapping[str, list[str]]) -> list[str]:
        """Why `selections` is not a complete valid configuration ([] when it is)."""
        problems = []
        selection = {g: frozenset(p) for g, p in selections.items()}
        for group in self.groups:
            picked = selections.get(group["code"], [])
            if not group["min"] <= len(picked) <= group["max"]:
                problems.append(f"group {group['code']}: {len(picked)} picks")
            if len(set(picked)) != len(picked) or not set(picked) <= set(
                self.options[group["code"]]
            ):
                problems.append(f"group {group['code']}: bad picks {picked}")
        for rule in self.rules:
            if not rule_holds(rule, selection, self.options):
                problems.append(f"rule {rule['id']}: {rule['message']}")
        return problems

    def enumerate_valid(self) -> Iterator[dict[str, frozenset[str]]]:
        codes = [g["code"] for g in self.groups]
        for combo in itertools.product(*(self.picks[c] for c in codes)):
            selection = dict(zip(codes, combo, strict=True))
            if all(rule_holds(r, selection, self.options) for r in self.rules):
                yield selection

    def count(self) -> int:
        """Exact number of valid configurations."""
        return self._search()[0]

    def dead_options(self) -> list[str]:
        """Options that are in no valid configuration (`group.option`)."""
        _, alive = self._search()
        return [
            f"{g['code']}.{o['code']}"
            for g in self.groups
            for o in g["options"]
            if not alive & self._bit[(g["code"], o["code"])]
        ]

    def _search(self) -> tuple[int, int]:
        """(number of valid configurations, bit mask of the options in at least one).

        Each state carries how many partial configurations reach it and the union of
        the options on them: every continuation of a state extends each of its paths.
        """
        codes = [g["code"] for g in self.groups]
        position = {code: i for i, code in enumerate(codes)}
        logical = [r for r in self.rules if r["type"] != "sum"]
        sums = [r for r in self.rules if r["type"] == "sum"]

        def groups_of(rule: dict) -> set[str]:
            if rule["type"] == "table":
                return set(rule["groups"])
            literals = rule.get("if", []) + rule.get("then", []) + rule.get("all", [])
            return {lit.split(".", 1)[0] for lit in literals}

        last = defaultdict(list)
        needed_until = {}
        for rule in logical:
            involved = groups_of(rule)
            end = max(position[g] for g in involved)
            last[end].append((rule, involved))
            for g in involved:
                needed_until[g] = max(needed_until.get(g, -1), end)

        def contribution(group: str, picks: frozenset[str]) -> tuple[float, ...]:
            out = []
            for rule in sums:
                attrs = [self.options[group][c]["attributes"] for c in picks]
                value = sum(a.get(rule["attribute"], 0) for a in attrs)
                if "limit_attribute" in rule:
                    value -= sum(a.get(rule["limit_attribute"], 0) for a in attrs)
                out.append(value)
            return tuple(out)

        states: dict[tuple, list[int]] = {((), (0,) * len(sums)): [1, 0]}
        for index, code in enumerate(codes):
            choices = [
                (picks, contribution(code, picks), self._mask(code, picks))
                for picks in self.picks[code]
            ]
            following: dict[tuple, list[int]] = {}
            for (live, totals), (ways, seen) in states.items():
                for picks, delta, mask in choices:
                    assigned = dict(live)
                    assigned[code] = picks
                    if not all(
                        rule_holds(rule, {g: assigned[g] for g in involved}, self.options)
                        for rule, involved in last[index]
                    ):
                        continue
                    kept = tuple(
                        sorted(
                            (g, p) for g, p in assigned.items() if needed_until.get(g, -1) > index
                        )
                    )
                    key = (kept, tuple(t + d for t, d in zip(totals, delta, strict=True)))
                    entry = following.setdefault(key, [0, 0])
                    entry[0] += ways
                    entry[1] |= seen | mask
            states = following
        count, alive = 0, 0
        for (_, totals), (ways, seen) in states.items():
            if all(
                OPS[rule["op"]](value, rule.get("limit", 0))
                for rule, value in zip(sums, totals, strict=True)
            ):
                count += ways
                alive |= seen
        return count, alive

    def _mask(self, group: str, picks: frozenset[str]) -> int:
        mask = 0
        for code in picks:
            mask |= self._bit[(group, code)]
        return mask
