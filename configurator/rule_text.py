"""Rules in words, for admin lists and the shop's explanations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

OPS = {"<=": "≤", ">=": "≥", "==": "="}


def rule_summary(kind: str, definition: dict) -> str:
    if kind == "requires":
        return f"if {' and '.join(definition.get('if', []))} then {' or '.join(definition.get('then', []))}"
    if kind == "excludes":
        return f"never all of {', '.join(definition.get('all', []))}"
    if kind == "table":
        rows = "; ".join(
            "/".join("—" if v is None else str(v) for v in row)
            for row in definition.get("allowed", [])
        )
        return f"{' × '.join(definition.get('groups', []))} ∈ {{{rows}}}"
    if kind == "sum":
        limit = definition.get("limit", definition.get("limit_attribute"))
        if "limit_attribute" in definition:
            limit = f"Σ {definition['limit_attribute']}"
        return f"Σ {definition.get('attribute')} {OPS.get(definition.get('op'), definition.get('op'))} {limit}"
    return kind


# --- The shop's words for the engine's reasons ------------------------------------------
#
# The engine answers with rule ids, the catalogue's rule messages, group cardinalities
# (`min:<group>` / `max:<group>`) and picks as "group.option" literals. Customers read
# sentences: this is the one place that writes them (configure page and the API's
# `message` of a cardinality reason).


class Words:
    """A product's group and option names, read from the engine's `GroupState`s (or any
    objects with `code`, `name`, `min`, `max` and `options` of `code`/`name`)."""

    def __init__(self, groups: Iterable) -> None:
        self._groups = {g.code: g for g in groups}
        self._options = {g.code: {o.code: o.name for o in g.options} for g in self._groups.values()}

    def group(self, code: str) -> str:
        found = self._groups.get(code)
        return found.name if found is not None else code

    def option(self, group: str, option: str) -> str:
        return self._options.get(group, {}).get(option, option)

    def pick(self, literal: str) -> str:
        """'Battery: 54 Wh' for 'battery.54wh'."""
        group, _, option = literal.partition(".")
        return f"{self.group(group)}: {self.option(group, option)}"

    def rule(self, rule: str, message: str) -> str:
        """What a rule says, in words: the catalogue's message, or for a group's
        cardinality a sentence about that group (never `min:cpu`)."""
        kind, _, code = rule.partition(":")
        group = self._groups.get(code) if kind in ("min", "max") else None
        if group is None:
            return message
        if kind == "min":
            if group.min == 1:
                return f"{group.name} needs a choice"
            return f"{group.name} needs at least {group.min} choices"
        return f"{group.name} takes at most {group.max} choice{'s' if group.max != 1 else ''}"

    def reason(self, rule: str, message: str, selections: Sequence[str] = ()) -> str:
        """One sentence: what the rule says and the picks it meets."""
        text = self.rule(rule, message).strip().rstrip(".")
        if selections:
            text += f" (you chose {_and([self.pick(s) for s in selections])})"
        return text + "."

    def reasons(self, reasons: Iterable) -> tuple[str, ...]:
        """Sentences for engine `Reason`s (objects with `rule`, `message`, `selections`):
        one per rule, naming every pick it meets. A group's minimum is left out when a
        real rule is named too: it only says that the group is always chosen."""
        merged: dict[str, tuple[str, list[str]]] = {}
        for r in reasons:
            message, picks = merged.setdefault(r.rule, (r.message, []))
            picks.extend(s for s in r.selections if s not in picks)
        if any(not rule.startswith("min:") for rule in merged):
            merged = {k: v for k, v in merged.items() if not k.startswith("min:")}
        return tuple(self.reason(rule, message, picks) for rule, (message, picks) in merged.items())

    def change(self, group: str, before: Sequence[str], after: Sequence[str]) -> str:
        """'Battery: 54 Wh → 72 Wh', 'add Accessories: Sleeve', 'remove …' (option codes)."""
        name = self.group(group)
        was = ", ".join(self.option(group, o) for o in before)
        now = ", ".join(self.option(group, o) for o in after)
        if not after:
            return f"remove {name}: {was}"
        if not before:
            return f"add {name}: {now}"
        return f"{name}: {was} → {now}"


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
