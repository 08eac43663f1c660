"""Rules in words, for admin lists and the shop's explanations."""

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
