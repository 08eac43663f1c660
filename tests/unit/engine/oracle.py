"""Brute-force reference for the engine: enumerate every configuration of a small product
document and answer each question by definition. Independent of the engine's code."""

from __future__ import annotations

from decimal import Decimal
from itertools import combinations, product


def _number(value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Decimal(0)
    return Decimal(str(value))


class Oracle:
    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.groups = doc["groups"]
        per_group = []
        for g in self.groups:
            codes = [o["code"] for o in g["options"]]
            picks = [
                frozenset(c)
                for size in range(g["min"], min(g["max"], len(codes)) + 1)
                for c in combinations(codes, size)
            ]
            per_group.append(picks)
        self.options = {g["code"]: {o["code"]: o for o in g["options"]} for g in self.groups}
        self.configs = [
            dict(zip([g["code"] for g in self.groups], combo, strict=True))
            for combo in product(*per_group)
            if self._valid(dict(zip([g["code"] for g in self.groups], combo, strict=True)))
        ]

    @staticmethod
    def _holds(config, literal: str) -> bool:
        g, _, o = literal.partition(".")
        return o in config.get(g, ())

    def _rule_ok(self, rule, config) -> bool:
        kind = rule["type"]
        if kind == "requires":
            if all(self._holds(config, lit) for lit in rule["if"]):
                return any(self._holds(config, lit) for lit in rule["then"])
            return True
        if kind == "excludes":
            return not all(self._holds(config, lit) for lit in rule["all"])
        if kind == "table":
            picks = []
            for g in rule["groups"]:
                chosen = config.get(g, frozenset())
                if len(chosen) > 1:
                    return False
                picks.append(next(iter(chosen)) if chosen else None)
            return any(list(row) == picks for row in rule["allowed"])
        total = Decimal(0)
        limit = Decimal(str(rule["limit"])) if "limit" in rule else Decimal(0)
        for g, chosen in config.items():
            for o in chosen:
                attrs = self.options[g][o].get("attributes", {})
                total += _number(attrs.get(rule["attribute"]))
                if "limit_attribute" in rule:
                    limit += _number(attrs.get(rule["limit_attribute"]))
        return {"<=": total <= limit, ">=": total >= limit, "==": total == limit}[rule["op"]]

    def _valid(self, config) -> bool:
        for g in self.groups:
            n = len(config.get(g["code"], ()))
            if not g["min"] <= n <= g["max"]:
                return False
        return all(self._rule_ok(r, config) for r in self.doc.get("rules", []))

    def is_valid_config(self, config) -> bool:
        return self._valid({k: frozenset(v) for k, v in config.items()})

    def price(self, config) -> Decimal:
        total = Decimal(self.doc["base_price"])
        for g, chosen in config.items():
            for o in chosen:
                total += Decimal(self.options[g][o]["price"])
        for rule in self.doc.get("price_rules", []):
            if all(self._holds(config, lit) for lit in rule["when"]):
                total += Decimal(rule["amount"])
        return total

    def containing(self, selections):
        return [c for c in self.configs if all(set(v) <= c[g] for g, v in selections.items())]

    def available(self, selections, group: str, option: str) -> bool:
        """The promise, by definition."""
        single = next(g for g in self.groups if g["code"] == group)["max"] == 1
        for c in self.configs:
            if option not in c[group]:
                continue
            if all(set(v) <= c[g] for g, v in selections.items() if g != group or not single):
                return True
        return False
